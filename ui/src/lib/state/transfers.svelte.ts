/**
 * Uploads as the panel shows them: a drop or a pick becomes groups (one per item, after asking about
 * conflicts), and the engine's reports keep the groups and their files current. Each stored file is
 * reported through `onStored` so the dashboard can refresh itself.
 *
 * Files live in plain maps inside their group and `version` is bumped once per report, so a drop of
 * 100,000 files costs one re-render per report, not one per file.
 */
import * as api from '../api';
import { itemsToUpload, resolveConflicts } from '../conflicts';
import { applyGroup, isActive, overallOf, panelRows, type GroupRow } from '../transfers';
import type { CofferError, ConflictChoice, GroupUpdate, Selection, TransferReport } from '../ipc';
import type { Announcer } from './announcer.svelte';
import type { ConflictPrompt } from './conflict-prompt.svelte';
import type { Toasts } from './toasts.svelte';
import { t } from '../i18n.svelte';

export interface TransfersDeps {
  prompt: ConflictPrompt;
  toasts: Toasts;
  announcer: Announcer;
  /** An upload finished: `key` now exists on `connection`. */
  onStored: (connection: string, key: string) => void;
  /** Time source, injectable for tests of speed and time left. */
  now?: () => number;
}

/**
 * Done files kept per group for its expanded view, newest last. Running and failed files are all
 * kept (they can be acted on); a drop of 100,000 files must not keep 100,000 rows in the page.
 */
export const DONE_KEPT = 200;

export class Transfers {
  #groups = new Map<number, GroupRow>();
  /** Per group, the ids of its done files still kept, oldest first. */
  #doneKept = new Map<number, number[]>();
  /** Bumped whenever a group or file changed. */
  version = $state(0);
  /** The panel is open (it opens by itself when a batch starts). */
  expanded = $state(false);

  groups = $derived.by(() => {
    void this.version;
    return [...this.#groups.values()];
  });
  rows = $derived(panelRows(this.groups));
  overall = $derived(overallOf(this.groups));

  #deps: TransfersDeps;
  #questions: Promise<unknown> = Promise.resolve();
  #now: () => number;

  constructor(deps: TransfersDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? (() => performance.now());
  }

  /** Follows the engine's reports; call once, before anything is uploaded. */
  listen(): Promise<() => void> {
    return api.onTransfers((report) => this.apply(report));
  }

  /**
   * The rest of a pick or a drop: conflicts, then the groups. Resolves once they are queued. Names
   * that a colleague took while the person was answering come back and are asked about again.
   */
  async upload(selection: Selection, connection: string, folder: string): Promise<void> {
    let next: Selection | null = selection;
    while (next != null && next.items.length > 0) {
      const current: Selection = next;
      next = null;
      const choices = await this.#resolve(current);
      if (choices == null) {
        this.#deps.toasts.show(t('transfers.cancelled'));
        await api.discardSelection(current.id).catch(() => null);
        return;
      }
      if (itemsToUpload(current, choices).length > 0) this.expanded = true;
      try {
        const started = await api.uploadSelection(current.id, connection, folder, choices);
        this.#adopt(started.groups);
        next = started.askAgain;
      } catch (error) {
        this.#deps.toasts.error(error as CofferError, t('transfers.failed'));
      }
    }
  }

  /** The person's answer for a file whose document changed in the bucket while it uploaded. */
  resolve(id: number, choice: ConflictChoice): Promise<void> {
    return this.#act(() => api.resolveTransfer(id, choice), t('transfers.actionFailed'));
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

  /** Picks up uploads a crash or a closed window left unfinished; failed ones wait for Retry. */
  async resume(): Promise<void> {
    try {
      const resumed = await api.resumeTransfers();
      if (resumed.journalMovedTo != null) {
        this.#deps.toasts.show(
          t('transfers.journalDamaged', { path: resumed.journalMovedTo }),
          'error',
        );
      }
      if (resumed.journalInMemory != null) {
        this.#deps.toasts.show(
          t('transfers.journalInMemory', { reason: resumed.journalInMemory }),
          'error',
        );
      }
      if (resumed.files > 0) {
        this.expanded = true;
        this.#deps.toasts.show(t('transfers.resuming', { count: resumed.files }));
      }
    } catch (error) {
      this.#deps.toasts.error(error as CofferError, t('transfers.resumeFailed'));
    }
  }

  cancel(id: number): Promise<void> {
    return this.#act(() => api.cancelTransfer(id), t('transfers.cancelFailed'));
  }

  cancelGroup(id: number): Promise<void> {
    return this.#act(() => api.cancelGroup(id), t('transfers.cancelFailed'));
  }

  cancelAll(): Promise<void> {
    return this.#act(() => api.cancelAll(), t('transfers.cancelFailed'));
  }

  retry(id: number): Promise<void> {
    return this.#act(() => api.retryTransfer(id), t('transfers.retryFailed'));
  }

  retryGroup(id: number): Promise<void> {
    return this.#act(() => api.retryGroup(id), t('transfers.retryFailed'));
  }

  toggle(id: number): void {
    const group = this.#groups.get(id);
    if (!group) return;
    group.expanded = !group.expanded;
    this.version += 1;
  }

  /** Remove groups that have ended from the panel (failed files stay in the queue for Retry). */
  clearFinished(): void {
    for (const [id, group] of this.#groups) {
      if (isActive(group.state)) continue;
      this.#groups.delete(id);
      this.#doneKept.delete(id);
    }
    this.version += 1;
  }

  /** One report from the engine. */
  apply(report: TransferReport): void {
    const ended = this.#merge(report.groups);
    for (const file of report.files) {
      const group = this.#groups.get(file.group);
      if (!group) continue;
      const before = group.files.get(file.id);
      group.files.set(file.id, file);
      if (before?.state === file.state) continue;
      if (file.state === 'done') {
        this.#deps.announcer.uploaded(file.name);
        this.#deps.onStored(file.connection, file.key);
        this.#keepDone(group, file.id);
      } else if (file.state === 'failed') {
        this.#deps.announcer.failed();
      }
    }
    // When the last group ends the results are said at once; until then the announcer gathers
    // them a second at a time, so 200 dropped files are not 200 sentences.
    if (ended && ![...this.#groups.values()].some((group) => isActive(group.state))) this.#deps.announcer.flush();
    this.version += 1;
  }

  #keepDone(group: GroupRow, id: number): void {
    let kept = this.#doneKept.get(group.id);
    if (kept == null) this.#doneKept.set(group.id, (kept = []));
    kept.push(id);
    while (kept.length > DONE_KEPT) {
      const oldest = kept.shift()!;
      // A file retried since it was done is running again: it stays.
      if (group.files.get(oldest)?.state === 'done') group.files.delete(oldest);
    }
  }

  /**
   * The groups a command started. Their reports may have overtaken the command's answer, so a group
   * already known keeps its newer state and only learns what was skipped (sent in this answer only).
   */
  #adopt(groups: GroupUpdate[]): void {
    const fresh = groups.filter((group) => !this.#groups.has(group.id));
    for (const group of groups) {
      const known = this.#groups.get(group.id);
      if (known && group.skippedTotal > 0) {
        known.skipped = group.skipped;
        known.skippedTotal = group.skippedTotal;
      }
    }
    this.#merge(fresh);
    this.version += 1;
  }

  /** Takes group updates in; returns whether one of them ended. */
  #merge(updates: GroupUpdate[]): boolean {
    let ended = false;
    for (const update of updates) {
      const before = this.#groups.get(update.id);
      const group = applyGroup(before, update, this.#now());
      this.#groups.set(update.id, group);
      if (before && isActive(before.state) && !isActive(group.state)) {
        ended = true;
        if (group.state === 'failed') {
          this.#deps.toasts.show(t('transfers.groupFailedToast', { count: group.progress.filesFailed, name: group.name }), 'error');
        }
      }
    }
    if (updates.length > 0) this.version += 1;
    return ended;
  }

  async #act(action: () => Promise<unknown>, failure: string): Promise<void> {
    try {
      await action();
    } catch (error) {
      this.#deps.toasts.error(error as CofferError, failure);
    }
  }
}
