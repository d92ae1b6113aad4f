/**
 * Uploads in progress and finished: starting a batch from a Selection (asking about conflicts
 * first), following its updates, cancel and retry. Each completion is reported through `onStored`
 * so the dashboard can refresh itself.
 */
import { SvelteMap } from 'svelte/reactivity';
import * as api from '../api';
import { itemsToUpload, resolveConflicts } from '../conflicts';
import { applyUpdate, isActive, overallOf, type TransferRow } from '../transfers';
import type { CofferError, ConflictChoice, Selection, TransferUpdate } from '../types';
import type { Announcer } from './announcer.svelte';
import type { ConflictPrompt } from './conflict-prompt.svelte';
import type { Toasts } from './toasts.svelte';
import { plural } from '../format';

export interface TransfersDeps {
  prompt: ConflictPrompt;
  toasts: Toasts;
  announcer: Announcer;
  /** An upload finished: `key` now exists on `connection`. */
  onStored: (connection: string, key: string) => void;
  /** Time source, injectable for tests of speed and time left. */
  now?: () => number;
}

export class Transfers {
  #rows = new SvelteMap<number, TransferRow>();
  /** The panel is open (it opens by itself when a batch starts). */
  expanded = $state(false);

  rows = $derived([...this.#rows.values()]);
  overall = $derived(overallOf(this.#rows.values()));

  #deps: TransfersDeps;
  #questions: Promise<unknown> = Promise.resolve();
  #now: () => number;

  constructor(deps: TransfersDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? (() => performance.now());
  }

  /** The rest of a pick or a drop: conflicts, then the batch. Resolves when the batch has ended. */
  async upload(selection: Selection, connection: string, folder: string): Promise<void> {
    if (selection.items.length === 0) return;
    const choices = await this.#resolve(selection);
    if (choices == null) {
      this.#deps.toasts.show('Upload cancelled');
      return;
    }
    const sending = itemsToUpload(selection, choices);
    // Sent even when everything is skipped, so the engine can let go of the selection.
    if (sending.length > 0) this.expanded = true;
    const ids = new Set<number>();
    try {
      await api.uploadSelection(selection.id, connection, folder, choices, (update) => {
        ids.add(update.id);
        this.#apply(update, connection);
      });
    } catch (error) {
      this.#deps.toasts.error(error as CofferError, 'Upload failed');
      // The batch is over: rows it left waiting or running will get no more updates.
      for (const id of ids) {
        const row = this.#rows.get(id);
        if (row && isActive(row.state)) this.#rows.set(id, { ...row, state: 'failed', error: error as CofferError, samples: [] });
      }
    }
    this.#deps.announcer.flush();
    const failed = [...ids].filter((id) => this.#rows.get(id)?.state === 'failed').length;
    if (failed > 0) this.#deps.toasts.show(`${plural(failed, 'upload')} failed`, 'error');
  }

  /**
   * Conflict questions of one batch at a time: a second drop while the dialog is open waits its
   * turn instead of cancelling the first batch's questions.
   */
  #resolve(selection: Selection): Promise<Record<string, ConflictChoice> | null> {
    const next = this.#questions.then(() => resolveConflicts(selection, (question) => this.#deps.prompt.ask(question)));
    this.#questions = next.catch(() => null);
    return next;
  }

  /** Picks up uploads a crash or a closed window left unfinished. Resolves when they have ended. */
  async resume(): Promise<void> {
    try {
      let announced = false;
      const resumed = await api.resumeTransfers((update) => {
        if (!announced) {
          announced = true;
          this.expanded = true;
          this.#deps.toasts.show('Resuming unfinished uploads');
        }
        this.#apply(update, update.connection);
      });
      if (resumed > 0) this.#deps.announcer.flush();
    } catch (error) {
      this.#deps.toasts.error(error as CofferError, 'Could not resume unfinished uploads');
    }
  }

  async cancel(id: number): Promise<void> {
    try {
      await api.cancelTransfer(id);
    } catch (error) {
      this.#deps.toasts.error(error as CofferError, 'Could not cancel');
    }
  }

  async cancelAll(): Promise<void> {
    try {
      await api.cancelAll();
    } catch (error) {
      this.#deps.toasts.error(error as CofferError, 'Could not cancel');
    }
  }

  async retry(id: number): Promise<void> {
    const row = this.#rows.get(id);
    if (!row || row.state !== 'failed') return;
    try {
      await api.retryTransfer(id, (update) => this.#apply(update, row.connection));
    } catch (error) {
      this.#deps.toasts.error(error as CofferError, `Could not retry ${row.name}`);
    }
    this.#deps.announcer.flush();
  }

  /** Remove finished, failed and cancelled rows from the panel. */
  clearFinished(): void {
    for (const [id, row] of this.#rows) if (!isActive(row.state)) this.#rows.delete(id);
  }

  #apply(update: TransferUpdate, connection: string): void {
    const before = this.#rows.get(update.id);
    const row = applyUpdate(before, update, connection, this.#now());
    this.#rows.set(update.id, row);
    if (before?.state === row.state) return;
    if (row.state === 'done') {
      this.#deps.announcer.uploaded(row.name);
      this.#deps.onStored(row.connection, row.key);
    } else if (row.state === 'failed') {
      this.#deps.announcer.failed();
    }
  }
}
