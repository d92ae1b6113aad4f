/**
 * What a document's preview is made of, decided from its name and size before anything is read,
 * and the reading itself: ranges through Rust, a cap for images and text.
 */
import { extensionOf } from './format';

export type PreviewKind = 'pdf' | 'image' | 'text' | 'csv' | 'markdown' | 'none';

/** Images larger than this are not read for a preview (one read through Rust at most). */
export const IMAGE_CAP = 16 * 1024 * 1024;
/** The most one read through Rust returns (the engine's MAX_READ). */
export const MAX_READ = 16 * 1024 * 1024;
/** Text shows at most this much, from the start. */
export const TEXT_CAP = 256 * 1024;

const IMAGE_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  bmp: 'image/bmp',
  avif: 'image/avif',
};
const TEXT = new Set(['txt', 'log', 'json', 'xml', 'yaml', 'yml', 'ini', 'cfg', 'conf', 'tsv', 'rtf', 'eml']);

export function previewKind(name: string): PreviewKind {
  const extension = extensionOf(name);
  if (extension === 'pdf') return 'pdf';
  if (extension in IMAGE_TYPES) return 'image';
  if (extension === 'csv') return 'csv';
  if (extension === 'md' || extension === 'markdown') return 'markdown';
  if (TEXT.has(extension)) return 'text';
  return 'none';
}

/** The MIME type an image is shown as (SVG is left out: it can carry script). */
export function imageType(name: string): string {
  return IMAGE_TYPES[extensionOf(name)] ?? 'application/octet-stream';
}

/** Text from the first bytes of a document; a character cut at the cap is dropped, not garbled. */
export function decodeText(bytes: Uint8Array, truncated: boolean): string {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  return truncated ? text.replace(/\uFFFD+$/, '') : text;
}
