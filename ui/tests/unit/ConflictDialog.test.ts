import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import ConflictDialog from '../../src/components/ConflictDialog.svelte';
import type { ConflictQuestion } from '../../src/lib/conflicts';

const question = (position: number, count: number): ConflictQuestion => ({
  item: { name: 'report.pdf', isFolder: false, size: 2048, files: 1, exists: true },
  position,
  count,
});

function show(q: ConflictQuestion) {
  const onanswer = vi.fn();
  render(ConflictDialog, { question: q, destination: 'Local vault › Invoices', taken: new Set(['report.pdf', 'report (1).pdf']), onanswer });
  return onanswer;
}

describe('ConflictDialog', () => {
  it('names the item and where it goes, and what Keep both will call the copy', () => {
    show(question(1, 1));
    expect(screen.getByTestId('conflict-message')).toHaveTextContent('A document named report.pdf already exists in Local vault › Invoices.');
    expect(screen.getByTestId('conflict-keep-both')).toHaveTextContent('stored as “report (2).pdf”');
  });

  it.each([
    ['conflict-replace', 'replace'],
    ['conflict-keep-both', 'keepBoth'],
    ['conflict-skip', 'skip'],
  ])('%s answers %s for this item only', async (testid, choice) => {
    const onanswer = show(question(1, 3));
    await fireEvent.click(screen.getByTestId(testid));
    expect(onanswer).toHaveBeenCalledWith({ choice, applyToRemaining: false });
  });

  it('"Do this for all remaining conflicts" goes with the choice, and says how many remain', async () => {
    const onanswer = show(question(2, 5));
    expect(screen.getByTestId('conflict-position')).toHaveTextContent('Conflict 2 of 5');
    const all = screen.getByTestId('conflict-apply-all');
    expect(all.closest('label')).toHaveTextContent('Do this for all remaining conflicts (3)');
    await fireEvent.click(all);
    await fireEvent.click(screen.getByTestId('conflict-keep-both'));
    expect(onanswer).toHaveBeenCalledWith({ choice: 'keepBoth', applyToRemaining: true });
  });

  it('offers no "for all" on the last conflict', () => {
    show(question(3, 3));
    expect(screen.queryByTestId('conflict-apply-all')).toBeNull();
  });

  it('Cancel upload and Escape answer null: nothing is uploaded', async () => {
    const onanswer = show(question(1, 1));
    await fireEvent.click(screen.getByTestId('conflict-cancel'));
    const dialog = screen.getByTestId('conflict-dialog');
    await fireEvent(dialog, new Event('cancel', { cancelable: true }));
    expect(onanswer.mock.calls).toEqual([[null], [null]]);
  });
});
