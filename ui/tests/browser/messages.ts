/**
 * The words the page under test shows, taken from the app's own catalogues in the locale the suite
 * runs in, so one suite checks the English page and the German one. `COFFER_TEST_LOCALE` picks it
 * ("de", "de-DE", "en-GB"…; American English by default); Chromium is started in that locale, and the
 * page follows it as the app follows the system's.
 *
 * Messages are formatted here with `intl-messageformat`, the formatter the app's i18next-icu uses,
 * but without the app's code: a wrong key or a missing placeholder in the app still fails a test.
 */
import { IntlMessageFormat } from 'intl-messageformat';
import de from '../../src/lib/i18n/de.json';
import en from '../../src/lib/i18n/en.json';
import errorsDe from '../../src/lib/i18n/errors.de.json';
import errorsEn from '../../src/lib/i18n/errors.en.json';

export type Language = 'en' | 'de';

const REGIONS: Record<Language, string> = { en: 'en-US', de: 'de-DE' };

function localeFrom(value: string | undefined): string {
  const tag = value?.trim() || 'en';
  const language = tag.split('-')[0].toLowerCase();
  if (language !== 'en' && language !== 'de') throw new Error(`COFFER_TEST_LOCALE=${tag}: the app has words for en and de only`);
  return tag.includes('-') ? tag : REGIONS[language];
}

/** The locale Chromium runs in ("de-DE"). */
export const LOCALE = localeFrom(process.env.COFFER_TEST_LOCALE);
/** The language the page shows. */
export const LANGUAGE = LOCALE.split('-')[0].toLowerCase() as Language;
/** The other language, to switch to. */
export const OTHER: Language = LANGUAGE === 'en' ? 'de' : 'en';

type Tree = { [key: string]: string | Tree };
const UI: Record<Language, Tree> = { en, de };
const ERRORS: Record<Language, Record<string, string>> = { en: errorsEn, de: errorsDe };

type Params = Record<string, string | number>;

function lookup(tree: Tree, key: string): string {
  const found = key.split('.').reduce<string | Tree | undefined>((node, part) => (typeof node === 'object' ? node[part] : undefined), tree);
  if (typeof found !== 'string') throw new Error(`no message ${key}`);
  return found;
}

function format(message: string, params: Params, locale: string): string {
  return String(new IntlMessageFormat(message, locale, undefined, { ignoreTag: true }).format(params));
}

/** Message `key` of the UI catalogue with `params`, as the page under test shows it. */
export function msg(key: string, params: Params = {}): string {
  return format(lookup(UI[LANGUAGE], key), params, LOCALE);
}

/** Message `key` in `language`, for the page after a switch. */
export function msgIn(language: Language, key: string, params: Params = {}): string {
  return format(lookup(UI[language], key), params, language === LANGUAGE ? LOCALE : REGIONS[language]);
}

/** The words for engine error `code` (its parameters are strings, whole numbers included). */
export function errorMsg(code: string, params: Record<string, string> = {}): string {
  const values: Params = {};
  for (const [name, value] of Object.entries(params)) values[name] = /^(0|[1-9][0-9]*)$/.test(value) ? Number(value) : value;
  return format(ERRORS[LANGUAGE][code], values, LOCALE);
}

/** Placeholders formatted as numbers (`{n, number}`, `{n, plural, …}`), where a pattern cannot stand in. */
function countedPlaceholders(message: string): Set<string> {
  const names = new Set<string>();
  type Element = { type: number; value?: unknown; options?: Record<string, { value: Element[] }> };
  const walk = (elements: Element[]) => {
    for (const element of elements) {
      // 2: number, 6: plural (the parser's element types).
      if ((element.type === 2 || element.type === 6) && typeof element.value === 'string') names.add(element.value);
      for (const option of Object.values(element.options ?? {})) walk(option.value);
    }
  };
  walk(new IntlMessageFormat(message, LOCALE, undefined, { ignoreTag: true }).getAst() as Element[]);
  return names;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A pattern for message `key` where some placeholders are patterns themselves: `matching('status.selected',
 * { count: 3, size: /.+/ })` matches "3 selected (247 KB)" and "3 ausgewählt (247 KB)". A placeholder
 * that picks a plural form needs its number, not a pattern.
 */
export function matching(key: string, params: Record<string, string | number | RegExp>): RegExp {
  const plain: Params = {};
  const holes: string[] = [];
  const counted = countedPlaceholders(lookup(UI[LANGUAGE], key));
  for (const [name, value] of Object.entries(params)) {
    if (value instanceof RegExp) {
      if (counted.has(name)) throw new Error(`${key}: {${name}} is a number the message formats or pluralises; give it one`);
      plain[name] = `\uE000${holes.length}\uE001`;
      holes.push(value.source);
    } else plain[name] = value;
  }
  const text = escape(msg(key, plain)).replace(/\uE000(\d+)\uE001/g, (_, index: string) => `(?:${holes[Number(index)]})`);
  return new RegExp(text);
}

/** A size the way the page writes it with one decimal: "1.5 MB", "1,5 MB". */
export function decimalSize(value: number, unit: string): string {
  return `${new Intl.NumberFormat(LOCALE, { minimumFractionDigits: 1, maximumFractionDigits: 1, useGrouping: false }).format(value)} ${unit}`;
}

/** The time of day of `date` as the page writes it ("10:32", "10:32 AM"). */
export function time(date: Date): string {
  return new Intl.DateTimeFormat(LOCALE, { timeStyle: 'short' }).format(date);
}

/**
 * Text with every kind of space made a plain one: ICU versions differ in the space before "AM"
 * (U+202F or U+0020), and Node's and Chromium's need not be the same version.
 */
export function spaced(text: string | null): string {
  return (text ?? '').replace(/\s/g, ' ');
}
