/**
 * The question the conflict dialog is showing, if any, and the promise waiting for its answer. The
 * upload flow awaits `ask`; the dialog calls `answer`.
 */
import type { ConflictAnswer, ConflictQuestion } from '../conflicts';

export class ConflictPrompt {
  question = $state.raw<ConflictQuestion | null>(null);
  #resolve: ((answer: ConflictAnswer | null) => void) | null = null;

  ask(question: ConflictQuestion): Promise<ConflictAnswer | null> {
    // A question left open is cancelled: only one batch asks at a time.
    this.#resolve?.(null);
    this.question = question;
    return new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  /** null cancels the whole upload. */
  answer(answer: ConflictAnswer | null): void {
    const resolve = this.#resolve;
    this.#resolve = null;
    this.question = null;
    resolve?.(answer);
  }
}
