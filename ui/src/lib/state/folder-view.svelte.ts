/**
 * The folder the dashboard shows: its entries as they stream in, the sort, the filter and the
 * selection. Listings are numbered; pages from a listing that is no longer the latest are dropped,
 * so a slow listing of the folder just left never overwrites the one just opened.
 */
import * as api from '../api';
import { coalesce } from '../refresh';
import {
  filterEntries,
  isUnder,
  parentOf,
  sortEntries,
  totalsOf,
  type SortColumn,
  type SortOrder,
  nextSort,
} from '../listing';
import { emptySelection, retain, targets, type SelectionState } from '../selection';
import type { CofferError, Entry, ListEvent } from '../ipc';

/**
 * While a listing streams in, the rows shown are brought up to date at most every PUBLISH_MS plus
 * PUBLISH_MS_PER_1000 for each thousand rows so far: each update re-sorts everything received, so
 * big folders update less often and sorting never takes more than a small share of the time.
 */
export const PUBLISH_MS = 200;
export const PUBLISH_MS_PER_1000 = 10;

export class FolderView {
  connection = $state<string | null>(null);
  folder = $state('');
  entries = $state.raw<Entry[]>([]);
  /** From opening a folder until its listing is complete. */
  loading = $state(false);
  /** A listing of this folder has completed at least once (so an empty list really is empty). */
  listed = $state(false);
  /** The last listing failed with Unreachable: the banner offers Retry. */
  unreachable = $state(false);
  failure = $state.raw<CofferError | null>(null);
  sort = $state.raw<SortOrder>({ column: 'name', direction: 'asc' });
  filter = $state('');
  selection = $state.raw<SelectionState>(emptySelection);

  // Sorted first, then filtered (which keeps the order): typing in the filter never re-sorts.
  sorted = $derived(sortEntries(this.entries, this.sort));
  visible = $derived(filterEntries(this.sorted, this.filter));
  order = $derived(this.visible.map((entry) => entry.key));
  byKey = $derived(new Map(this.entries.map((entry) => [entry.key, entry])));
  totals = $derived(totalsOf(this.entries));
  /** What Open, Download, Share and Delete act on: the selection, else the focused row. */
  targets = $derived(targets(this.selection, this.order).map((key) => this.byKey.get(key)!));
  focused = $derived(this.selection.focus == null ? null : (this.byKey.get(this.selection.focus) ?? null));

  #generation = 0;
  #pendingFocus: string | null = null;
  #refresher = coalesce(() => this.#list(false));
  #onError: (error: CofferError) => void;

  constructor(onError: (error: CofferError) => void) {
    this.#onError = onError;
  }

  /**
   * Open `folder` of `connection`, showing the first page as soon as it arrives. `focus` is a key to
   * put keyboard focus on once it is listed (going up focuses the folder just left).
   */
  show(connection: string, folder = '', focus: string | null = null): Promise<void> {
    this.connection = connection;
    this.folder = folder;
    this.filter = '';
    this.selection = emptySelection;
    this.#pendingFocus = focus;
    this.#refresher.cancelPending();
    return this.#list(true);
  }

  up(): Promise<void> {
    if (this.connection == null || this.folder === '') return Promise.resolve();
    return this.show(this.connection, parentOf(this.folder), this.folder);
  }

  /** List again from scratch (the banner's Retry). */
  reload(): Promise<void> {
    return this.#list(true);
  }

  /** Re-list in the background, keeping the rows until the new listing is complete; coalesced. */
  refresh(): void {
    this.#refresher.request();
  }

  /** An upload stored `key` on `connection`: refresh if that changes what is shown. */
  noticeStored(connection: string, key: string): void {
    if (connection === this.connection && isUnder(key, this.folder)) this.refresh();
  }

  /** Drop rows at once (after a delete) instead of waiting for the re-list. */
  forget(gone: (key: string) => boolean): void {
    this.entries = this.entries.filter((entry) => !gone(entry.key));
    const keys = new Set(this.entries.map((entry) => entry.key));
    this.selection = retain(this.selection, (key) => keys.has(key));
  }

  sortBy(column: SortColumn): void {
    this.sort = nextSort(this.sort, column);
  }

  #list(navigate: boolean): Promise<void> {
    const connection = this.connection;
    if (connection == null) return Promise.resolve();
    const folder = this.folder;
    const generation = ++this.#generation;
    const current = () => generation === this.#generation;
    // A refresh that supersedes a navigation still streaming must keep streaming, or the rows
    // would freeze half-listed until the refresh ends.
    const streaming = navigate || this.loading;
    if (navigate) {
      this.entries = [];
      this.loading = true;
      this.listed = false;
      this.failure = null;
    }

    const received: Entry[] = [];
    let finished = false;
    let answered = false;
    let publishTimer: ReturnType<typeof setTimeout> | null = null;

    const publish = () => {
      if (publishTimer != null) clearTimeout(publishTimer);
      publishTimer = null;
      if (!current()) return;
      this.entries = received.slice();
      const focus = this.#pendingFocus;
      if (focus != null && received.some((entry) => entry.key === focus)) {
        this.#pendingFocus = null;
        this.selection = { selected: new Set(), anchor: focus, focus };
      }
    };

    return new Promise<void>((resolve) => {
      const end = () => {
        finished = true;
        if (publishTimer != null) clearTimeout(publishTimer);
        resolve();
      };

      // The server answered: whatever failure was shown is over, from the first page on.
      const answer = () => {
        if (answered) return;
        answered = true;
        this.unreachable = false;
        this.failure = null;
      };

      const onEvent = (event: ListEvent) => {
        if (finished || !current()) return;
        answer();
        if (event.type === 'page') {
          for (const entry of event.entries) received.push(entry);
          if (!streaming) return;
          if (received.length === event.entries.length) publish();
          else publishTimer ??= setTimeout(publish, PUBLISH_MS + (received.length / 1000) * PUBLISH_MS_PER_1000);
          return;
        }
        publish();
        this.loading = false;
        this.listed = true;
        const keys = new Set(received.map((entry) => entry.key));
        this.selection = retain(this.selection, (key) => keys.has(key));
        end();
      };

      api.listFolder(connection, folder, onEvent).then(
        // The response can overtake the pages; the listing ends with its `done` event. A listing that
        // has been superseded has nothing more to wait for.
        () => {
          if (!current()) end();
        },
        (error: CofferError) => {
          if (finished) return;
          end();
          if (current()) {
            this.loading = false;
            this.failure = error;
            this.unreachable = error.kind === 'Unreachable';
            // Unreachable gets the banner; anything else a toast.
            if (!this.unreachable) this.#onError(error);
          }
        },
      );
    });
  }
}
