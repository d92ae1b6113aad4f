import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { coalesce } from '../../src/lib/refresh';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A run that stays in flight until released. */
function controlledRun() {
  const releases: (() => void)[] = [];
  const run = vi.fn(() => new Promise<void>((resolve) => releases.push(resolve)));
  return { run, release: () => releases.shift()?.() };
}

describe('coalesce', () => {
  it('1,000 requests while a run is in flight cost exactly one more run', async () => {
    const { run, release } = controlledRun();
    const refresher = coalesce(run, 100);
    refresher.request();
    await vi.advanceTimersByTimeAsync(100);
    expect(run).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 1000; i += 1) refresher.request();
    release();
    await vi.advanceTimersByTimeAsync(100);
    expect(run).toHaveBeenCalledTimes(2);
    release();
    await vi.advanceTimersByTimeAsync(1000);
    expect(run).toHaveBeenCalledTimes(2);
    expect(refresher.busy).toBe(false);
  });

  it('gathers a burst of requests made before the delay ends into one run', async () => {
    const { run } = controlledRun();
    const refresher = coalesce(run, 100);
    for (let i = 0; i < 50; i += 1) refresher.request();
    await vi.advanceTimersByTimeAsync(100);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('keeps working after a run fails', async () => {
    const run = vi.fn().mockRejectedValueOnce(new Error('offline')).mockResolvedValue(undefined);
    const refresher = coalesce(run, 10);
    refresher.request();
    await vi.advanceTimersByTimeAsync(10);
    refresher.request();
    await vi.advanceTimersByTimeAsync(10);
    expect(run).toHaveBeenCalledTimes(2);
  });

  it('cancelPending drops a waiting run', async () => {
    const { run } = controlledRun();
    const refresher = coalesce(run, 100);
    refresher.request();
    refresher.cancelPending();
    await vi.advanceTimersByTimeAsync(500);
    expect(run).not.toHaveBeenCalled();
  });
});
