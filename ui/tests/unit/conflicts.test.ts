import { describe, expect, it, vi } from 'vitest';
import { itemsToUpload, resolveConflicts, type ConflictAnswer, type ConflictQuestion } from '../../src/lib/conflicts';
import type { Selection } from '../../src/lib/ipc';

const item = (name: string, exists: boolean) => ({ name, isFolder: false, size: 10, files: 1, exists });
const selection: Selection = {
  id: 7,
  items: [item('new.pdf', false), item('a.pdf', true), item('b.pdf', true), item('c.pdf', true)],
};

function answering(...answers: (ConflictAnswer | null)[]) {
  const asked: ConflictQuestion[] = [];
  const ask = vi.fn(async (question: ConflictQuestion) => {
    asked.push(question);
    return answers.shift() ?? null;
  });
  return { ask, asked };
}

describe('resolveConflicts', () => {
  it('asks once per conflicting item, in order, and only about conflicts', async () => {
    const { ask, asked } = answering(
      { choice: 'replace', applyToRemaining: false },
      { choice: 'keepBoth', applyToRemaining: false },
      { choice: 'skip', applyToRemaining: false },
    );
    const choices = await resolveConflicts(selection, ask);
    expect(asked.map((q) => [q.item.name, q.position, q.count])).toEqual([
      ['a.pdf', 1, 3],
      ['b.pdf', 2, 3],
      ['c.pdf', 3, 3],
    ]);
    expect(choices).toEqual({ 'a.pdf': 'replace', 'b.pdf': 'keepBoth', 'c.pdf': 'skip' });
  });

  it('"Do this for all remaining conflicts" answers the rest without asking', async () => {
    const { ask } = answering({ choice: 'replace', applyToRemaining: false }, { choice: 'keepBoth', applyToRemaining: true });
    const choices = await resolveConflicts(selection, ask);
    expect(ask).toHaveBeenCalledTimes(2);
    expect(choices).toEqual({ 'a.pdf': 'replace', 'b.pdf': 'keepBoth', 'c.pdf': 'keepBoth' });
  });

  it('cancelling uploads nothing: no choices at all', async () => {
    const { ask } = answering({ choice: 'skip', applyToRemaining: false }, null);
    expect(await resolveConflicts(selection, ask)).toBeNull();
  });

  it('needs no answer when nothing conflicts', async () => {
    const { ask } = answering();
    expect(await resolveConflicts({ id: 1, items: [item('x', false)] }, ask)).toEqual({});
    expect(ask).not.toHaveBeenCalled();
  });
});

describe('itemsToUpload', () => {
  it('leaves out skipped items only', () => {
    const sent = itemsToUpload(selection, { 'a.pdf': 'skip', 'b.pdf': 'replace', 'c.pdf': 'keepBoth' });
    expect(sent.map((i) => i.name)).toEqual(['new.pdf', 'b.pdf', 'c.pdf']);
  });
});
