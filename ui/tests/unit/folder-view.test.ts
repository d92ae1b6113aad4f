import { describe, expect, it, vi } from 'vitest';
import { FolderView } from '../../src/lib/state/folder-view.svelte';
import type { CofferError } from '../../src/lib/ipc';
import { FakeBackend } from '../../test-harness/fake-backend';

function setup(configure: (fake: FakeBackend) => void = () => {}) {
  const fake = new FakeBackend();
  configure(fake);
  fake.install();
  const errors: CofferError[] = [];
  const view = new FolderView((error) => errors.push(error));
  return { fake, view, errors };
}

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
    await vi.waitFor(() => expect(view.entries).toHaveLength(101));
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(fake.listings - before).toBe(1);
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
