import { afterEach, describe, expect, it, vi } from 'vitest';
import { changesBetween, FolderView, pollInterval, STORED_REFRESH_MS, type PollSettings } from '../../src/lib/state/folder-view.svelte';
import type { CofferError } from '../../src/lib/ipc';
import { FakeBackend } from '../../test-harness/fake-backend';

/** How long a wait for a state may take before the case fails instead of hanging (not a pace). */
const STATE_WAIT = { timeout: 8_000 };

const views: FolderView[] = [];
afterEach(() => views.splice(0).forEach((view) => view.stop()));

function setup(configure: (fake: FakeBackend) => void = () => {}, poll?: PollSettings, visible = () => true) {
  const fake = new FakeBackend();
  configure(fake);
  fake.install();
  const errors: CofferError[] = [];
  const view = new FolderView((error) => errors.push(error), poll, visible);
  views.push(view);
  return { fake, view, errors };
}

describe('keeping the folder live', () => {
  it('polls less often when hidden, and in proportion to a slow listing', () => {
    const poll = { visibleMs: 15_000, hiddenMs: 300_000 };
    expect(pollInterval(poll, true, 40)).toBe(15_000);
    expect(pollInterval(poll, false, 40)).toBe(300_000);
    expect(pollInterval(poll, true, 3_000)).toBe(60_000);
  });

  it('marks what appeared or changed, not what stayed', () => {
    const entry = (key: string, etag: string) => ({ key, name: key, isFolder: false, size: 1, lastModifiedMs: 1, etag });
    const marks = changesBetween([entry('a', '1'), entry('b', '1'), entry('gone', '1')], [entry('a', '1'), entry('b', '2'), entry('c', '1')]);
    expect([...marks]).toEqual([
      ['b', 'changed'],
      ['c', 'new'],
    ]);
  });

  it("shows a colleague's new document by itself, keeps the selection, and drops what they deleted", async () => {
    const { fake, view } = setup(
      (fake) => {
        fake.put('Local vault', 'mine.pdf', 1);
        fake.put('Local vault', 'old.pdf', 1);
      },
      { visibleMs: 30, hiddenMs: 30 },
    );
    await view.show('Local vault');
    const firstUpdate = view.updatedAt;
    expect(firstUpdate).not.toBeNull();
    expect(view.marks.size).toBe(0);
    view.selection = { selected: new Set(['mine.pdf']), anchor: 'mine.pdf', focus: 'mine.pdf' };
    view.filter = '.pdf';
    fake.put('Local vault', 'from colleague.pdf', 5);
    fake.buckets.get('Local vault')!.delete('old.pdf');
    // The next poll comes after 20 times the last listing's time: on a slow machine, seconds.
    await vi.waitFor(() => expect(view.entries.map((e) => e.key).sort()).toEqual(['from colleague.pdf', 'mine.pdf']), {
      timeout: 50_000,
    });
    expect(view.marks.get('from colleague.pdf')).toBe('new');
    expect([...view.selection.selected]).toEqual(['mine.pdf']);
    expect(view.selection.focus).toBe('mine.pdf');
    expect(view.filter).toBe('.pdf');
    expect(view.updatedAt).toBeGreaterThanOrEqual(firstUpdate!);
  }, 60_000);

  it('re-lists when poked, but never while a listing runs', async () => {
    const { fake, view } = setup(() => {}, { visibleMs: 3_600_000, hiddenMs: 3_600_000 });
    await view.show('Local vault');
    const before = fake.listings;
    view.poke();
    await vi.waitFor(() => expect(fake.listings).toBe(before + 1), STATE_WAIT);
    for (let i = 0; i < 3; i += 1) fake.put('Local vault', `f${i}.pdf`, 1);
    fake.options.pageSize = 1;
    fake.options.pageDelayMs = 50;
    const navigating = view.show('Local vault');
    expect(view.loading).toBe(true);
    view.poke();
    await navigating;
    // Longer than the coalescer's pause: a refresh asked for during the listing would have run.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(fake.listings).toBe(before + 2);
  });
});

describe('FolderView', () => {
  it('shows the first page before the listing is complete, then all of it', async () => {
    const { view } = setup((fake) => {
      fake.options.pageDelayMs = 30;
      for (let i = 0; i < 3500; i += 1) fake.put('Local vault', `f${i}.txt`, i);
    });
    const done = view.show('Local vault');
    await vi.waitFor(() => expect(view.entries.length).toBeGreaterThan(0));
    expect(view.entries).toHaveLength(1000);
    expect(view.loading).toBe(true);
    await done;
    expect(view.entries).toHaveLength(3500);
    expect(view.loading).toBe(false);
    expect(view.listed).toBe(true);
  });

  it('drops pages from a listing that is no longer the latest', async () => {
    const { view } = setup((fake) => {
      fake.options.pageDelayMs = 20;
      fake.options.pageSize = 1;
      for (let i = 0; i < 20; i += 1) fake.put('Local vault', `slow/${i}.txt`, 1);
      fake.put('Local vault', 'fast/only.txt', 1);
    });
    const slow = view.show('Local vault', 'slow/');
    await vi.waitFor(() => expect(view.entries.length).toBeGreaterThan(0));
    await view.show('Local vault', 'fast/');
    await slow;
    expect(view.entries.map((e) => e.key)).toEqual(['fast/only.txt']);
  });

  it('raises the Unreachable banner instead of a toast, and Retry clears it', async () => {
    const { fake, view, errors } = setup((fake) => {
      fake.addConnection({ name: 'Branch' });
      fake.put('Branch', 'a.pdf', 1);
      fake.unreachable.add('Branch');
    });
    await view.show('Branch');
    expect(view.unreachable).toBe(true);
    expect(errors).toEqual([]);
    fake.unreachable.delete('Branch');
    await view.reload();
    expect(view.unreachable).toBe(false);
    expect(view.entries.map((e) => e.name)).toEqual(['a.pdf']);
  });

  it('ends a listing at its done event and drops the banner at the first page, whenever the response comes', async () => {
    const { fake, view } = setup((fake) => {
      fake.addConnection({ name: 'Branch' });
      for (let i = 0; i < 2500; i += 1) fake.put('Branch', `f${i}.pdf`, 1);
      fake.unreachable.add('Branch');
    });
    await view.show('Branch');
    expect(view.unreachable).toBe(true);
    fake.unreachable.delete('Branch');
    // The command's response is held back: only the Channel's events may end the listing.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const original = fake.handle.bind(fake);
    fake.handle = async (cmd, args) => {
      const answer = await original(cmd, args);
      if (cmd === 'list_folder') await held;
      return answer;
    };
    fake.install();
    const reload = view.reload();
    await vi.waitFor(() => expect(view.entries.length).toBeGreaterThan(0));
    expect(view.unreachable, 'the server answered with the first page').toBe(false);
    await reload;
    expect(view.entries).toHaveLength(2500);
    expect(view.loading).toBe(false);
    expect(view.listed).toBe(true);
    release();
  });

  it('toasts other listing errors', async () => {
    const { view, errors } = setup();
    await view.show('No such connection');
    expect(errors.map((e) => e.kind)).toEqual(['NotFound']);
  });

  it('refreshes only for keys stored in the folder shown, and coalesces bursts', async () => {
    const { fake, view } = setup((fake) => fake.put('Local vault', 'docs/a.pdf', 1));
    await view.show('Local vault', 'docs/');
    const before = fake.listings;
    view.noticeStored('Local vault', 'elsewhere/x.pdf');
    view.noticeStored('Other', 'docs/x.pdf');
    for (let i = 0; i < 100; i += 1) {
      fake.put('Local vault', `docs/new${i}.pdf`, 1);
      view.noticeStored('Local vault', `docs/new${i}.pdf`);
    }
    await vi.waitFor(() => expect(view.entries).toHaveLength(101), STATE_WAIT);
    // The burst costs the listing at once and one more a second later, whatever the machine's speed.
    await vi.waitFor(() => expect(fake.listings - before).toBe(2), { timeout: 5 * STORED_REFRESH_MS });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(fake.listings - before).toBe(2);
  });

  it('re-lists for uploads at once, then at most once a second while they go on', async () => {
    const { fake, view } = setup((fake) => fake.put('Local vault', 'docs/a.pdf', 1));
    await view.show('Local vault', 'docs/');
    const before = fake.listings;
    // Timed from the first notice: the next re-list cannot come sooner than a second after it, however
    // long the first listing takes.
    const started = Date.now();
    fake.put('Local vault', 'docs/first.pdf', 1);
    view.noticeStored('Local vault', 'docs/first.pdf');
    await vi.waitFor(() => expect(view.entries).toHaveLength(2), STATE_WAIT);
    expect(fake.listings - before).toBe(1);
    // More land while the second is not over: they show with the next re-list, not one each.
    for (let i = 0; i < 20; i += 1) {
      fake.put('Local vault', `docs/more${i}.pdf`, 1);
      view.noticeStored('Local vault', `docs/more${i}.pdf`);
    }
    await vi.waitFor(() => expect(view.entries).toHaveLength(22), { timeout: 5 * STORED_REFRESH_MS });
    expect(Date.now() - started).toBeGreaterThanOrEqual(STORED_REFRESH_MS);
    expect(fake.listings - before).toBe(2);
  });

  it('keeps the selection across a refresh but forgets rows that are gone', async () => {
    const { fake, view } = setup((fake) => {
      fake.put('Local vault', 'a.pdf', 1);
      fake.put('Local vault', 'b.pdf', 1);
    });
    await view.show('Local vault');
    view.selection = { selected: new Set(['a.pdf', 'b.pdf']), anchor: 'a.pdf', focus: 'b.pdf' };
    fake.buckets.get('Local vault')!.delete('b.pdf');
    view.refresh();
    await vi.waitFor(() => expect(view.entries).toHaveLength(1));
    expect([...view.selection.selected]).toEqual(['a.pdf']);
    expect(view.selection.focus).toBeNull();
  });

  it('filters without losing the sort, and sorts with folders first', async () => {
    const { view } = setup((fake) => {
      fake.put('Local vault', 'b report.pdf', 5);
      fake.put('Local vault', 'a report.pdf', 50);
      fake.put('Local vault', 'Reports/x.pdf', 1);
      fake.put('Local vault', 'notes.txt', 500);
    });
    await view.show('Local vault');
    view.sortBy('size');
    view.sortBy('size');
    expect(view.visible.map((e) => e.name)).toEqual(['Reports', 'notes.txt', 'a report.pdf', 'b report.pdf']);
    view.filter = 'REPORT';
    expect(view.visible.map((e) => e.name)).toEqual(['Reports', 'a report.pdf', 'b report.pdf']);
    expect(view.totals).toEqual({ documents: 3, folders: 1, bytes: 555 });
  });
});
