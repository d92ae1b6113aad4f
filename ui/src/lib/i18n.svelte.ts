/**
 * The page's words, in English and German: i18next with ICU MessageFormat (i18next-icu, which
 * formats with FormatJS `intl-messageformat`), from the catalogues in `i18n/`. Engine errors have
 * their own namespace, `errors`, keyed by the error's code.
 *
 * The one design decision: the language is a rune that `t` reads. Everything worded through `t`
 * (templates, `$derived`, the functions they call) therefore re-renders when the language changes,
 * so switching needs no reload and no subscription anywhere. The language follows the system
 * (`navigator.languages`, which WebKitGTK derives from the process locale) unless the person chose
 * one in Settings. Numbers and dates are formatted for the system's own variant of that language
 * (en-GB, de-AT) where it has one.
 */
import i18next from 'i18next';
import ICU from 'i18next-icu';
import de from './i18n/de.json';
import en from './i18n/en.json';
// Generated from the engine's error catalogue (Rust); the German one translates it.
import errorsDe from './i18n/errors.de.json';
import errorsEn from './i18n/errors.en.json';

export const LANGUAGES = ['en', 'de'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Every message key of the UI catalogue, as `t` takes it ("actions.uploadFiles"). */
export type MessageKey = Leaves<typeof en>;
type Leaves<T, Prefix extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? `${Prefix}${K}` : Leaves<T[K], `${Prefix}${K}.`>;
}[keyof T & string];

/** Values for a message's placeholders: numbers are formatted (and pluralised) by ICU, strings kept. */
export type MessageParams = Record<string, string | number>;

export function isLanguage(value: unknown): value is Language {
  return (LANGUAGES as readonly unknown[]).includes(value);
}

function systemLanguages(): readonly string[] {
  return typeof navigator === 'undefined' ? [] : navigator.languages;
}

/** The first of the system's languages Coffer has words for; English when it has none of them. */
export function systemLanguage(languages: readonly string[] = systemLanguages()): Language {
  for (const tag of languages) {
    const language = tag.split('-')[0].toLowerCase();
    if (isLanguage(language)) return language;
  }
  return 'en';
}

/** The locale to format numbers and dates in: the system's first tag of `language` ("de-CH"), else the bare language. */
export function formattingLocale(language: Language, languages: readonly string[] = systemLanguages()): string {
  const tag = languages.find((candidate) => candidate.split('-')[0].toLowerCase() === language);
  if (tag == null) return language;
  // A tag Intl does not know would throw in every formatter; the bare language always works.
  return Intl.DateTimeFormat.supportedLocalesOf([tag]).length > 0 ? tag : language;
}

const current = $state<{ language: Language; locale: string; chosen: Language | null }>({
  language: systemLanguage(),
  locale: formattingLocale(systemLanguage()),
  chosen: null,
});

const icu = new ICU({
  parseLngForICU: () => current.locale,
  // A message that cannot be formatted (a parameter missing or not a number) reads as empty, so
  // `errorMessage` falls back to the engine's own words; the console says which one it was.
  parseErrorHandler: (error, key) => {
    console.error(`message ${key} cannot be formatted: ${error.message}`);
    return '';
  },
});

const instance = i18next.createInstance();
void instance.use(icu).init({
  // The catalogues are bundled, so initialisation is synchronous and `t` works at once.
  initAsync: false,
  resources: {
    en: { translation: en, errors: errorsEn },
    de: { translation: de, errors: errorsDe },
  },
  lng: current.language,
  supportedLngs: [...LANGUAGES],
  // A key missing in German shows the English words rather than the key (a unit test keeps both complete).
  fallbackLng: 'en',
  ns: ['translation', 'errors'],
  defaultNS: 'translation',
  // Svelte escapes text when it renders it; escaping here would show "&amp;" in names.
  interpolation: { escapeValue: false },
});

/** The language the page is in now (reactive). */
export function language(): Language {
  return current.language;
}

/** The locale numbers and dates are formatted in now (reactive). */
export function locale(): string {
  return current.locale;
}

/** What the person chose in Settings, or null when the page follows the system (reactive). */
export function chosenLanguage(): Language | null {
  return current.chosen;
}

/**
 * Switches the page to `choice`, or back to the system's language with null. Takes effect at once:
 * every text worded through `t` re-renders.
 */
export function setLanguage(choice: Language | null, languages: readonly string[] = systemLanguages()): void {
  const next = choice ?? systemLanguage(languages);
  const nextLocale = formattingLocale(next, languages);
  // Compiled messages are cached by language, and each was compiled for the locale of its time.
  if (nextLocale !== current.locale) icu.clearCache();
  current.chosen = choice;
  current.locale = nextLocale;
  current.language = next;
  void instance.changeLanguage(next);
  if (typeof document !== 'undefined') document.documentElement.lang = next;
}

/**
 * A message with nothing for ICU to do: no placeholder, plural or quote. Most labels are like this.
 * Returning them as they are spares the first render compiling each one: in WebKitGTK, `t` took
 * 23–37 ms of the first render's 47–61.
 */
const PLAIN = /^[^{}']*$/;

/** The message `key` in the current language, its placeholders filled from `params`. */
export function t(key: MessageKey, params: MessageParams = {}): string {
  const lng = current.language;
  const words: unknown = instance.getResource(lng, 'translation', key);
  if (typeof words === 'string' && PLAIN.test(words)) return words;
  return instance.t(key, { ...params, lng });
}

/** A piece of a message: its own words, or where one of the placeholders given as `slots` goes. */
export type MessagePart = { text: string } | { slot: string };

/**
 * Message `key` cut where its `slots` go, so a component can render those placeholders as elements
 * (a name in bold) while the sentence around them stays the translator's. Private-use characters
 * mark the places: they never occur in a catalogue.
 */
export function messageParts(key: MessageKey, params: MessageParams, slots: readonly string[]): MessagePart[] {
  const marked: MessageParams = { ...params };
  slots.forEach((slot, index) => (marked[slot] = `\uE000${index}\uE001`));
  const parts: MessagePart[] = [];
  t(key, marked)
    .split(/\uE000(\d+)\uE001/)
    .forEach((piece, index) => {
      if (index % 2 === 1) parts.push({ slot: slots[Number(piece)] });
      else if (piece) parts.push({ text: piece });
    });
  return parts;
}

/** A whole number written the one way `String(n)` writes it back ("12", not "012" or "1e3"). */
const WHOLE_NUMBER = /^(0|[1-9][0-9]{0,14})$/;

/**
 * The engine's message for error `code` in the current language, or null when the catalogue has
 * none (or it cannot be formatted with these parameters). The engine sends every parameter as a
 * string; whole numbers are passed on as numbers so a translation can pluralise them.
 */
export function errorMessage(code: string, params: Readonly<Record<string, string | undefined>> = {}): string | null {
  const key = `errors:${code}`;
  const lng = current.language;
  if (!instance.exists(key, { lng })) return null;
  const values: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(params)) {
    if (value != null) values[name] = WHOLE_NUMBER.test(value) ? Number(value) : value;
  }
  return instance.t(key, { ...values, lng }) || null;
}

if (typeof document !== 'undefined') document.documentElement.lang = current.language;
