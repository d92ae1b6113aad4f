/**
 * The polite live region's text, and the gathering of transfer results into one sentence per second
 * ("report.pdf uploaded", "2 uploads failed") so a screen reader is not flooded by a big batch.
 */
import { announcement } from '../transfers';

export const GATHER_MS = 1000;

export class Announcer {
  message = $state('');
  #done: string[] = [];
  #failed = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;

  say(text: string): void {
    // Re-announcing the same sentence needs a change for assistive tech to notice it.
    this.message = this.message === text ? `${text}\u00a0` : text;
  }

  uploaded(name: string): void {
    this.#done.push(name);
    this.#schedule();
  }

  failed(): void {
    this.#failed += 1;
    this.#schedule();
  }

  /** Speak what was gathered now (e.g. when a batch ends). */
  flush(): void {
    if (this.#timer != null) clearTimeout(this.#timer);
    this.#timer = null;
    const text = announcement(this.#done, this.#failed);
    this.#done = [];
    this.#failed = 0;
    if (text) this.say(text);
  }

  #schedule(): void {
    this.#timer ??= setTimeout(() => this.flush(), GATHER_MS);
  }
}
