/**
 * Keyboard shortcuts, written once as "Mod+Shift+U" and used three ways: matching key events,
 * the text shown in tooltips ("Ctrl+Shift+U", or "⇧⌘U" on a Mac) and `aria-keyshortcuts`.
 */

import { t } from './i18n.svelte';

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

export const SHORTCUTS = {
  uploadFiles: 'Mod+U',
  uploadFolder: 'Mod+Shift+U',
  open: 'Enter',
  download: 'Mod+S',
  share: 'Mod+Shift+C',
  doneEditing: 'Mod+Shift+D',
  delete: 'Delete',
  deletePermanently: 'Shift+Delete',
  undo: 'Mod+Z',
  up: 'Alt+ArrowUp',
  refresh: 'F5',
  search: 'Mod+F',
  searchAlt: 'Mod+K',
  filter: 'Mod+Shift+F',
  preview: 'Alt+P',
  transfers: 'Mod+J',
  connections: 'Mod+,',
  selectAll: 'Mod+A',
  newFolder: 'Mod+Shift+N',
  rename: 'F2',
  cut: 'Mod+X',
  copy: 'Mod+C',
  paste: 'Mod+V',
} as const;

export type ShortcutName = keyof typeof SHORTCUTS;

interface Parsed {
  mod: boolean;
  shift: boolean;
  alt: boolean;
  key: string;
}

function parse(shortcut: string): Parsed {
  const parts = shortcut.split('+');
  // "Mod+," splits into ["Mod", ","]; a literal "+" key is not used.
  const key = parts.pop()!;
  return { mod: parts.includes('Mod'), shift: parts.includes('Shift'), alt: parts.includes('Alt'), key };
}

export function matches(event: KeyboardEvent, shortcut: string): boolean {
  const want = parse(shortcut);
  const mod = isMac ? event.metaKey : event.ctrlKey;
  const otherMod = isMac ? event.ctrlKey : event.metaKey;
  if (mod !== want.mod || otherMod || event.shiftKey !== want.shift || event.altKey !== want.alt) return false;
  return event.key.length === 1 ? event.key.toLowerCase() === want.key.toLowerCase() : event.key === want.key;
}

const ARROWS: Record<string, string> = { ArrowUp: '↑', ArrowDown: '↓' };

/** How a key is written on this platform's keyboards, in the page's language ("Del", "Entf"). */
function keyName(key: string): string {
  if (key === 'Delete') return t('keys.delete');
  if (key === 'Enter') return t('keys.enter');
  return ARROWS[key] ?? (key.length === 1 ? key.toUpperCase() : key);
}

/** How a shortcut is written for people on this platform: "Ctrl+Shift+U", "Strg+Umschalt+U", "⇧⌘U". */
export function shortcutLabel(shortcut: string): string {
  const { mod, shift, alt, key } = parse(shortcut);
  const name = keyName(key);
  if (isMac) return `${alt ? '⌥' : ''}${shift ? '⇧' : ''}${mod ? '⌘' : ''}${name}`;
  return [mod && t('keys.ctrl'), alt && t('keys.alt'), shift && t('keys.shift'), name].filter(Boolean).join('+');
}

/** The `aria-keyshortcuts` value. */
export function ariaShortcut(shortcut: string): string {
  const { mod, shift, alt, key } = parse(shortcut);
  return [mod && (isMac ? 'Meta' : 'Control'), alt && 'Alt', shift && 'Shift', key].filter(Boolean).join('+');
}

/** "Upload files (Ctrl+U)" for a tooltip. */
export function tip(label: string, name: ShortcutName): string {
  return t('keys.tip', { label, shortcut: shortcutLabel(SHORTCUTS[name]) });
}

/** Keys typed into a text field belong to it, not to the dashboard. */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && !['checkbox', 'radio', 'button', 'submit'].includes(target.type);
}
