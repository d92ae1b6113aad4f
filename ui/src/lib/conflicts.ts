/**
 * Deciding what happens to each dropped or picked item whose name already exists in the destination.
 * Nothing is ever overwritten without an answer: every conflicting item gets a choice, either asked
 * one by one or carried over by "Do this for all remaining conflicts".
 */
import type { ConflictChoice, Selection, SelectionItem } from './ipc';

export interface ConflictAnswer {
  choice: ConflictChoice;
  applyToRemaining: boolean;
}

export interface ConflictQuestion {
  item: SelectionItem;
  /** 1-based position among the conflicts, and how many there are, for "Conflict 2 of 5". */
  position: number;
  count: number;
}

/**
 * Asks about each conflicting item in order and returns the choices to send with `upload_selection`
 * (items without a conflict need no entry). Resolves to null if the user cancels the upload (`ask`
 * answers null), in which case nothing is uploaded.
 */
export async function resolveConflicts(
  selection: Selection,
  ask: (question: ConflictQuestion) => Promise<ConflictAnswer | null>,
): Promise<Record<string, ConflictChoice> | null> {
  const conflicts = selection.items.filter((item) => item.exists);
  const choices: Record<string, ConflictChoice> = {};
  let forAll: ConflictChoice | null = null;
  for (const [index, item] of conflicts.entries()) {
    if (forAll) {
      choices[item.name] = forAll;
      continue;
    }
    const answer = await ask({ item, position: index + 1, count: conflicts.length });
    if (!answer) return null;
    choices[item.name] = answer.choice;
    if (answer.applyToRemaining) forAll = answer.choice;
  }
  return choices;
}

/** Items that will actually be sent, for the "Uploading 3 documents" message. */
export function itemsToUpload(selection: Selection, choices: Record<string, ConflictChoice>): SelectionItem[] {
  return selection.items.filter((item) => choices[item.name] !== 'skip');
}
