import { describe, expect, it } from 'vitest';
import {
  announcement,
  applyUpdate,
  fraction,
  overallOf,
  SPEED_WINDOW_MS,
  speedOf,
  timeLeft,
  type TransferRow,
} from '../../src/lib/transfers';
import type { TransferUpdate } from '../../src/lib/types';

const MB = 1024 * 1024;
const update = (bytesDone: number, state: TransferUpdate['state'] = 'running', id = 1, bytesTotal = 10 * MB): TransferUpdate => ({
  id,
  connection: 'Local vault',
  key: `docs/file${id}.pdf`,
  name: `file${id}.pdf`,
  state,
  bytesDone,
  bytesTotal,
  error: null,
  note: null,
});

/** Feed updates at the given times (ms) and bytes. */
function feed(points: [number, number, TransferUpdate['state']?][], id = 1): TransferRow {
  let row: TransferRow | undefined;
  for (const [at, bytes, state] of points) row = applyUpdate(row, update(bytes, state ?? 'running', id), 'Vault', at);
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
    expect(timeLeft(row.bytesDone, row.bytesTotal, speed)).toBe(3);
  });

  it('only looks at the recent window, so an early stall does not drag the speed down for ever', () => {
    const row = feed([[0, 0], [10_000, 0], [10_000 + SPEED_WINDOW_MS, 5 * MB]]);
    expect(speedOf(row)).toBe(MB);
  });

  it('has no time left when stalled', () => {
    expect(timeLeft(0, 10, 0)).toBeNull();
    expect(timeLeft(0, 10, null)).toBeNull();
  });

  it('starts measuring again after a retry restarts from zero', () => {
    const failed = feed([[0, 0], [1000, 5 * MB], [1500, 5 * MB, 'failed']]);
    expect(failed.samples).toHaveLength(0);
    const retried = applyUpdate(applyUpdate(failed, update(0, 'running'), 'Vault', 60_000), update(MB, 'running'), 'Vault', 61_000);
    expect(speedOf(retried)).toBe(MB);
  });

  it('keeps the connection the batch was sent to', () => {
    const row = applyUpdate(applyUpdate(undefined, update(0), 'Office', 0), update(1), 'Elsewhere', 10);
    expect(row.connection).toBe('Office');
  });
});

describe('overallOf', () => {
  it('adds bytes and speeds of what is still wanted, leaving cancelled rows out', () => {
    const a = feed([[0, 0], [1000, 2 * MB]], 1);
    const b = feed([[0, 0], [1000, MB]], 2);
    const cancelled = feed([[0, 0], [500, 0, 'cancelled']], 3);
    const done = feed([[0, 0], [900, 10 * MB, 'done']], 4);
    const overall = overallOf([a, b, cancelled, done]);
    expect(overall.bytesDone).toBe(13 * MB);
    expect(overall.bytesTotal).toBe(30 * MB);
    expect(overall.bytesPerSec).toBe(3 * MB);
    expect(overall.secondsLeft).toBeCloseTo(17 / 3);
    expect(overall).toMatchObject({ active: 2, done: 1, failed: 0, cancelled: 1 });
  });

  it('has no speed once nothing is active', () => {
    expect(overallOf([feed([[0, 0], [900, 10 * MB, 'done']])]).bytesPerSec).toBeNull();
  });
});

describe('fraction', () => {
  it('is complete for a finished empty file instead of 0/0', () => {
    expect(fraction(0, 0, 'done')).toBe(1);
    expect(fraction(0, 0, 'running')).toBe(0);
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
