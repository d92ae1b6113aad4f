/**
 * Turning numbers, dates and names into the words staff read: sizes, dates, durations, document
 * kinds and counts. Sizes use 1 KB = 1024 B everywhere, so a size never reads differently in two places.
 */

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'] as const;

/** "512 B", "1.5 KB", "45.2 MB", "120 MB": one decimal below 100, none from 100 on. */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  let text = value < 100 ? value.toFixed(1) : Math.round(value).toString();
  // Rounding can reach the next unit ("1024.0 KB"); say "1.0 MB" instead.
  if (Number(text) >= 1024 && unit < UNITS.length - 1) {
    unit += 1;
    text = (Number(text) / 1024).toFixed(1);
  }
  return `${text} ${UNITS[unit]}`;
}

export function formatSpeed(bytesPerSec: number | null): string {
  return bytesPerSec == null ? '' : `${formatSize(bytesPerSec)}/s`;
}

/** "45 s", "3 min 5 s", "2 h 10 min"; rounded up so "0 s" never shows while work remains. */
export function formatDuration(seconds: number | null): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return '';
  const s = Math.ceil(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) {
    const rest = s % 60;
    return rest ? `${Math.floor(s / 60)} min ${rest} s` : `${s / 60} min`;
  }
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return m ? `${h} h ${m} min` : `${h} h`;
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * Local date and time of a modification. `locale` and `timeZone` exist for tests; the app uses the
 * system's. Formatters are cached because building one costs far more than formatting a date, and a
 * scroll through 100,000 rows formats thousands.
 */
export function formatDate(ms: number | null, locale?: string, timeZone?: string): string {
  if (ms == null) return '';
  const cacheKey = `${locale ?? ''}|${timeZone ?? ''}`;
  let format = dateFormats.get(cacheKey);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone });
    dateFormats.set(cacheKey, format);
  }
  return format.format(ms);
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;
}

/** What a delete confirmation says: "3 documents and 1 folder — 120 objects, 45.2 MB". */
export function describeDelete(documents: number, folders: number, objects: number, bytes: number): string {
  const parts: string[] = [];
  if (documents) parts.push(plural(documents, 'document'));
  if (folders) parts.push(plural(folders, 'folder'));
  return `${parts.join(' and ') || 'Nothing'} — ${plural(objects, 'object')}, ${formatSize(bytes)}`;
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

export const KIND_LABELS: Record<DocumentKind, string> = {
  folder: 'Folder',
  pdf: 'PDF document',
  word: 'Word document',
  excel: 'Spreadsheet',
  powerpoint: 'Presentation',
  image: 'Image',
  text: 'Text',
  mail: 'E-mail',
  archive: 'Archive',
  generic: 'Document',
};

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
