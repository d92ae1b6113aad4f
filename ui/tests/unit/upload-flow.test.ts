import { describe, expect, it, vi } from 'vitest';
import { Announcer } from '../../src/lib/state/announcer.svelte';
import { ConflictPrompt } from '../../src/lib/state/conflict-prompt.svelte';
import { Toasts } from '../../src/lib/state/toasts.svelte';
import { Transfers } from '../../src/lib/state/transfers.svelte';
import { inspectSelection } from '../../src/lib/api';
import type { ConflictAnswer } from '../../src/lib/conflicts';
import { FakeBackend, type LocalItem } from '../../test-harness/fake-backend';

const file = (name: string, size = 1000): LocalItem => ({ name, files: [{ path: '', size }] });

function setup() {
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
  return { fake, prompt, toasts, announcer, transfers, stored };
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
    const { fake, prompt, transfers } = setup();
    const selection = await dropped(fake, [file('new.pdf'), file('a.pdf'), file('b.pdf'), file('c.pdf')]);
    expect(selection.items.map((i) => i.exists)).toEqual([false, true, true, true]);
    const asked: string[] = [];
    const stop = answer(prompt, [
      { choice: 'skip', applyToRemaining: false },
      { choice: 'keepBoth', applyToRemaining: true },
    ], asked);
    await transfers.upload(selection, 'Local vault', 'in/');
    stop();
    expect(asked, 'the third conflict was answered by "do this for all"').toEqual(['a.pdf', 'b.pdf']);
    const call = fake.calls.find((c) => c.cmd === 'upload_selection')!;
    expect(call.args.choices).toEqual({ 'a.pdf': 'skip', 'b.pdf': 'keepBoth', 'c.pdf': 'keepBoth' });
    expect(fake.keys('Local vault').sort()).toEqual(
      ['in/a.pdf', 'in/b (1).pdf', 'in/b.pdf', 'in/c (1).pdf', 'in/c.pdf', 'in/new.pdf'].sort(),
    );
  });

  it('uploads nothing when the conflict dialog is cancelled', async () => {
    const { fake, prompt, transfers, toasts } = setup();
    const selection = await dropped(fake, [file('new.pdf'), file('a.pdf')]);
    const stop = answer(prompt, [], []);
    await transfers.upload(selection, 'Local vault', 'in/');
    stop();
    expect(fake.calls.some((c) => c.cmd === 'upload_selection')).toBe(false);
    expect(toasts.items.map((t) => t.text)).toContain('Upload cancelled');
  });

  it('follows progress to done, reports each stored key, and announces the results', async () => {
    const { fake, transfers, stored, announcer } = setup();
    fake.failUploads.set('bad.pdf', 1);
    const selection = await dropped(fake, [file('one.pdf', 4000), file('two.pdf', 4000), file('bad.pdf', 4000)]);
    await transfers.upload(selection, 'Local vault', 'in/');
    const states = Object.fromEntries(transfers.rows.map((r) => [r.name, r.state]));
    expect(states).toEqual({ 'one.pdf': 'done', 'two.pdf': 'done', 'bad.pdf': 'failed' });
    expect(transfers.rows.find((r) => r.name === 'bad.pdf')!.error?.message).toBe('The server closed the connection');
    expect(stored.sort()).toEqual(['in/one.pdf', 'in/two.pdf']);
    expect(announcer.message).toBe('2 documents uploaded; 1 upload failed');
    expect(transfers.overall).toMatchObject({ done: 2, failed: 1, active: 0 });
  });

  it('retries a failed row on the same id until it is done', async () => {
    const { fake, transfers, stored } = setup();
    fake.failUploads.set('bad.pdf', 1);
    await transfers.upload(await dropped(fake, [file('bad.pdf')]), 'Local vault', 'in/');
    const failed = transfers.rows[0];
    expect(failed.state).toBe('failed');
    await transfers.retry(failed.id);
    expect(transfers.rows).toHaveLength(1);
    expect(transfers.rows[0]).toMatchObject({ id: failed.id, state: 'done', bytesDone: 1000 });
    expect(stored).toEqual(['in/bad.pdf']);
  });

  it('cancels a running upload', async () => {
    const { fake, transfers } = setup();
    fake.options.uploadStepMs = 50;
    const running = transfers.upload(await dropped(fake, [file('big.pdf')]), 'Local vault', 'in/');
    await vi.waitFor(() => expect(transfers.rows[0]?.state).toBe('running'));
    await transfers.cancel(transfers.rows[0].id);
    await running;
    expect(transfers.rows[0].state).toBe('cancelled');
    expect(fake.keys('Local vault')).not.toContain('in/big.pdf');
  });
});

describe('two drops in a row', () => {
  it('asks about the second batch only after the first is answered, cancelling neither', async () => {
    const { fake, prompt, transfers } = setup();
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
    expect(asked).toEqual(['a.pdf', 'b.pdf']);
    expect(fake.keys('Local vault')).toEqual(expect.arrayContaining(['in/a (1).pdf', 'in/b (1).pdf']));
  });
});

describe('a batch that fails as a whole', () => {
  it('marks the rows it left unfinished as failed, with the engine message, and toasts it', async () => {
    const { fake, transfers, toasts } = setup();
    fake.options.uploadStepMs = 30;
    const selection = await dropped(fake, [file('one.pdf'), file('two.pdf'), file('three.pdf')]);
    const original = fake.handle.bind(fake);
    fake.handle = async (cmd, args) => {
      if (cmd !== 'upload_selection') return original(cmd, args);
      const running = original(cmd, args);
      await new Promise((resolve) => setTimeout(resolve, 40));
      void running.catch(() => {});
      throw { kind: 'Unreachable', message: 'The connection dropped' };
    };
    fake.install();
    await transfers.upload(selection, 'Local vault', 'in/');
    const unfinished = transfers.rows.filter((r) => r.state !== 'done');
    expect(unfinished.length).toBeGreaterThan(0);
    for (const row of unfinished) expect(row).toMatchObject({ state: 'failed', error: { kind: 'Unreachable', message: 'The connection dropped' } });
    expect(toasts.items.map((t) => t.text)).toContain('Upload failed: The connection dropped');
  });
});
