/**
 * The Transfers panel's rows, built from the engine's reports: one summary row per dropped item
 * (a group), which expands to its files, and the arithmetic shown beside them: speed, time left, the
 * overall bar and what the live region announces. Time is passed in (`nowMs`), never read here, so
 * every number is reproducible in tests.
 */
import { t } from './i18n.svelte';
import type { FileNote, FileUpdate, GroupState, GroupUpdate, SkippedFile } from './ipc';

/** Speed is measured over this much recent history: long enough to smooth ~10 reports a second. */
export const SPEED_WINDOW_MS = 5000;

export interface Sample {
  atMs: number;
  bytes: number;
}

/** One dropped item as the panel keeps it. */
export interface GroupRow extends GroupUpdate {
  /** Recent progress, oldest first, trimmed to SPEED_WINDOW_MS. */
  samples: readonly Sample[];
  /** Its files the engine has reported (started or ended), by transfer id. */
  files: Map<number, FileUpdate>;
  expanded: boolean;
}

/** A line of the panel: a group's summary, one of its files, or a file that was skipped. */
export type PanelRow =
  | { kind: 'group'; id: string; group: GroupRow }
  | { kind: 'file'; id: string; group: GroupRow; file: FileUpdate }
  | { kind: 'skipped'; id: string; group: GroupRow; skipped: SkippedFile };

export function isActive(state: GroupState): boolean {
  return state === 'running';
}

/**
 * The group after an update. Skipped files come only in a group's first update, so they are kept;
 * a retry makes a finished group run again, so its speed history starts again.
 */
export function applyGroup(row: GroupRow | undefined, update: GroupUpdate, nowMs: number): GroupRow {
  const restarted = row != null && !isActive(row.state) && isActive(update.state);
  const history = row == null || restarted ? [] : row.samples;
  const samples = isActive(update.state)
    ? [...history.filter((s) => nowMs - s.atMs <= SPEED_WINDOW_MS), { atMs: nowMs, bytes: update.progress.bytesDone }]
    : [];
  return {
    ...update,
    skipped: update.skipped.length > 0 || row == null ? update.skipped : row.skipped,
    skippedTotal: Math.max(update.skippedTotal, row?.skippedTotal ?? 0),
    samples,
    files: row?.files ?? new Map(),
    expanded: row?.expanded ?? false,
  };
}

/** Bytes per second over the sampled window; null until two samples at least 200 ms apart exist. */
export function speedOf(row: Pick<GroupRow, 'samples' | 'state'>): number | null {
  if (!isActive(row.state) || row.samples.length < 2) return null;
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
  /** Groups still running. */
  active: number;
  filesDone: number;
  filesFailed: number;
  filesTotal: number;
}

/** The overall bar covers every group, so it reaches 100% when all that was wanted is in. */
export function overallOf(groups: Iterable<GroupRow>): Overall {
  const overall: Overall = {
    bytesDone: 0,
    bytesTotal: 0,
    bytesPerSec: null,
    secondsLeft: null,
    active: 0,
    filesDone: 0,
    filesFailed: 0,
    filesTotal: 0,
  };
  let speed = 0;
  let measured = false;
  for (const group of groups) {
    const p = group.progress;
    overall.bytesDone += p.bytesDone;
    overall.bytesTotal += p.bytesTotal;
    overall.filesDone += p.filesDone;
    overall.filesFailed += p.filesFailed;
    overall.filesTotal += p.filesTotal;
    if (isActive(group.state)) overall.active += 1;
    const groupSpeed = speedOf(group);
    if (groupSpeed != null) {
      speed += groupSpeed;
      measured = true;
    }
  }
  if (measured && overall.active > 0) {
    overall.bytesPerSec = speed;
    overall.secondsLeft = timeLeft(overall.bytesDone, overall.bytesTotal, speed);
  }
  return overall;
}

/** Fraction 0..1 for a progress bar; a finished empty group is complete, not 0/0. */
export function fraction(done: number, total: number, finished = false): number {
  if (total <= 0) return finished ? 1 : 0;
  return Math.min(1, done / total);
}

/**
 * The panel's lines, groups in the order they came: each group's summary, then, if it is expanded,
 * its files (failed first, then running, then the rest) and what was skipped.
 */
export function panelRows(groups: Iterable<GroupRow>): PanelRow[] {
  const rows: PanelRow[] = [];
  const order = { failed: 0, running: 1, cancelled: 2, done: 3 } as const;
  for (const group of groups) {
    rows.push({ kind: 'group', id: `g${group.id}`, group });
    if (!group.expanded) continue;
    const files = [...group.files.values()].sort((a, b) => order[a.state] - order[b.state] || a.id - b.id);
    for (const file of files) rows.push({ kind: 'file', id: `f${file.id}`, group, file });
    group.skipped.forEach((skipped, index) => rows.push({ kind: 'skipped', id: `s${group.id}-${index}`, group, skipped }));
  }
  return rows;
}

/**
 * What the polite live region says about the results gathered since it last spoke: one name when a
 * single upload finished, a count otherwise, so 1,000 completions are one sentence, not 1,000.
 */
/** What the person should know about an upload that went well, in words. */
export function fileNote(note: FileNote): string {
  return note.kind === 'restarted' ? t('transfers.noteRestarted') : t('transfers.noteResumed', { count: note.parts });
}

export function announcement(doneNames: readonly string[], failed: number): string {
  const parts: string[] = [];
  if (doneNames.length === 1) parts.push(t('transfers.uploadedOne', { name: doneNames[0] }));
  else if (doneNames.length > 1) parts.push(t('transfers.uploadedMany', { count: doneNames.length }));
  if (failed > 0) parts.push(t('transfers.uploadsFailed', { count: failed }));
  return parts.join('; ');
}
