/**
 * Coalescing re-lists: many requests while a listing runs collapse into one more listing afterwards,
 * so 1,000 quick upload completions cost a handful of listings, not 1,000. At most one run is in
 * flight and at most one is pending; a short delay before each run lets a burst gather first.
 */

export interface Coalescer {
  /** Ask for a run; returns at once. */
  request(): void;
  /** Whether a run is in flight or waiting. */
  readonly busy: boolean;
  /** Drop a waiting run (e.g. when the user navigates away; the new listing supersedes it). */
  cancelPending(): void;
}

export function coalesce(run: () => Promise<unknown>, delayMs = 150): Coalescer {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running = false;
  let pending = false;

  const start = () => {
    timer = null;
    running = true;
    pending = false;
    // A failed run must not wedge the coalescer; the runner reports its own errors.
    Promise.resolve()
      .then(run)
      .catch(() => {})
      .finally(() => {
        running = false;
        if (pending) schedule();
      });
  };

  const schedule = () => {
    if (timer == null) timer = setTimeout(start, delayMs);
  };

  return {
    request() {
      if (running) pending = true;
      else schedule();
    },
    get busy() {
      return running || timer != null || pending;
    },
    cancelPending() {
      pending = false;
      if (timer != null) {
        clearTimeout(timer);
        timer = null;
      }
    },
  };
}
