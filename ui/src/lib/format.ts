/**
 * Turning numbers, dates and names into the words staff read: sizes, dates, durations, document
 * kinds and counts, in the page's language and formatted for its locale (the `at` arguments, a
 * locale, exist for tests). Sizes use 1 KB = 1024 B everywhere, so a size never reads differently in
 * two places.
 */
import { locale, t } from './i18n.svelte';

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'] as const;

const numberFormats = new Map<string, Intl.NumberFormat>();

/** Formatters are cached: building one costs far more than using it, and lists format thousands. */
function numberFormat(locale: string, decimals: number): Intl.NumberFormat {
  const cacheKey = `${locale}|${decimals}`;
  let format = numberFormats.get(cacheKey);
  if (!format) {
    // No grouping: a size never reaches four digits but in bytes, and "1,023 B" reads oddly.
    format = new Intl.NumberFormat(locale, { minimumFractionDigits: decimals, maximumFractionDigits: decimals, useGrouping: false });
    numberFormats.set(cacheKey, format);
  }
  return format;
}

/** "512 B", "1.5 KB" ("1,5 KB" in German), "45.2 MB", "120 MB": one decimal below 100, none from 100 on. */
export function formatSize(bytes: number, at: string = locale()): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  if (bytes < 1024) return `${numberFormat(at, 0).format(Math.round(bytes))} B`;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  let decimals = value < 100 ? 1 : 0;
  let rounded = Number(value.toFixed(decimals));
  // Rounding can reach the next unit ("1024.0 KB"); say "1.0 MB" instead.
  if (rounded >= 1024 && unit < UNITS.length - 1) {
    unit += 1;
    decimals = 1;
    rounded = rounded / 1024;
  }
  return `${numberFormat(at, decimals).format(rounded)} ${UNITS[unit]}`;
}

export function formatSpeed(bytesPerSec: number | null, at: string = locale()): string {
  return bytesPerSec == null ? '' : `${formatSize(bytesPerSec, at)}/s`;
}

/** "45 s", "3 min 5 s", "2 h 10 min"; rounded up so "0 s" never shows while work remains. */
export function formatDuration(seconds: number | null): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return '';
  const s = Math.ceil(seconds);
  if (s < 60) return t('duration.seconds', { s });
  if (s < 3600) {
    const rest = s % 60;
    return rest ? t('duration.minutesSeconds', { m: Math.floor(s / 60), s: rest }) : t('duration.minutes', { m: s / 60 });
  }
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return m ? t('duration.hoursMinutes', { h, m }) : t('duration.hours', { h });
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

function dateFormat(at: string, timeZone: string | undefined, options: Intl.DateTimeFormatOptions, name: string): Intl.DateTimeFormat {
  const cacheKey = `${name}|${at}|${timeZone ?? ''}`;
  let format = dateFormats.get(cacheKey);
  if (!format) {
    format = new Intl.DateTimeFormat(at, { ...options, timeZone });
    dateFormats.set(cacheKey, format);
  }
  return format;
}

/**
 * Local date and time of a modification: "5 Mar 2024, 14:07", "05.03.2024, 14:07". `timeZone` exists
 * for tests; the app uses the system's. A scroll through 100,000 rows formats thousands, hence the cache.
 */
export function formatDate(ms: number | null, at: string = locale(), timeZone?: string): string {
  if (ms == null) return '';
  return dateFormat(at, timeZone, { dateStyle: 'medium', timeStyle: 'short' }, 'date').format(ms);
}

/** The time of day: "14:05", or "2:05 PM" where the locale says so. */
export function formatTime(ms: number, at: string = locale(), timeZone?: string): string {
  return dateFormat(at, timeZone, { timeStyle: 'short' }, 'time').format(ms);
}

/** The time of day to the second, for "Updated 14:05:09". */
export function formatTimeWithSeconds(ms: number, at: string = locale(), timeZone?: string): string {
  return dateFormat(at, timeZone, { timeStyle: 'medium' }, 'seconds').format(ms);
}

/** What a delete confirmation says: "3 documents and 1 folder — 120 objects, 45.2 MB". */
export function describeDelete(documents: number, folders: number, objects: number, bytes: number): string {
  const what =
    documents && folders
      ? t('delete.documentsAndFolders', { documents, folders })
      : documents
        ? t('delete.documents', { documents })
        : folders
          ? t('delete.folders', { folders })
          : t('delete.nothing');
  return t('delete.summary', { what, objects, size: formatSize(bytes) });
}

export type DocumentKind =
  | 'folder'
  | 'pdf'
  | 'word'
  | 'excel'
  | 'powerpoint'
  | 'image'
  | 'text'
  | 'mail'
  | 'archive'
  | 'generic';

const KIND_BY_EXTENSION: Record<string, DocumentKind> = {};
const EXTENSIONS: Record<Exclude<DocumentKind, 'folder' | 'generic'>, string[]> = {
  pdf: ['pdf'],
  word: ['doc', 'docx', 'docm', 'dot', 'dotx', 'odt', 'rtf', 'pages'],
  excel: ['xls', 'xlsx', 'xlsm', 'xlsb', 'xlt', 'xltx', 'ods', 'csv', 'tsv', 'numbers'],
  powerpoint: ['ppt', 'pptx', 'pptm', 'pps', 'ppsx', 'odp', 'key'],
  image: ['png', 'jpg', 'jpeg', 'gif', 'bmp', 'tif', 'tiff', 'webp', 'heic', 'heif', 'svg', 'ico'],
  text: ['txt', 'md', 'log', 'json', 'xml', 'yaml', 'yml', 'ini', 'html', 'htm'],
  mail: ['eml', 'msg', 'mbox', 'emlx'],
  archive: ['zip', '7z', 'rar', 'tar', 'gz', 'tgz', 'bz2', 'xz', 'zst'],
};
for (const [kind, extensions] of Object.entries(EXTENSIONS)) {
  for (const extension of extensions) KIND_BY_EXTENSION[extension] = kind as DocumentKind;
}

export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

export function kindOf(name: string, isFolder: boolean): DocumentKind {
  if (isFolder) return 'folder';
  return KIND_BY_EXTENSION[extensionOf(name)] ?? 'generic';
}

/** What the Type column calls a kind: "Spreadsheet", "Tabelle". */
export function kindLabel(kind: DocumentKind): string {
  return t(`kinds.${kind}`);
}

/**
 * The name "Keep both" is expected to store under: "report (1).pdf", or the next free number. The
 * engine picks the final name; this is only what the dialog promises, from what the folder shows.
 */
export function keepBothName(name: string, isFolder: boolean, taken: ReadonlySet<string>): string {
  const dot = isFolder ? -1 : name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  for (let n = 1; ; n += 1) {
    const candidate = `${stem} (${n})${ext}`;
    if (!taken.has(candidate)) return candidate;
  }
}
