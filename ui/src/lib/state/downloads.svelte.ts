/**
 * The downloads Transfers shows: a selection (documents and whole folders) downloaded into a folder
 * picked with the system's folder picker, and large documents being opened.
 *
 * A download is counted in Rust first; local files that already have a name are asked about
 * (through `ask`) before anything is written, as uploads ask about names taken in the bucket.
 */
import * as api from '../api';
import { downloadRow, failed, finished, openIsLarge, openRow, type DownloadRow } from '../downloads';
import { t } from '../i18n.svelte';
import type { CofferError, DownloadSummary, OnConflict, Progress } from '../ipc';
import type { Announcer } from './announcer.svelte';
import type { Toasts } from './toasts.svelte';

export interface DownloadsDeps {
  toasts: Toasts;
  announcer: Announcer;
  /** Asks what to do with local files that exist; null cancels the download. */
  ask: (summary: DownloadSummary, folder: string) => Promise<OnConflict | null>;
  /** Shows the Transfers panel. */
  reveal: () => void;
}

export class Downloads {
  rows = $state<DownloadRow[]>([]);
  running = $derived(this.rows.filter((row) => row.state === 'running').length);
  #deps: DownloadsDeps;
  #nextOpen = -1;

  constructor(deps: DownloadsDeps) {
    this.#deps = deps;
  }

  /** Downloads `keys` (documents, and folders ending in `/`) of `connection` into a folder the person picks. */
  async download(connection: string, keys: string[]): Promise<void> {
    let planned;
    try {
      planned = await api.planDownload(connection, keys, t('downloads.pickFolder'));
    } catch (error) {
      this.#deps.toasts.error(error as CofferError, t('downloads.failedWhole'));
      return;
    }
    if (planned == null) return;
    const { id, summary, folder } = planned;
    if (summary.files === 0) {
      await api.discardPlan(id).catch(() => null);
      this.#deps.toasts.show(t('downloads.nothing'));
      return;
    }
    let choice: OnConflict | null = 'refuse';
    if (summary.conflictsTotal > 0) choice = await this.#deps.ask(summary, folder);
    if (choice == null) {
      await api.discardPlan(id).catch(() => null);
      return;
    }
    this.rows.unshift(downloadRow(id, folder, summary.files, summary.bytes));
    this.#deps.reveal();
    this.#deps.announcer.say(t('downloads.title', { count: summary.files, folder: this.#row(id)?.name ?? folder }));
    try {
      const report = await api.downloadPlanned(id, choice, (progress) => this.#update(id, (row) => ({ ...row, progress })));
      this.#update(id, (row) => finished(row, report));
      this.#tell(id);
    } catch (error) {
      this.#update(id, (row) => failed(row, error as CofferError));
      this.#deps.toasts.error(error as CofferError, t('downloads.failedWhole'));
    }
  }

  /**
   * What to hand `api.openDocument` as its progress: a large document gets a row while its bytes
   * come in; call `opened` with the returned id once the open is over.
   */
  trackOpen(name: string): { id: number; onProgress: (progress: Progress) => void } {
    const id = this.#nextOpen--;
    const onProgress = (progress: Progress) => {
      const row = this.#row(id);
      if (row) this.#update(id, (r) => ({ ...r, progress }));
      else if (openIsLarge(progress)) {
        this.rows.unshift(openRow(id, name, progress));
        this.#deps.reveal();
      }
    };
    return { id, onProgress };
  }

  /** The open `id` is over: its row, if it had one, goes. */
  opened(id: number): void {
    this.dismiss(id);
  }

  /** Stops download `id`: documents in flight are abandoned, never half-saved. */
  cancel(id: number): void {
    const row = this.#row(id);
    if (row == null || row.state !== 'running' || row.kind !== 'download') return;
    this.#update(id, (r) => ({ ...r, stopping: true }));
    void api.cancelPlanned(id).catch(() => null);
  }

  dismiss(id: number): void {
    this.rows = this.rows.filter((row) => row.id !== id);
  }

  /** Opens the folder download `id` went into. */
  async showFolder(id: number): Promise<void> {
    const folder = this.#row(id)?.folder;
    if (folder == null) return;
    try {
      await api.showFolder(folder);
    } catch (error) {
      this.#deps.toasts.error(error as CofferError);
    }
  }

  #row(id: number): DownloadRow | undefined {
    return this.rows.find((row) => row.id === id);
  }

  #update(id: number, change: (row: DownloadRow) => DownloadRow): void {
    const index = this.rows.findIndex((row) => row.id === id);
    if (index >= 0) this.rows[index] = change(this.rows[index]);
  }

  #tell(id: number): void {
    const row = this.#row(id);
    const report = row?.report;
    if (row == null || report == null) return;
    const text = t('downloads.doneToast', { count: report.done, folder: row.name });
    this.#deps.announcer.say(text);
    if (report.done > 0 && row.folder != null) {
      this.#deps.toasts.show(text, report.failed.length > 0 ? 'error' : 'success', [], {
        label: t('downloads.showFolder'),
        run: () => void this.showFolder(id),
      });
    }
  }
}
