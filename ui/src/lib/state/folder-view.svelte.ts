/**
 * The folder the dashboard shows: its entries as they stream in, the sort, the filter and the
 * selection. Listings are numbered; pages from a listing that is no longer the latest are dropped,
 * so a slow listing of the folder just left never overwrites the one just opened.
 *
 * The folder is kept live: after each listing the next background re-list is scheduled (see
 * `pollInterval`), and `poke()` (the window gaining focus) re-lists at once. A re-list replaces the
 * rows only when complete and keeps the selection, focus, filter and scroll position; rows that
 * appeared or changed since the previous listing are marked for a moment.
 */
import * as api from '../api';
import { coalesce } from '../refresh';
import {
  filterEntries,
  isUnder,
  parentOf,
  prepareForSorting,
  streamingSorter,
  streamingTotals,
  type SortColumn,
  type SortOrder,
  nextSort,
} from '../listing';
import { emptySelection, retain, targets, type SelectionState } from '../selection';
import type { CofferError, EditLock, Entry, ListEvent } from '../ipc';

/**
 * While a listing streams in, the rows shown are brought up to date at most every PUBLISH_MS plus
 * PUBLISH_MS_PER_1000 for each thousand rows so far. An update merges the rows received since the
 * last one into the sorted rows (their sort keys were worked out as their pages arrived), which is
 * linear in the rows so far: big folders update a little less often, and no update holds a frame
 * for long.
 */
export const PUBLISH_MS = 200;
export const PUBLISH_MS_PER_1000 = 2;

/**
 * Uploads landing in the folder shown re-list it at once, then at most this often while they go on:
 * a big drop stores hundreds of files a second, and every re-list repaints the rows.
 */
export const STORED_REFRESH_MS = 1000;

/** How long a new or changed row stays marked after a background re-list. */
export const MARK_MS = 4000;

export interface PollSettings {
  /** Between re-lists while the window is visible. */
  visibleMs: number;
  /** Between re-lists while it is hidden or minimised. */
  hiddenMs: number;
}

export const DEFAULT_POLL: PollSettings = { visibleMs: 15_000, hiddenMs: 300_000 };

/**
 * The pause before the next background re-list. A big folder takes long to list, so the pause
 * grows with the last listing's duration: listing never takes more than a twentieth of the time.
 */
export function pollInterval(settings: PollSettings, visible: boolean, lastListingMs: number): number {
  return Math.max(visible ? settings.visibleMs : settings.hiddenMs, lastListingMs * 20);
}

export type Mark = 'new' | 'changed';

/**
 * User Timing marks for the window benchmark (bench/app): set in the first frame that paints a
 * folder's first rows, and in the one that paints it complete. A mark replaces the previous one of
 * its name, so they never pile up.
 */
export const FIRST_ROWS_MARK = 'coffer:first-rows';
export const LISTED_MARK = 'coffer:listed';

function markNextFrame(name: string): void {
  if (typeof requestAnimationFrame !== 'function' || typeof performance?.mark !== 'function') return;
  requestAnimationFrame(() => {
    performance.clearMarks(name);
    performance.mark(name);
  });
}

/** Uploaders asked for in one call, and the pause that lets a scroll settle first. */
const UPLOADERS_PER_CALL = 60;
const UPLOADERS_DELAY_MS = 150;

/** Rows of `next` that were not in `previous`, or are there with other content. */
export function changesBetween(previous: readonly Entry[], next: readonly Entry[]): Map<string, Mark> {
  const before = new Map(previous.map((entry) => [entry.key, entry]));
  const marks = new Map<string, Mark>();
  for (const entry of next) {
    const old = before.get(entry.key);
    if (old === undefined) marks.set(entry.key, 'new');
    else if (!entry.isFolder && (old.etag !== entry.etag || old.size !== entry.size || old.lastModifiedMs !== entry.lastModifiedMs)) {
      marks.set(entry.key, 'changed');
    }
  }
  return marks;
}

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
  /** When the rows were last brought up to date by a complete listing (ms since the epoch). */
  updatedAt = $state<number | null>(null);
  /** Rows that appeared or changed in the last background re-list, for a moment. */
  marks = $state.raw<Map<string, Mark>>(new Map());
  /** Live edit locks on this folder's documents, by key, as of the last listing. */
  locks = $state.raw<Map<string, EditLock>>(new Map());
  /** Who uploaded each document asked about so far, by key (null: nobody recorded). */
  addedBy = $state.raw<Map<string, string | null>>(new Map());

  // Sorted first, then filtered (which keeps the order): typing in the filter never re-sorts.
  #sorter = streamingSorter();
  sorted = $derived(this.#sorter(this.entries, this.sort));
  visible = $derived(filterEntries(this.sorted, this.filter));
  order = $derived(this.visible.map((entry) => entry.key));
  byKey = $derived(new Map(this.entries.map((entry) => [entry.key, entry])));
  #totals = streamingTotals();
  totals = $derived(this.#totals(this.entries));
  /**
   * What Open, Download, Share and Delete act on: the selection, else the focused row. With nothing
   * chosen, as while a folder streams in, no update builds the order of every row for it.
   */
  targets = $derived(
    this.selection.selected.size === 0 && this.selection.focus == null
      ? []
      : targets(this.selection, this.order).map((key) => this.byKey.get(key)!),
  );
  focused = $derived(this.selection.focus == null ? null : (this.byKey.get(this.selection.focus) ?? null));

  #generation = 0;
  #pendingFocus: string | null = null;
  #refresher = coalesce(() => this.#list(false));
  #onError: (error: CofferError) => void;
  #poll: PollSettings;
  #pollTimer: ReturnType<typeof setTimeout> | null = null;
  #markTimer: ReturnType<typeof setTimeout> | null = null;
  #storedTimer: ReturnType<typeof setTimeout> | null = null;
  /** An upload was stored while `#storedTimer` ran: re-list when it ends. */
  #storedAgain = false;
  #stopped = false;
  /** Keys whose uploader is being asked for, or waiting to be. */
  #askedUploaders = new Set<string>();
  #uploaderTimer: ReturnType<typeof setTimeout> | null = null;
  #visible: () => boolean;

  constructor(
    onError: (error: CofferError) => void,
    poll: PollSettings = DEFAULT_POLL,
    visible: () => boolean = () => typeof document === 'undefined' || document.visibilityState === 'visible',
  ) {
    this.#onError = onError;
    this.#poll = poll;
    this.#visible = visible;
  }

  /**
   * The window gained focus or became visible: re-list now, unless a listing is under way (never
   * two at once). The pause before the next one follows the new visibility.
   */
  poke(): void {
    if (this.loading || this.#refresher.busy || this.connection == null) return;
    this.refresh();
  }

  /** Stops background re-lists (the page is going away). */
  stop(): void {
    // A listing still in flight must not schedule the next one when it ends.
    this.#stopped = true;
    if (this.#uploaderTimer != null) clearTimeout(this.#uploaderTimer);
    this.#refresher.cancelPending();
    if (this.#pollTimer != null) clearTimeout(this.#pollTimer);
    if (this.#markTimer != null) clearTimeout(this.#markTimer);
    this.#pollTimer = this.#markTimer = null;
    this.#stopStoredRefresh();
  }

  #stopStoredRefresh(): void {
    if (this.#storedTimer != null) clearTimeout(this.#storedTimer);
    this.#storedTimer = null;
    this.#storedAgain = false;
  }

  /**
   * The rows on screen want their uploaders: asked for in one batch shortly after scrolling stops,
   * only for documents not known yet. Listings carry no metadata, so this costs a HEAD per row.
   */
  wantUploaders(keys: readonly string[]): void {
    for (const key of keys) {
      if (!key.endsWith('/') && !this.addedBy.has(key)) this.#askedUploaders.add(key);
    }
    if (this.#askedUploaders.size === 0 || this.#uploaderTimer != null || this.connection == null) return;
    this.#uploaderTimer = setTimeout(() => {
      this.#uploaderTimer = null;
      const connection = this.connection;
      const keys = [...this.#askedUploaders].filter((key) => !this.addedBy.has(key)).slice(0, UPLOADERS_PER_CALL);
      if (connection == null || keys.length === 0) return;
      api.uploaders(connection, keys).then(
        (found) => {
          if (connection !== this.connection) return;
          const next = new Map(this.addedBy);
          for (const { key, uploadedBy } of found) next.set(key, uploadedBy);
          this.addedBy = next;
          for (const key of keys) this.#askedUploaders.delete(key);
          // More rows may have been asked for meanwhile.
          this.wantUploaders([]);
        },
        // Not worth a toast: the column stays empty, and the next scroll asks again.
        () => keys.forEach((key) => this.#askedUploaders.delete(key)),
      );
    }, UPLOADERS_DELAY_MS);
  }

  /** Who is editing what in the folder, asked after each complete listing. */
  #loadLocks(connection: string, folder: string, current: () => boolean): void {
    api.listLocks(connection, folder).then(
      (locks) => {
        if (current()) this.locks = new Map(locks.map((lock) => [lock.key, lock]));
      },
      // Not worth a toast: the rows simply show no lock until the next listing.
      () => {},
    );
  }

  #schedulePoll(lastListingMs: number): void {
    if (this.#stopped) return;
    if (this.#pollTimer != null) clearTimeout(this.#pollTimer);
    this.#pollTimer = setTimeout(() => {
      this.#pollTimer = null;
      if (!this.loading) this.refresh();
    }, pollInterval(this.#poll, this.#visible(), lastListingMs));
  }

  #mark(marks: Map<string, Mark>): void {
    if (marks.size === 0) return;
    this.marks = marks;
    if (this.#markTimer != null) clearTimeout(this.#markTimer);
    this.#markTimer = setTimeout(() => {
      this.#markTimer = null;
      this.marks = new Map();
    }, MARK_MS);
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
    this.#stopStoredRefresh();
    this.addedBy = new Map();
    this.locks = new Map();
    this.#askedUploaders.clear();
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
    if (connection !== this.connection || !isUnder(key, this.folder)) return;
    if (this.#storedTimer != null) {
      this.#storedAgain = true;
      return;
    }
    this.refresh();
    const tick = () => {
      this.#storedTimer = null;
      if (!this.#storedAgain) return;
      this.#storedAgain = false;
      this.refresh();
      this.#storedTimer = setTimeout(tick, STORED_REFRESH_MS);
    };
    this.#storedTimer = setTimeout(tick, STORED_REFRESH_MS);
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
    if (connection == null || this.#stopped) return Promise.resolve();
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
    const startedAt = Date.now();
    // Only a background re-list of a folder already shown marks what changed.
    const previous = !navigate && this.listed ? this.entries : null;
    let finished = false;
    let answered = false;
    let publishTimer: ReturnType<typeof setTimeout> | null = null;

    const publish = () => {
      if (publishTimer != null) clearTimeout(publishTimer);
      publishTimer = null;
      if (!current()) return;
      if (streaming && this.entries.length === 0 && received.length > 0) markNextFrame(FIRST_ROWS_MARK);
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
          prepareForSorting(event.entries);
          if (!streaming) return;
          if (received.length === event.entries.length) publish();
          else publishTimer ??= setTimeout(publish, PUBLISH_MS + (received.length / 1000) * PUBLISH_MS_PER_1000);
          return;
        }
        publish();
        if (streaming) markNextFrame(LISTED_MARK);
        this.loading = false;
        this.listed = true;
        this.updatedAt = Date.now();
        if (previous != null) {
          const marks = changesBetween(previous, received);
          this.#mark(marks);
          // A changed document may have a new uploader.
          if (marks.size > 0 && this.addedBy.size > 0) {
            const next = new Map(this.addedBy);
            for (const key of marks.keys()) next.delete(key);
            this.addedBy = next;
          }
        }
        const { selected, anchor, focus } = this.selection;
        if (selected.size > 0 || anchor != null || focus != null) {
          const keys = new Set(received.map((entry) => entry.key));
          this.selection = retain(this.selection, (key) => keys.has(key));
        }
        this.#loadLocks(connection, folder, current);
        this.#schedulePoll(this.updatedAt - startedAt);
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
            // Keep trying in the background: the banner clears by itself once the server answers.
            this.#schedulePoll(Date.now() - startedAt);
            this.unreachable = error.kind === 'Unreachable';
            // Unreachable gets the banner; anything else a toast.
            if (!this.unreachable) this.#onError(error);
          }
        },
      );
    });
  }
}
