import { describe, expect, it } from 'vitest';
import {
  announcement,
  applyGroup,
  fraction,
  overallOf,
  panelRows,
  SPEED_WINDOW_MS,
  speedOf,
  timeLeft,
  type GroupRow,
} from '../../src/lib/transfers';
import type { FileUpdate, GroupState, GroupUpdate } from '../../src/lib/ipc';

const MB = 1024 * 1024;
const update = (bytesDone: number, state: GroupState = 'running', id = 1, bytesTotal = 10 * MB): GroupUpdate => ({
  id,
  connection: 'Local vault',
  name: `Folder ${id}`,
  isFolder: true,
  state,
  progress: { bytesDone, bytesTotal, filesDone: 0, filesFailed: 0, filesTotal: 3, retrying: 0 },
  skipped: [],
  skippedTotal: 0,
  note: null,
});

const file = (id: number, state: FileUpdate['state'], group = 1): FileUpdate => ({
  id,
  group,
  connection: 'Local vault',
  key: `docs/file${id}.pdf`,
  name: `file${id}.pdf`,
  state,
  size: 10,
  error: null,
  note: null,
});

/** Feed updates at the given times (ms) and bytes. */
function feed(points: [number, number, GroupState?][], id = 1): GroupRow {
  let row: GroupRow | undefined;
  for (const [at, bytes, state] of points) row = applyGroup(row, update(bytes, state ?? 'running', id), at);
  return row!;
}

describe('speed and time left', () => {
  it('are unknown until two updates at least 200 ms apart exist', () => {
    expect(speedOf(feed([[0, 0]]))).toBeNull();
    expect(speedOf(feed([[0, 0], [100, MB]]))).toBeNull();
  });

  it('come from successive updates: 4 MB over 2 s is 2 MB/s, with 6 MB left that is 3 s', () => {
    const row = feed([[0, 0], [1000, 2 * MB], [2000, 4 * MB]]);
    const speed = speedOf(row);
    expect(speed).toBe(2 * MB);
    expect(timeLeft(row.progress.bytesDone, row.progress.bytesTotal, speed)).toBe(3);
  });

  it('only looks at the recent window, so an early stall does not drag the speed down for ever', () => {
    const row = feed([[0, 0], [10_000, 0], [10_000 + SPEED_WINDOW_MS, 5 * MB]]);
    expect(speedOf(row)).toBe(MB);
  });

  it('has no time left when stalled', () => {
    expect(timeLeft(0, 10, 0)).toBeNull();
    expect(timeLeft(0, 10, null)).toBeNull();
  });

  it('starts measuring again when a retry runs a finished group again', () => {
    const failed = feed([[0, 0], [1000, 5 * MB], [1500, 5 * MB, 'failed']]);
    expect(failed.samples).toHaveLength(0);
    const retried = applyGroup(applyGroup(failed, update(5 * MB), 60_000), update(6 * MB), 61_000);
    expect(speedOf(retried)).toBe(MB);
  });

  it('keeps the skipped files of the first update, the files heard of, and whether it is expanded', () => {
    const first = applyGroup(undefined, { ...update(0), skipped: [{ name: 'link', error: { kind: 'InvalidInput', code: 'plain', params: { detail: 'a link' }, message: 'a link' } }], skippedTotal: 1 }, 0);
    first.files.set(7, file(7, 'done'));
    first.expanded = true;
    const later = applyGroup(first, update(MB), 10);
    expect(later.skipped).toHaveLength(1);
    expect(later.skippedTotal).toBe(1);
    expect(later.files.get(7)?.state).toBe('done');
    expect(later.expanded).toBe(true);
  });
});

describe('overallOf', () => {
  it('adds bytes, files and speeds of every group', () => {
    const a = feed([[0, 0], [1000, 2 * MB]], 1);
    const b = feed([[0, 0], [1000, MB]], 2);
    const done = feed([[0, 0], [900, 10 * MB, 'done']], 3);
    const overall = overallOf([a, b, done]);
    expect(overall.bytesDone).toBe(13 * MB);
    expect(overall.bytesTotal).toBe(30 * MB);
    expect(overall.bytesPerSec).toBe(3 * MB);
    expect(overall.secondsLeft).toBeCloseTo(17 / 3);
    expect(overall).toMatchObject({ active: 2, filesTotal: 9 });
  });

  it('has no speed once nothing is active', () => {
    expect(overallOf([feed([[0, 0], [900, 10 * MB, 'done']])]).bytesPerSec).toBeNull();
  });
});

describe('panelRows', () => {
  it('shows a summary row per group and, when expanded, its files with failures first', () => {
    const a = feed([[0, 0]], 1);
    const b = feed([[0, 0]], 2);
    a.files.set(1, file(1, 'done'));
    a.files.set(2, file(2, 'failed'));
    a.files.set(3, file(3, 'running'));
    b.files.set(4, file(4, 'done', 2));
    expect(panelRows([a, b]).map((r) => r.id)).toEqual(['g1', 'g2']);
    a.expanded = true;
    expect(panelRows([a, b]).map((r) => r.id)).toEqual(['g1', 'f2', 'f3', 'f1', 'g2']);
  });
});

describe('fraction', () => {
  it('is complete for a finished empty group instead of 0/0', () => {
    expect(fraction(0, 0, true)).toBe(1);
    expect(fraction(0, 0, false)).toBe(0);
    expect(fraction(5, 10)).toBe(0.5);
  });
});

describe('announcement', () => {
  it('names a single upload and counts several, so big batches are one sentence', () => {
    expect(announcement(['report.pdf'], 0)).toBe('report.pdf uploaded');
    expect(announcement(['a', 'b', 'c'], 0)).toBe('3 documents uploaded');
    expect(announcement([], 2)).toBe('2 uploads failed');
    expect(announcement(['a'], 1)).toBe('a uploaded; 1 upload failed');
    expect(announcement([], 0)).toBe('');
  });
});
