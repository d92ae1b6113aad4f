/**
 * The catalogues: complete in both languages, every message valid ICU, the German placeholders the
 * English ones, and every key the source uses present. Also how the language is chosen and switched.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { IntlMessageFormat } from 'intl-messageformat';
import { afterEach, describe, expect, it } from 'vitest';
import de from '../../src/lib/i18n/de.json';
import en from '../../src/lib/i18n/en.json';
import errorsDe from '../../src/lib/i18n/errors.de.json';
import errorsEn from '../../src/lib/i18n/errors.en.json';
import {
  formattingLocale,
  language,
  locale,
  messageParts,
  type MessageKey,
  setLanguage,
  systemLanguage,
  t,
} from '../../src/lib/i18n.svelte';

const SRC = resolve(__dirname, '../../src');

type Tree = { [key: string]: string | Tree };

/** "a.b.c" → message, for a nested catalogue. */
function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const flat = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    if (typeof value === 'string') flat.set(prefix + key, value);
    else for (const [inner, message] of flatten(value, `${prefix}${key}.`)) flat.set(inner, message);
  }
  return flat;
}

const CATALOGUES = {
  ui: { en: flatten(en), de: flatten(de) },
  errors: { en: flatten(errorsEn), de: flatten(errorsDe) },
};

interface Element {
  type: number;
  value?: unknown;
  options?: Record<string, { value: Element[] }>;
}

/** The names of every placeholder in an ICU message, nested ones (inside plural branches) included. */
function placeholders(message: string, locale: string): Set<string> {
  // Parsed as i18next-icu parses it: tags are plain text.
  const ast = new IntlMessageFormat(message, locale, undefined, { ignoreTag: true }).getAst() as Element[];
  const names = new Set<string>();
  const walk = (elements: Element[]) => {
    for (const element of elements) {
      // Literal text (type 0) and `#` carry no name; every other element is a placeholder.
      if (element.type !== 0 && typeof element.value === 'string') names.add(element.value);
      for (const option of Object.values(element.options ?? {})) walk(option.value);
    }
  };
  walk(ast);
  return names;
}

describe.each(Object.entries(CATALOGUES))('the %s catalogue', (_, { en, de }) => {
  it('has every English key in German, and nothing German that English lacks', () => {
    expect([...en.keys()].filter((key) => !de.has(key)), 'keys missing in German').toEqual([]);
    expect([...de.keys()].filter((key) => !en.has(key)), 'German keys English does not have').toEqual([]);
    expect(en.size, 'the catalogue was read').toBeGreaterThan(20);
  });

  it.each([
    ['en', en],
    ['de', de],
  ] as const)('parses as ICU MessageFormat in %s', (lang, messages) => {
    const broken: string[] = [];
    for (const [key, message] of messages) {
      try {
        placeholders(message, lang);
      } catch (error) {
        broken.push(`${key}: ${(error as Error).message}`);
      }
    }
    expect(broken, 'every message must parse, or the page shows it raw').toEqual([]);
  });

  it('gives each German message the placeholders of the English one', () => {
    const differ: string[] = [];
    for (const [key, english] of en) {
      const german = de.get(key);
      if (german == null) continue;
      const want = [...placeholders(english, 'en')].sort();
      const have = [...placeholders(german, 'de')].sort();
      if (want.join() !== have.join()) differ.push(`${key}: English {${want.join(', ')}}, German {${have.join(', ')}}`);
    }
    expect(differ, 'a missing placeholder drops a value, an extra one fails to format').toEqual([]);
  });

  it('names no placeholder after an option of i18next, which would take it for itself', () => {
    const reserved = new Set(['lng', 'lngs', 'ns', 'context', 'defaultValue', 'replace', 'ordinal', 'returnObjects', 'postProcess', 'interpolation']);
    const clash = [...en].filter(([, message]) => [...placeholders(message, 'en')].some((name) => reserved.has(name)));
    expect(clash.map(([key]) => key)).toEqual([]);
  });
});

describe('the UI catalogues', () => {
  it.each([
    ['en', CATALOGUES.ui.en],
    ['de', CATALOGUES.ui.de],
    ['errors.de', CATALOGUES.errors.de],
  ] as const)('use typographic apostrophes in %s, never an ASCII one (an ICU escape that can swallow a placeholder)', (_, messages) => {
    expect([...messages].filter(([, message]) => message.includes("'")).map(([key]) => key)).toEqual([]);
  });

  it('quote the German way in German: „…“, never “…”', () => {
    const wrong = [...CATALOGUES.ui.de, ...CATALOGUES.errors.de].filter(([, message]) => /“[^“„]*”|"/.test(message));
    expect(wrong.map(([key]) => key)).toEqual([]);
  });
});

/** Every .ts and .svelte file under src/, with its text. */
function sources(dir = SRC): { path: string; text: string }[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|svelte)$/.test(name) ? [{ path: relative(SRC, path), text: readFileSync(path, 'utf8') }] : [];
  });
}

/** The first argument of every `name(` call in `text`, up to its top-level comma or closing parenthesis. */
function firstArguments(text: string, name: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(new RegExp(`(?<![\\w.$])${name}\\(`, 'g'))) {
    let depth = 0;
    let quote: string | null = null;
    let end = match.index + match[0].length;
    for (; end < text.length; end += 1) {
      const c = text[end];
      if (quote) {
        if (c === '\\') end += 1;
        else if (c === quote) quote = null;
      } else if (c === "'" || c === '"' || c === '`') quote = c;
      else if ('([{'.includes(c)) depth += 1;
      else if (')]}'.includes(c)) {
        if (depth === 0) break;
        depth -= 1;
      } else if (c === ',' && depth === 0) break;
    }
    found.push(text.slice(match.index + match[0].length, end));
  }
  return found;
}

describe('the keys the source uses', () => {
  const files = sources();
  const groups = new Set([...CATALOGUES.ui.en.keys()].map((key) => key.split('.')[0]));
  const key = /['"`]([a-z][A-Za-z]*(?:\.[A-Za-z][A-Za-z0-9]*)+)['"`]/g;
  // Keys built at run time: t(`kinds.${kind}`) uses every key under "kinds.".
  const dynamic = /^`([a-z][A-Za-z]*(?:\.[A-Za-z]+)*)\.\$\{/;

  /** Where each key is used: in t(…) (a ternary of keys included), <Message key=…>, and tables of keys. */
  const used = new Map<string, string>();
  const prefixes = new Map<string, string>();
  let calls = 0;
  for (const { path, text } of files) {
    for (const argument of firstArguments(text, 't')) {
      calls += 1;
      for (const [, found] of argument.matchAll(key)) used.set(found, path);
      const prefix = argument.trim().match(dynamic);
      if (prefix) prefixes.set(`${prefix[1]}.`, path);
    }
    for (const [, found] of text.matchAll(/<Message[^>]*?\skey="([^"]+)"/g)) used.set(found, path);
    for (const [, inner] of text.matchAll(/<Message[^>]*?\skey=\{([^}]+)\}/g)) {
      for (const [, found] of inner.matchAll(key)) used.set(found, path);
    }
    // Keys kept in tables (menus, column labels) and passed to t() later: any quoted "group.name"
    // whose group the catalogue has.
    for (const [, found] of text.matchAll(key)) if (groups.has(found.split('.')[0])) used.set(found, path);
  }

  it('finds the t() calls of the source (the scan itself works)', () => {
    expect(calls, 't() calls found').toBeGreaterThan(300);
    expect(used.size, 'distinct keys found').toBeGreaterThan(300);
    expect(used.get('delete.askPermanent'), 'a key in a ternary given to <Message>').toBe('components/DeleteDialog.svelte');
    expect(used.get('organise.copyDone'), 'a key in a ternary given to t()').toBe('App.svelte');
    expect(used.get('search.kindPdf'), 'a key in a table').toBe('lib/search.ts');
    expect([...prefixes.keys()].sort()).toEqual(['kinds.', 'language.']);
  });

  it('has every key the source uses in the catalogue', () => {
    const missing = [...used].filter(([found]) => !CATALOGUES.ui.en.has(found)).map(([found, path]) => `${found} (${path})`);
    expect(missing).toEqual([]);
    const empty = [...prefixes].filter(([prefix]) => ![...CATALOGUES.ui.en.keys()].some((known) => known.startsWith(prefix)));
    expect(empty.map(([prefix, path]) => `${prefix}* (${path})`)).toEqual([]);
  });

  it('uses every key of the catalogue, so no translation is kept for words nothing shows', () => {
    const unused = [...CATALOGUES.ui.en.keys()].filter((known) => !used.has(known) && ![...prefixes.keys()].some((prefix) => known.startsWith(prefix)));
    expect(unused).toEqual([]);
  });
});

describe('choosing the language', () => {
  afterEach(() => setLanguage(null));

  it('follows the first system language it has words for, else English', () => {
    expect(systemLanguage(['de-AT', 'en-US'])).toBe('de');
    expect(systemLanguage(['fr-FR', 'de-CH', 'en'])).toBe('de');
    expect(systemLanguage(['en-GB', 'de'])).toBe('en');
    expect(systemLanguage(['fr-FR', 'it'])).toBe('en');
    expect(systemLanguage([])).toBe('en');
  });

  it("formats for the system's own variant of the language, where it has one", () => {
    expect(formattingLocale('de', ['de-CH', 'en-GB'])).toBe('de-CH');
    expect(formattingLocale('en', ['de-CH', 'en-GB'])).toBe('en-GB');
    expect(formattingLocale('en', ['de-DE'])).toBe('en');
  });

  it('switches every message at once, and back to the system with null', () => {
    setLanguage('de', ['en-GB']);
    expect([language(), locale()]).toEqual(['de', 'de']);
    expect(t('actions.uploadFiles')).toBe('Dateien hochladen');
    expect(document.documentElement.lang, 'screen readers speak the page in its language').toBe('de');
    setLanguage(null, ['en-GB']);
    expect([language(), locale()]).toEqual(['en', 'en-GB']);
    expect(t('actions.uploadFiles')).toBe('Upload files');
    expect(document.documentElement.lang).toBe('en');
  });

  it('pluralises and formats counts for the language', () => {
    expect(t('status.items', { count: 1 })).toBe('1 item');
    expect(t('status.items', { count: 100_001 })).toBe('100,001 items');
    setLanguage('de');
    expect(t('status.items', { count: 1 })).toBe('1 Element');
    expect(t('status.items', { count: 100_001 })).toBe('100.001 Elemente');
    // The same language in another variant: messages already compiled must not keep the old one.
    setLanguage('en', ['en-IN']);
    expect(t('status.items', { count: 100_001 })).toBe('1,00,001 items');
    setLanguage('en', ['en-US']);
    expect(t('status.items', { count: 100_001 })).toBe('100,001 items');
  });

  it('gives every message that takes no values exactly as ICU formats it, in both languages', () => {
    for (const lng of ['en', 'de'] as const) {
      setLanguage(lng);
      for (const [key, message] of CATALOGUES.ui[lng]) {
        if (placeholders(message, lng).size > 0) continue;
        const formatted = new IntlMessageFormat(message, lng, undefined, { ignoreTag: true }).format() as string;
        expect(t(key as MessageKey), key).toBe(formatted);
      }
    }
  });

  it('cuts a message where its bold placeholders go, wherever the language puts them', () => {
    expect(messageParts('share.text', {}, ['name'])).toEqual([
      { text: 'Anyone with the link can download ' },
      { slot: 'name' },
      { text: ' until it expires.' },
    ]);
    setLanguage('de');
    expect(messageParts('delete.askTrash', {}, ['names'])).toEqual([{ slot: 'names' }, { text: ' in den Papierkorb verschieben?' }]);
  });
});
