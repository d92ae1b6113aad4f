/**
 * Transfer rows built from the engine's `TransferUpdate`s, and the arithmetic shown beside them:
 * speed, time left, the overall bar and what the live region announces. Time is passed in (`nowMs`),
 * never read here, so every number is reproducible in tests.
 */
import type { CofferError, TransferState, TransferUpdate } from './types';

/** Speed is measured over this much recent history: long enough to smooth ~10 updates a second. */
export const SPEED_WINDOW_MS = 5000;

export interface Sample {
  atMs: number;
  bytes: number;
}

export interface TransferRow {
  id: number;
  key: string;
  name: string;
  /** The connection the batch went to, so a completion refreshes only the folder it landed in. */
  connection: string;
  state: TransferState;
  bytesDone: number;
  bytesTotal: number;
  error: CofferError | null;
  note: string | null;
  /** Recent progress, oldest first, trimmed to SPEED_WINDOW_MS. */
  samples: readonly Sample[];
}

export function isActive(state: TransferState): boolean {
  return state === 'queued' || state === 'running';
}

/** The row after one update. A retry starts again from zero, so its history starts again too. */
export function applyUpdate(
  row: TransferRow | undefined,
  update: TransferUpdate,
  connection: string,
  nowMs: number,
): TransferRow {
  const restarted = row != null && (update.bytesDone < row.bytesDone || (!isActive(row.state) && isActive(update.state)));
  const history = row == null || restarted ? [] : row.samples;
  const samples = isActive(update.state)
    ? [...history.filter((s) => nowMs - s.atMs <= SPEED_WINDOW_MS), { atMs: nowMs, bytes: update.bytesDone }]
    : [];
  return {
    id: update.id,
    key: update.key,
    name: update.name,
    connection: row?.connection ?? connection,
    state: update.state,
    bytesDone: update.bytesDone,
    bytesTotal: update.bytesTotal,
    error: update.error,
    note: update.note,
    samples,
  };
}

/** Bytes per second over the sampled window; null until two samples at least 200 ms apart exist. */
export function speedOf(row: Pick<TransferRow, 'samples' | 'state'>): number | null {
  if (row.state !== 'running' || row.samples.length < 2) return null;
  const first = row.samples[0];
  const last = row.samples[row.samples.length - 1];
  const seconds = (last.atMs - first.atMs) / 1000;
  if (seconds < 0.2) return null;
  return Math.max(0, (last.bytes - first.bytes) / seconds);
}

/** Seconds left at the current speed; null when unknown or stalled. */
export function timeLeft(bytesDone: number, bytesTotal: number, bytesPerSec: number | null): number | null {
  if (bytesPerSec == null || bytesPerSec <= 0) return null;
  return Math.max(0, bytesTotal - bytesDone) / bytesPerSec;
}

export interface Overall {
  bytesDone: number;
  bytesTotal: number;
  bytesPerSec: number | null;
  secondsLeft: number | null;
  active: number;
  done: number;
  failed: number;
  cancelled: number;
}

/** The overall bar covers every row not cancelled, so it reaches 100% when all that was wanted is in. */
export function overallOf(rows: Iterable<TransferRow>): Overall {
  const overall: Overall = {
    bytesDone: 0,
    bytesTotal: 0,
    bytesPerSec: null,
    secondsLeft: null,
    active: 0,
    done: 0,
    failed: 0,
    cancelled: 0,
  };
  let speed = 0;
  let measured = false;
  for (const row of rows) {
    if (row.state === 'cancelled') {
      overall.cancelled += 1;
      continue;
    }
    overall.bytesDone += row.bytesDone;
    overall.bytesTotal += row.bytesTotal;
    if (isActive(row.state)) overall.active += 1;
    else if (row.state === 'done') overall.done += 1;
    else if (row.state === 'failed') overall.failed += 1;
    const rowSpeed = speedOf(row);
    if (rowSpeed != null) {
      speed += rowSpeed;
      measured = true;
    }
  }
  if (measured && overall.active > 0) {
    overall.bytesPerSec = speed;
    overall.secondsLeft = timeLeft(overall.bytesDone, overall.bytesTotal, speed);
  }
  return overall;
}

/** Fraction 0..1 for a progress bar; an empty file that is done is complete, not 0/0. */
export function fraction(done: number, total: number, state?: TransferState): number {
  if (state === 'done') return 1;
  if (total <= 0) return 0;
  return Math.min(1, done / total);
}

/**
 * What the polite live region says about the results gathered since it last spoke: one name when a
 * single upload finished, a count otherwise, so 1,000 completions are one sentence, not 1,000.
 */
export function announcement(doneNames: readonly string[], failed: number): string {
  const parts: string[] = [];
  if (doneNames.length === 1) parts.push(`${doneNames[0]} uploaded`);
  else if (doneNames.length > 1) parts.push(`${doneNames.length.toLocaleString('en-US')} documents uploaded`);
  if (failed === 1) parts.push('1 upload failed');
  else if (failed > 1) parts.push(`${failed.toLocaleString('en-US')} uploads failed`);
  return parts.join('; ');
}
