/**
 * Organising documents, the parts that need no Rust: checking a typed name, the part of a name a
 * rename selects, where a drag may drop, and the words that report a move.
 */
import { plural } from './format';
import type { Moved } from './ipc';

/** Why `name` cannot name a document or folder here, or null when it can. */
export function nameProblem(name: string, taken: ReadonlySet<string>, current: string | null = null): string | null {
  const trimmed = name.trim();
  if (!trimmed) return 'Type a name.';
  if (trimmed.includes('/')) return 'A name cannot contain “/”.';
  if (trimmed === '.' || trimmed === '..') return 'A name cannot be just dots.';
  if (trimmed.startsWith('.coffer-')) return 'Names starting with “.coffer-” are kept for Coffer.';
  if (trimmed !== current && taken.has(trimmed)) return `“${trimmed}” is already in this folder.`;
  return null;
}

/** The characters a rename selects first: the name without its extension, as file managers do. */
export function stemRange(name: string, isFolder: boolean): [number, number] {
  const dot = isFolder ? -1 : name.lastIndexOf('.');
  return [0, dot > 0 ? dot : name.length];
}

/** The first "New folder", "New folder (1)"… not in `taken`. */
export function newFolderName(taken: ReadonlySet<string>): string {
  if (!taken.has('New folder')) return 'New folder';
  for (let n = 1; ; n += 1) if (!taken.has(`New folder (${n})`)) return `New folder (${n})`;
}

/** The folder holding `key` ('' at the top). */
export function parentOf(key: string): string {
  const trimmed = key.endsWith('/') ? key.slice(0, -1) : key;
  return trimmed.slice(0, trimmed.lastIndexOf('/') + 1);
}

/**
 * Whether `keys` may be dropped into `folder`: not onto one of themselves or inside a dragged
 * folder, and not where every one of them already is.
 */
export function canDrop(keys: readonly string[], folder: string): boolean {
  if (keys.length === 0) return false;
  if (keys.some((key) => key.endsWith('/') && folder.startsWith(key))) return false;
  return keys.some((key) => parentOf(key) !== folder);
}

/** "Moved 3 items to Projects", with what was skipped, stopped or left behind. */
export function describeMoved(moved: Moved, verb: 'Moved' | 'Copied' | 'Renamed', where: string): string {
  const parts = [verb === 'Renamed' ? 'Renamed' : `${verb} ${plural(moved.done.length, 'document')} to ${where}`];
  if (moved.skipped > 0) parts.push(`skipped ${plural(moved.skipped, 'document')} whose names were taken`);
  if (moved.cancelled) parts.push('stopped: the rest was left where it was');
  if (moved.failed.length > 0) parts.push(`${plural(moved.failed.length, 'document')} stayed where they were`);
  return parts.join('; ');
}
