/**
 * Whole-bucket search, the parts that need no Rust: the filter menus and what each choice asks the
 * index for, and the status line under the results.
 */
import { plural } from './format';
import type { DocumentKind, SearchQuery } from './ipc';

export const KIND_CHOICES: { value: DocumentKind | ''; label: string }[] = [
  { value: '', label: 'Any type' },
  { value: 'pdf', label: 'PDF' },
  { value: 'word', label: 'Word' },
  { value: 'spreadsheet', label: 'Spreadsheet' },
  { value: 'presentation', label: 'Presentation' },
  { value: 'image', label: 'Image' },
  { value: 'text', label: 'Text' },
  { value: 'archive', label: 'Archive' },
  { value: 'audio', label: 'Audio' },
  { value: 'video', label: 'Video' },
  { value: 'other', label: 'Other' },
];

export type Modified = '' | 'today' | 'week' | 'month' | 'year';
export const MODIFIED_CHOICES: { value: Modified; label: string }[] = [
  { value: '', label: 'Any time' },
  { value: 'today', label: 'Today' },
  { value: 'week', label: 'Last 7 days' },
  { value: 'month', label: 'Last 30 days' },
  { value: 'year', label: 'Last 12 months' },
];

export type SizeChoice = '' | 'small' | 'medium' | 'large';
export const SIZE_CHOICES: { value: SizeChoice; label: string }[] = [
  { value: '', label: 'Any size' },
  { value: 'small', label: 'Under 1 MB' },
  { value: 'medium', label: '1 MB to 100 MB' },
  { value: 'large', label: 'Over 100 MB' },
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
  const count = found === 0 ? 'No documents match' : `${more ? 'The first ' : ''}${plural(found, 'document')} found`;
  if (complete) return count;
  return `${count}. Still indexing the bucket (${plural(indexed, 'document')} so far): results may be incomplete.`;
}

/** "Invoices › 2024" for a result's folder; the connection's name at the top. */
export function folderPath(folder: string, top: string): string {
  const parts = folder.split('/').filter(Boolean);
  return parts.length === 0 ? top : parts.join(' › ');
}
