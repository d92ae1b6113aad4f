/**
 * Organising documents, the parts that need no Rust: checking a typed name, the part of a name a
 * rename selects, where a drag may drop, and the words that report a move.
 */
import { t } from './i18n.svelte';
import type { Moved } from './ipc';

/** Why `name` cannot name a document or folder here, or null when it can. */
export function nameProblem(name: string, taken: ReadonlySet<string>, current: string | null = null): string | null {
  const trimmed = name.trim();
  if (!trimmed) return t('organise.nameEmpty');
  if (trimmed.includes('/')) return t('organise.nameSlash');
  if (trimmed === '.' || trimmed === '..') return t('organise.nameDots');
  if (trimmed.startsWith('.coffer-')) return t('organise.nameReserved');
  if (trimmed !== current && taken.has(trimmed)) return t('organise.nameTaken', { name: trimmed });
  return null;
}

/** The characters a rename selects first: the name without its extension, as file managers do. */
export function stemRange(name: string, isFolder: boolean): [number, number] {
  const dot = isFolder ? -1 : name.lastIndexOf('.');
  return [0, dot > 0 ? dot : name.length];
}

/** The first "New folder", "New folder (1)"… (in the page's language) not in `taken`. */
export function newFolderName(taken: ReadonlySet<string>): string {
  const name = t('organise.newFolderName');
  if (!taken.has(name)) return name;
  for (let n = 1; ; n += 1) {
    const numbered = t('organise.numberedName', { name, number: n });
    if (!taken.has(numbered)) return numbered;
  }
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

/** What the person asked for: a move or a copy into a folder, or a rename in place. */
export type Relocation = 'move' | 'copy' | 'rename';

/** "Moved 3 documents to Projects", with what was skipped, stopped or left behind. */
export function describeMoved(moved: Moved, how: Relocation, where: string): string {
  const count = moved.done.length;
  const parts = [
    how === 'rename' ? t('organise.renamed') : t(how === 'move' ? 'organise.moved' : 'organise.copied', { count, where }),
  ];
  if (moved.skipped > 0) parts.push(t('organise.skipped', { count: moved.skipped }));
  if (moved.cancelled) parts.push(t('organise.stopped'));
  if (moved.failed.length > 0) parts.push(t('organise.stayed', { count: moved.failed.length }));
  return parts.join('; ');
}
