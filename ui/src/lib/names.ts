/**
 * Names as they are safe to show and act on: invisible formatting characters made visible, so
 * "invoice‮fdp.exe" cannot pass for a PDF, and the types that run code when opened.
 */
import { RUNS_CODE } from './ipc';

/**
 * Bidirectional controls, zero-width characters and other invisible formatting (Unicode category
 * Cf), which can make a name read differently from what it is.
 */
const INVISIBLE = /\p{Cf}/gu;

/** `name` with every invisible formatting character shown as its code, like ⟦U+202E⟧. */
export function visibleName(name: string): string {
  return name.replace(INVISIBLE, (c) => `⟦U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}⟧`);
}

/** Whether opening `name` with the system's default app would run code (a program, a script…). */
export function runsCode(name: string): boolean {
  const trimmed = name.replace(/[. ]+$/, '');
  const dot = trimmed.lastIndexOf('.');
  return dot >= 0 && RUNS_CODE.includes(trimmed.slice(dot + 1).toLowerCase());
}
