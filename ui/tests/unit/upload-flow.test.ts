import { describe, expect, it, vi } from 'vitest';
import { Announcer } from '../../src/lib/state/announcer.svelte';
import { ConflictPrompt } from '../../src/lib/state/conflict-prompt.svelte';
import { Toasts } from '../../src/lib/state/toasts.svelte';
import { DONE_KEPT, Transfers } from '../../src/lib/state/transfers.svelte';
import { inspectSelection } from '../../src/lib/api';
import type { ConflictAnswer } from '../../src/lib/conflicts';
import type { FileUpdate, GroupUpdate } from '../../src/lib/ipc';
import { FakeBackend, type LocalItem } from '../../test-harness/fake-backend';

const file = (name: string, size = 1000): LocalItem => ({ name, files: [{ path: '', size }] });

async function setup() {
  const fake = new FakeBackend();
  fake.options.uploadStepMs = 5;
  fake.put('Local vault', 'in/a.pdf', 1);
  fake.put('Local vault', 'in/b.pdf', 1);
  fake.put('Local vault', 'in/c.pdf', 1);
  fake.install();
  const prompt = new ConflictPrompt();
  const toasts = new Toasts();
  const announcer = new Announcer();
  const stored: string[] = [];
  const transfers = new Transfers({ prompt, toasts, announcer, onStored: (_c, key) => stored.push(key) });
  await transfers.listen();
  return { fake, prompt, toasts, announcer, transfers, stored };
}

/** How long a wait for a state may take before the case fails instead of hanging (not a pace). */
const STATE_WAIT = { timeout: 8_000 };

/** Waits until every group has ended: waiting for a state, not a time. */
async function settled(transfers: Transfers) {
  await vi.waitFor(() => {
    expect(transfers.groups.length).toBeGreaterThan(0);
    expect(transfers.groups.every((g) => g.state !== 'running')).toBe(true);
  }, STATE_WAIT);
}

/** Every file the panel knows of, by name. */
function fileStates(transfers: Transfers): Record<string, string> {
  return Object.fromEntries(transfers.groups.flatMap((g) => [...g.files.values()]).map((f) => [f.name, f.state]));
}

/** Answer each conflict question as it appears. */
function answer(prompt: ConflictPrompt, answers: ConflictAnswer[], asked: string[]) {
  const interval = setInterval(() => {
    if (prompt.question) {
      asked.push(prompt.question.item.name);
      prompt.answer(answers.shift() ?? null);
    }
  }, 1);
  return () => clearInterval(interval);
}

async function dropped(fake: FakeBackend, items: LocalItem[]) {
  const id = await fake.drop(items);
  return inspectSelection(id, 'Local vault', 'in/');
}

describe('uploading a selection', () => {
  it('asks about conflicts, applies "do this for all", and sends one choice per conflicting name', async () => {
    const { fake, prompt, transfers } = await setup();
    const selection = await dropped(fake, [file('new.pdf'), file('a.pdf'), file('b.pdf'), file('c.pdf')]);
    expect(selection.items.map((i) => i.exists)).toEqual([false, true, true, true]);
    const asked: string[] = [];
    const stop = answer(prompt, [
      { choice: 'skip', applyToRemaining: false },
      { choice: 'keepBoth', applyToRemaining: true },
    ], asked);
    await transfers.upload(selection, 'Local vault', 'in/');
    stop();
    await settled(transfers);
    expect(asked, 'the third conflict was answered by "do this for all"').toEqual(['a.pdf', 'b.pdf']);
    const call = fake.calls.find((c) => c.cmd === 'upload_selection')!;
    expect(call.args.choices).toEqual({ 'a.pdf': 'skip', 'b.pdf': 'keepBoth', 'c.pdf': 'keepBoth' });
    expect(fake.keys('Local vault').sort()).toEqual(
      ['in/a.pdf', 'in/b (1).pdf', 'in/b.pdf', 'in/c (1).pdf', 'in/c.pdf', 'in/new.pdf'].sort(),
    );
  });

  it('uploads nothing when the conflict dialog is cancelled', async () => {
    const { fake, prompt, transfers, toasts } = await setup();
    const selection = await dropped(fake, [file('new.pdf'), file('a.pdf')]);
    const stop = answer(prompt, [], []);
    await transfers.upload(selection, 'Local vault', 'in/');
    stop();
    expect(fake.calls.some((c) => c.cmd === 'upload_selection')).toBe(false);
    expect(fake.calls.some((c) => c.cmd === 'discard_selection'), 'the engine lets go of the files').toBe(true);
    expect(toasts.items.map((t) => t.text)).toContain('Upload cancelled');
  });

  it('follows progress to done, reports each stored key, and announces the results', async () => {
    const { fake, transfers, stored, announcer, toasts } = await setup();
    const said = vi.spyOn(announcer, 'say');
    fake.failUploads.set('bad.pdf', 1);
    const selection = await dropped(fake, [file('one.pdf', 4000), file('two.pdf', 4000), file('bad.pdf', 4000)]);
    await transfers.upload(selection, 'Local vault', 'in/');
    expect(transfers.groups.map((g) => g.name), 'one group per dropped item').toEqual(['one.pdf', 'two.pdf', 'bad.pdf']);
    await settled(transfers);
    expect(fileStates(transfers)).toEqual({ 'one.pdf': 'done', 'two.pdf': 'done', 'bad.pdf': 'failed' });
    const bad = transfers.groups.find((g) => g.name === 'bad.pdf')!;
    expect(bad.state).toBe('failed');
    expect([...bad.files.values()][0].error, 'the engine error reaches the row as it was sent').toMatchObject({
      kind: 'Server',
      code: 'serverFailed',
      params: { connection: 'Local vault' },
    });
    expect(stored.sort()).toEqual(['in/one.pdf', 'in/two.pdf']);
    // However the sentences were gathered (a second at a time, then at the end), they add up.
    const counted = { uploaded: 0, failed: 0 };
    for (const [text] of said.mock.calls) {
      for (const part of text.split('; ')) {
        const many = part.match(/^(\d+) (documents uploaded|uploads failed)$/);
        if (many) counted[many[2].startsWith('documents') ? 'uploaded' : 'failed'] += Number(many[1]);
        else if (part === '1 upload failed') counted.failed += 1;
        else if (part.endsWith(' uploaded')) counted.uploaded += 1;
      }
    }
    expect(counted).toEqual({ uploaded: 2, failed: 1 });
    expect(transfers.overall).toMatchObject({ filesDone: 2, filesFailed: 1, active: 0 });
    expect(toasts.items.map((t) => t.text)).toContain('1 upload failed in bad.pdf');
  });

  it('shows a folder as one group with its counts, and expands it to its files', async () => {
    const { fake, transfers } = await setup();
    const folder: LocalItem = { name: 'Reports', files: [{ path: 'a.pdf', size: 10 }, { path: 'sub/b.pdf', size: 20 }] };
    await transfers.upload(await dropped(fake, [folder]), 'Local vault', 'in/');
    await settled(transfers);
    expect(transfers.rows.map((r) => r.kind)).toEqual(['group']);
    expect(transfers.groups[0].progress).toMatchObject({ filesDone: 2, filesTotal: 2, bytesDone: 30, bytesTotal: 30 });
    transfers.toggle(transfers.groups[0].id);
    expect(transfers.rows.map((r) => (r.kind === 'file' ? r.file.key : r.kind))).toEqual(['group', 'in/Reports/a.pdf', 'in/Reports/sub/b.pdf']);
  });

  it('retries a failed file on the same id until it is done', async () => {
    const { fake, transfers, stored } = await setup();
    fake.failUploads.set('bad.pdf', 1);
    await transfers.upload(await dropped(fake, [file('bad.pdf')]), 'Local vault', 'in/');
    await settled(transfers);
    const failed = [...transfers.groups[0].files.values()][0];
    expect(failed.state).toBe('failed');
    await transfers.retry(failed.id);
    await vi.waitFor(() => expect(transfers.groups[0].files.get(failed.id)?.state).toBe('done'));
    await settled(transfers);
    expect(transfers.groups[0]).toMatchObject({ state: 'done', progress: { filesDone: 1, filesFailed: 0, bytesDone: 1000 } });
    expect(stored).toEqual(['in/bad.pdf']);
  });

  it('cancels a running upload', async () => {
    const { fake, transfers } = await setup();
    // Held after its first step: running for as long as the test needs, however fast the machine.
    fake.holdUploads();
    await transfers.upload(await dropped(fake, [file('big.pdf')]), 'Local vault', 'in/');
    await vi.waitFor(() => expect([...transfers.groups[0].files.values()][0]?.state).toBe('running'));
    await transfers.cancel([...transfers.groups[0].files.keys()][0]);
    fake.releaseUploads();
    await settled(transfers);
    expect(fileStates(transfers)).toEqual({ 'big.pdf': 'cancelled' });
    expect(transfers.groups[0].state).toBe('cancelled');
    expect(fake.keys('Local vault')).not.toContain('in/big.pdf');
  });
});

describe('two drops in a row', () => {
  it('asks about the second batch only after the first is answered, cancelling neither', async () => {
    const { fake, prompt, transfers } = await setup();
    const first = await dropped(fake, [file('a.pdf')]);
    const second = await dropped(fake, [file('b.pdf')]);
    const asked: string[] = [];
    const uploads = [transfers.upload(first, 'Local vault', 'in/'), transfers.upload(second, 'Local vault', 'in/')];
    const stop = answer(prompt, [
      { choice: 'keepBoth', applyToRemaining: false },
      { choice: 'keepBoth', applyToRemaining: false },
    ], asked);
    await Promise.all(uploads);
    stop();
    await settled(transfers);
    expect(asked).toEqual(['a.pdf', 'b.pdf']);
    expect(fake.keys('Local vault')).toEqual(expect.arrayContaining(['in/a (1).pdf', 'in/b (1).pdf']));
  });
});

describe('a batch the engine refuses', () => {
  it('toasts the engine message and starts nothing', async () => {
    const { fake, transfers, toasts } = await setup();
    const selection = await dropped(fake, [file('one.pdf')]);
    const original = fake.handle.bind(fake);
    fake.handle = async (cmd, args) => {
      if (cmd === 'upload_selection') throw { kind: 'Io', message: 'The transfer journal cannot be used' };
      return original(cmd, args);
    };
    fake.install();
    await transfers.upload(selection, 'Local vault', 'in/');
    expect(transfers.groups).toHaveLength(0);
    expect(toasts.items.map((t) => t.text)).toContain('Upload failed: The transfer journal cannot be used');
  });

  it('keeps every running and failed file of a big drop but only the last done ones', () => {
    const announcer = new Announcer();
    const stored: string[] = [];
    const transfers = new Transfers({ prompt: new ConflictPrompt(), toasts: new Toasts(), announcer, onStored: (_c, key) => stored.push(key) });
    const group: GroupUpdate = {
      id: 1,
      connection: 'Local vault',
      name: 'big',
      isFolder: true,
      state: 'running',
      progress: { bytesDone: 0, bytesTotal: 0, filesDone: 0, filesFailed: 0, filesTotal: 3 * DONE_KEPT, retrying: 0 },
      skipped: [],
      skippedTotal: 0,
      note: null,
    };
    const update = (id: number, state: FileUpdate['state']): FileUpdate => ({
      id,
      group: 1,
      connection: 'Local vault',
      key: `big/f${id}`,
      name: `f${id}`,
      state,
      size: 1,
      error: null,
      note: null,
    });
    transfers.apply({ groups: [group], files: [] });
    const all = Array.from({ length: 3 * DONE_KEPT }, (_, i) => i + 1);
    transfers.apply({ groups: [], files: all.map((id) => update(id, 'running')) });
    transfers.apply({ groups: [], files: all.map((id) => update(id, id === 5 ? 'failed' : 'done')) });
    const kept = transfers.groups[0].files;
    expect(stored, 'every stored file is still reported').toHaveLength(3 * DONE_KEPT - 1);
    expect(kept.get(5)?.state, 'the failed file stays').toBe('failed');
    expect([...kept.values()].filter((f) => f.state === 'done').map((f) => f.id)).toEqual(all.slice(-DONE_KEPT));
  });
});
