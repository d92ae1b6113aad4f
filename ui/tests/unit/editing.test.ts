import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { editLabel, editNotice, lockLabel } from '../../src/lib/editing';
import { setLanguage } from '../../src/lib/i18n.svelte';
import { Editing } from '../../src/lib/state/editing.svelte';
import type { EditState, EditUpdate } from '../../src/lib/ipc';

const update = (status: EditState, pending = false, key = 'team/plan.docx'): EditUpdate => ({
  connection: 'Office',
  key,
  savesTo: status.state === 'conflict' ? status.copy : key,
  status,
  pending,
});
const at = (h: number, m: number) => new Date(2026, 10, 29, h, m).getTime();
const unreachable = (message: string) => ({ kind: 'Unreachable' as const, code: 'plain' as const, params: { detail: message }, message });

// Times follow the locale: British English writes them on the 24-hour clock, as these expectations do.
beforeAll(() => setLanguage('en', ['en-GB']));
afterAll(() => setLanguage(null));

describe('edited rows', () => {
  it('say where each save stands', () => {
    expect(editLabel(update({ state: 'editing' }))).toBe('Editing');
    expect(editLabel(update({ state: 'editing' }, true))).toBe('Editing · not saved to bucket yet');
    expect(editLabel(update({ state: 'saving' }))).toBe('Saving to bucket…');
    expect(editLabel(update({ state: 'saved', atMs: at(9, 5) }))).toBe('Saved to bucket 09:05');
    expect(editLabel(update({ state: 'conflict', copy: 'x' }))).toBe('Saving to a conflicted copy');
    expect(editLabel(update({ state: 'failed', error: unreachable('down') }))).toBe('Not saved to bucket');
  });

  it("say who holds a colleague's lock and since when", () => {
    expect(lockLabel({ key: 'a', by: 'Alice', sinceMs: at(10, 32), expiresMs: at(10, 42), holder: 'h' })).toBe(
      'Being edited by Alice since 10:32',
    );
    expect(lockLabel({ key: 'a', by: '', sinceMs: at(8, 0), expiresMs: at(8, 10), holder: 'h' })).toBe(
      'Being edited by someone since 08:00',
    );
  });

  it('interrupt only for conflicts and failures', () => {
    expect(editNotice(update({ state: 'saved', atMs: 1 }))).toBeNull();
    const conflict = editNotice(update({ state: 'conflict', copy: 'team/plan (conflicted copy, Bo, 2026-11-29).docx' }));
    expect(conflict?.tone).toBe('error');
    expect(conflict?.text).toContain('“plan (conflicted copy, Bo, 2026-11-29).docx”');
    expect(editNotice(update({ state: 'failed', error: unreachable('Cannot reach it.') }))?.text).toBe(
      'plan.docx could not be saved to the bucket: Cannot reach it. It will be tried again.',
    );
  });

  it('are kept per connection and key until done', () => {
    const editing = new Editing();
    editing.apply(update({ state: 'editing' }));
    editing.apply({ ...update({ state: 'editing' }), connection: 'Other' });
    expect([...editing.of('Office').keys()]).toEqual(['team/plan.docx']);
    editing.apply(update({ state: 'saving' }));
    expect(editing.get('Office', 'team/plan.docx')?.status.state).toBe('saving');
    editing.apply(update({ state: 'done' }));
    expect(editing.get('Office', 'team/plan.docx')).toBeUndefined();
    expect(editing.of('Other').size).toBe(1);
  });
});
