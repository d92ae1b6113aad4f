/**
 * Whole-bucket search, the parts that need no Rust: the filter menus and what each choice asks the
 * index for, and the status line under the results.
 */
import { t, type MessageKey } from './i18n.svelte';
import type { DocumentKind, SearchQuery } from './ipc';

/** A choice in a filter menu: its value, and the key of its label (worded when shown). */
export interface Choice<T> {
  value: T;
  label: MessageKey;
}

export const KIND_CHOICES: Choice<DocumentKind | ''>[] = [
  { value: '', label: 'search.anyType' },
  { value: 'pdf', label: 'search.kindPdf' },
  { value: 'word', label: 'search.kindWord' },
  { value: 'spreadsheet', label: 'search.kindSpreadsheet' },
  { value: 'presentation', label: 'search.kindPresentation' },
  { value: 'image', label: 'search.kindImage' },
  { value: 'text', label: 'search.kindText' },
  { value: 'archive', label: 'search.kindArchive' },
  { value: 'audio', label: 'search.kindAudio' },
  { value: 'video', label: 'search.kindVideo' },
  { value: 'other', label: 'search.kindOther' },
];

export type Modified = '' | 'today' | 'week' | 'month' | 'year';
export const MODIFIED_CHOICES: Choice<Modified>[] = [
  { value: '', label: 'search.anyTime' },
  { value: 'today', label: 'search.today' },
  { value: 'week', label: 'search.week' },
  { value: 'month', label: 'search.month' },
  { value: 'year', label: 'search.year' },
];

export type SizeChoice = '' | 'small' | 'medium' | 'large';
export const SIZE_CHOICES: Choice<SizeChoice>[] = [
  { value: '', label: 'search.anySize' },
  { value: 'small', label: 'search.small' },
  { value: 'medium', label: 'search.medium' },
  { value: 'large', label: 'search.large' },
];

const MB = 1024 * 1024;
const DAY = 86_400_000;

/** The index query for what the person typed and chose; `now` is injected for tests. */
export function searchQuery(text: string, kind: DocumentKind | '', modified: Modified, size: SizeChoice, now: number): SearchQuery {
  const startOfToday = new Date(now);
  startOfToday.setHours(0, 0, 0, 0);
  const after: Record<Modified, number | null> = {
    '': null,
    today: startOfToday.getTime(),
    week: now - 7 * DAY,
    month: now - 30 * DAY,
    year: now - 365 * DAY,
  };
  const sizes: Record<SizeChoice, [number | null, number | null]> = {
    '': [null, null],
    small: [null, MB - 1],
    medium: [MB, 100 * MB],
    large: [100 * MB + 1, null],
  };
  return {
    text: text.trim(),
    kind: kind === '' ? null : kind,
    modifiedAfterMs: after[modified],
    modifiedBeforeMs: null,
    minSize: sizes[size][0],
    maxSize: sizes[size][1],
    folder: null,
  };
}

/** "3 documents found", and whether the index is still being built. */
export function searchStatus(found: number, more: boolean, complete: boolean, indexed: number): string {
  const status = found === 0 ? t('search.noMatch') : t(more ? 'search.foundFirst' : 'search.found', { count: found });
  return complete ? status : t('search.indexing', { status, indexed });
}

/** "Invoices › 2024" for a result's folder; the connection's name at the top. */
export function folderPath(folder: string, top: string): string {
  const parts = folder.split('/').filter(Boolean);
  return parts.length === 0 ? top : parts.join(' › ');
}
