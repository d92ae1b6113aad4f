/**
 * Downloads as Transfers shows them: one row per download of a selection into a folder, and one per
 * document being opened while its bytes come in. Pure functions over the engine's progress and
 * report, so the wording and the states are tested without a page.
 *
 * The one design decision: an open gets a row only once it proves to be large (its download is
 * still running after its first progress report and holds at least `OPEN_ROW_BYTES`), so opening a
 * letter does not flash a row, while a 300 MB scan shows how far it is.
 */
import { errorText } from './errors';
import { formatSize } from './format';
import { t } from './i18n.svelte';
import type { CofferError, DownloadReport, Progress } from './ipc';

/** Documents at least this large show their open in Transfers. */
export const OPEN_ROW_BYTES = 8 * 1024 * 1024;

export type DownloadState = 'running' | 'done' | 'partial' | 'cancelled' | 'failed';

export interface DownloadRow {
  /** The plan's id for a download of a selection; negative for an open. */
  id: number;
  kind: 'download' | 'open';
  /** The document's name (an open), or the folder the selection goes into. */
  name: string;
  /** Where the documents go (a download); null for an open. */
  folder: string | null;
  files: number;
  bytes: number;
  progress: Progress | null;
  state: DownloadState;
  stopping: boolean;
  report: DownloadReport | null;
  error: CofferError | null;
}

/** A new row for a download of `files` documents (`bytes` in all) into `folder`. */
export function downloadRow(id: number, folder: string, files: number, bytes: number): DownloadRow {
  return { id, kind: 'download', name: folderName(folder), folder, files, bytes, progress: null, state: 'running', stopping: false, report: null, error: null };
}

/** A new row for opening `name`, whose download reported `progress`. */
export function openRow(id: number, name: string, progress: Progress): DownloadRow {
  return { id, kind: 'open', name, folder: null, files: 1, bytes: progress.bytesTotal, progress, state: 'running', stopping: false, report: null, error: null };
}

/** Whether an open reporting `progress` deserves a row. */
export function openIsLarge(progress: Progress): boolean {
  return progress.bytesTotal >= OPEN_ROW_BYTES && progress.filesDone < progress.filesTotal;
}

/** The last segment of a local path ("/home/ana/Downloads" → "Downloads"). */
export function folderName(path: string): string {
  const parts = path.split(/[\\/]+/).filter(Boolean);
  return parts.length > 0 ? parts[parts.length - 1] : path;
}

/** The row once its report is in. */
export function finished(row: DownloadRow, report: DownloadReport): DownloadRow {
  const state: DownloadState = report.cancelled ? 'cancelled' : report.failed.length > 0 ? (report.done > 0 ? 'partial' : 'failed') : 'done';
  return { ...row, report, state, stopping: false };
}

/** The row after the whole download failed before it could report. */
export function failed(row: DownloadRow, error: CofferError): DownloadRow {
  return { ...row, state: error.kind === 'Cancelled' ? 'cancelled' : 'failed', error, stopping: false };
}

/** The row's title: what is being downloaded and where. */
export function rowTitle(row: DownloadRow): string {
  return row.kind === 'open' ? t('downloads.opening', { name: row.name }) : t('downloads.title', { count: row.files, folder: row.name });
}

/** The row's line under its title: progress while it runs, the outcome once it is over. */
export function rowStatus(row: DownloadRow): string {
  if (row.error) return errorText(row.error);
  const report = row.report;
  if (row.state === 'running') {
    const p = row.progress;
    if (row.stopping) return t('downloads.stopping');
    if (p == null) return t('downloads.starting');
    const sizes = { done: formatSize(p.bytesDone), total: formatSize(p.bytesTotal) };
    if (p.retrying > 0) return t('downloads.waiting', sizes);
    return row.kind === 'open' ? t('downloads.bytes', sizes) : t('downloads.progress', { files: p.filesDone + p.filesFailed, count: p.filesTotal, ...sizes });
  }
  if (report == null) return '';
  const parts = [t('downloads.saved', { count: report.done, size: formatSize(report.bytes) })];
  if (report.done > 0) parts.push(t('downloads.verified', { count: report.verified, done: report.done }));
  if (report.renamed > 0) parts.push(t('downloads.renamed', { count: report.renamed }));
  if (report.skipped > 0) parts.push(t('downloads.skipped', { count: report.skipped }));
  if (report.failed.length > 0) parts.push(t('downloads.failed', { count: report.failed.length }));
  if (report.cancelled) parts.push(t('downloads.cancelled'));
  return parts.join(' · ');
}

/** The share of the bytes done, 0 to 1. */
export function fraction(row: DownloadRow): number {
  if (row.state !== 'running') return 1;
  const p = row.progress;
  return p == null || p.bytesTotal === 0 ? 0 : Math.min(1, p.bytesDone / p.bytesTotal);
}
