import { afterEach, describe, expect, it } from 'vitest';
import {
  describeDelete,
  formatDate,
  formatDuration,
  formatSize,
  formatSpeed,
  formatTime,
  formatTimeWithSeconds,
  keepBothName,
  kindLabel,
  kindOf,
} from '../../src/lib/format';
import { setLanguage } from '../../src/lib/i18n.svelte';
import { shortcutLabel, tip } from '../../src/lib/shortcuts';

describe('formatSize', () => {
  it('uses bytes below 1 KB and 1024 as the step everywhere', () => {
    expect(formatSize(0)).toBe('0 B');
    expect(formatSize(1023)).toBe('1023 B');
    expect(formatSize(1024)).toBe('1.0 KB');
    expect(formatSize(1536)).toBe('1.5 KB');
    expect(formatSize(45.2 * 1024 * 1024)).toBe('45.2 MB');
    expect(formatSize(3 * 1024 ** 3)).toBe('3.0 GB');
  });

  it('drops the decimal from 100 on, so columns stay short', () => {
    expect(formatSize(120 * 1024 * 1024)).toBe('120 MB');
    expect(formatSize(999.6 * 1024)).toBe('1000 KB');
  });

  it('moves to the next unit when rounding would show 1024 of this one', () => {
    expect(formatSize(1024 * 1024 - 1)).toBe('1.0 MB');
  });

  it('shows a dash for sizes that make no sense rather than NaN', () => {
    expect(formatSize(-1)).toBe('—');
    expect(formatSize(Number.NaN)).toBe('—');
  });

  it('adds /s for speeds and nothing when unknown', () => {
    expect(formatSpeed(2 * 1024 * 1024)).toBe('2.0 MB/s');
    expect(formatSpeed(null)).toBe('');
  });
});

describe('formatDate', () => {
  it('formats in the given locale and zone (the app passes neither: the system decides)', () => {
    const ms = Date.UTC(2024, 2, 5, 14, 7);
    expect(formatDate(ms, 'en-GB', 'UTC')).toBe('5 Mar 2024, 14:07');
    // ICU versions differ in the space before AM (U+202F or a plain space).
    expect(formatDate(ms, 'en-US', 'America/New_York').replace(/\s/g, ' ')).toBe('Mar 5, 2024, 9:07 AM');
  });

  it('leaves unknown dates blank', () => {
    expect(formatDate(null)).toBe('');
  });
});

describe('formatDuration', () => {
  it('rounds up so "0 s" never shows while work remains', () => {
    expect(formatDuration(0.2)).toBe('1 s');
    expect(formatDuration(59)).toBe('59 s');
    expect(formatDuration(125)).toBe('2 min 5 s');
    expect(formatDuration(180)).toBe('3 min');
    expect(formatDuration(7800)).toBe('2 h 10 min');
  });

  it('is blank when unknown', () => {
    expect(formatDuration(null)).toBe('');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('');
  });
});

describe('describeDelete', () => {
  it('says what the brief promises: counts, objects and size', () => {
    expect(describeDelete(3, 1, 120, 45.2 * 1024 * 1024)).toBe('3 documents and 1 folder — 120 objects, 45.2 MB');
  });

  it('uses singular words for one', () => {
    expect(describeDelete(1, 0, 1, 2048)).toBe('1 document — 1 object, 2.0 KB');
    expect(describeDelete(0, 2, 1500, 0)).toBe('2 folders — 1,500 objects, 0 B');
  });
});

describe('kindOf', () => {
  it.each([
    ['Report.PDF', 'pdf'],
    ['minutes.docx', 'word'],
    ['budget.xlsx', 'excel'],
    ['data.csv', 'excel'],
    ['deck.pptx', 'powerpoint'],
    ['photo.jpeg', 'image'],
    ['readme.txt', 'text'],
    ['reply.eml', 'mail'],
    ['backup.tar.gz', 'archive'],
    ['Makefile', 'generic'],
    ['.hidden', 'generic'],
  ])('%s is %s', (name, kind) => {
    expect(kindOf(name, false)).toBe(kind);
  });

  it('calls folders folders whatever their name', () => {
    expect(kindOf('photos.jpg', true)).toBe('folder');
  });
});

describe('keepBothName', () => {
  it('numbers before the extension, skipping taken numbers', () => {
    expect(keepBothName('report.pdf', false, new Set(['report.pdf']))).toBe('report (1).pdf');
    expect(keepBothName('report.pdf', false, new Set(['report.pdf', 'report (1).pdf']))).toBe('report (2).pdf');
  });

  it('does not treat a dot in a folder name as an extension', () => {
    expect(keepBothName('v1.2', true, new Set(['v1.2']))).toBe('v1.2 (1)');
  });
});

describe('in German', () => {
  afterEach(() => setLanguage(null));
  const at = Date.UTC(2026, 10, 30, 14, 5, 9);

  it('writes sizes and speeds with a decimal comma', () => {
    expect(formatSize(1.5 * 1024 * 1024, 'de-DE')).toBe('1,5 MB');
    expect(formatSize(45.2 * 1024 * 1024, 'de-DE')).toBe('45,2 MB');
    expect(formatSize(1023, 'de-DE'), 'no thousands separator in a size').toBe('1023 B');
    expect(formatSize(120 * 1024 * 1024, 'de-DE')).toBe('120 MB');
    expect(formatSpeed(2 * 1024 * 1024, 'de-DE')).toBe('2,0 MB/s');
  });

  it('writes dates and times the German way', () => {
    expect(formatDate(at, 'de-DE', 'UTC')).toBe('30.11.2026, 14:05');
    expect(formatTime(at, 'de-DE', 'UTC')).toBe('14:05');
    expect(formatTimeWithSeconds(at, 'de-DE', 'UTC')).toBe('14:05:09');
  });

  it('follows the page: the language it is switched to, formatted for the system’s variant of it', () => {
    setLanguage('de', ['de-AT']);
    expect(formatSize(1536)).toBe('1,5 KB');
    expect(formatDate(Date.UTC(2026, 0, 5, 9, 30), undefined, 'UTC')).toBe('05.01.2026, 09:30');
    setLanguage('en', ['en-GB']);
    expect(formatSize(1536)).toBe('1.5 KB');
    expect(formatDate(Date.UTC(2026, 0, 5, 9, 30), undefined, 'UTC')).toBe('5 Jan 2026, 09:30');
  });

  it('says durations, counts and kinds in German', () => {
    setLanguage('de');
    expect(formatDuration(125)).toBe('2 min 5 s');
    expect(formatDuration(7800)).toBe('2 h 10 min');
    expect(describeDelete(3, 1, 120, 45.2 * 1024 * 1024)).toBe('3 Dokumente und 1 Ordner – 120 Objekte, 45,2 MB');
    expect(describeDelete(1, 0, 1, 2048)).toBe('1 Dokument – 1 Objekt, 2,0 KB');
    expect(describeDelete(0, 2, 1500, 0)).toBe('2 Ordner – 1.500 Objekte, 0 B');
    expect(kindLabel('excel')).toBe('Tabelle');
  });

  it('names the keys as German keyboards label them', () => {
    setLanguage('de');
    expect(shortcutLabel('Mod+Shift+U')).toBe('Strg+Umschalt+U');
    expect(shortcutLabel('Shift+Delete')).toBe('Umschalt+Entf');
    expect(tip('Dateien hochladen', 'uploadFiles')).toBe('Dateien hochladen (Strg+U)');
  });
});

describe('in English', () => {
  afterEach(() => setLanguage(null));

  it('follows the variant: 12-hour times in American English, 24-hour in British', () => {
    const at = Date.UTC(2026, 10, 30, 14, 5, 9);
    expect(formatTime(at, 'en-US', 'UTC').replace(/\s/g, ' ')).toBe('2:05 PM');
    expect(formatTime(at, 'en-GB', 'UTC')).toBe('14:05');
    expect(formatTimeWithSeconds(at, 'en-GB', 'UTC')).toBe('14:05:09');
  });

  it('names kinds and keys in English', () => {
    expect(kindLabel('excel')).toBe('Spreadsheet');
    expect(shortcutLabel('Mod+Shift+U')).toBe('Ctrl+Shift+U');
    expect(tip('Upload files', 'uploadFiles')).toBe('Upload files (Ctrl+U)');
  });
});
