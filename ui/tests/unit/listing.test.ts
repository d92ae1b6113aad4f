import { describe, expect, it } from 'vitest';
import {
  breadcrumbs,
  filterEntries,
  isUnder,
  nameKey,
  nextSort,
  parentOf,
  sortEntries,
  streamingSorter,
  streamingTotals,
  type SortColumn,
} from '../../src/lib/listing';
import type { Entry } from '../../src/lib/ipc';

const doc = (name: string, size: number, modified: number | null): Entry => ({
  key: `f/${name}`,
  name,
  isFolder: false,
  size,
  lastModifiedMs: modified,
  etag: '',
});
const folder = (name: string): Entry => ({ key: `f/${name}/`, name, isFolder: true, size: 0, lastModifiedMs: null, etag: '' });

const entries = [
  doc('b.pdf', 300, 3000),
  folder('Zeta'),
  doc('a10.xlsx', 100, 1000),
  doc('a2.docx', 200, null),
  folder('alpha'),
];
const names = (list: Entry[]) => list.map((e) => e.name);

describe('sortEntries', () => {
  it('puts folders first and compares names naturally (a2 before a10), ignoring case', () => {
    expect(names(sortEntries(entries, { column: 'name', direction: 'asc' }))).toEqual(['alpha', 'Zeta', 'a2.docx', 'a10.xlsx', 'b.pdf']);
  });

  it.each<[SortColumn, string[]]>([
    ['name', ['Zeta', 'alpha', 'b.pdf', 'a10.xlsx', 'a2.docx']],
    ['size', ['alpha', 'Zeta', 'b.pdf', 'a2.docx', 'a10.xlsx']],
    ['modified', ['alpha', 'Zeta', 'b.pdf', 'a10.xlsx', 'a2.docx']],
  ])('descending by %s keeps folders first', (column, expected) => {
    expect(names(sortEntries(entries, { column, direction: 'desc' }))).toEqual(expected);
  });

  it('sorts by type through the document kind, then name', () => {
    expect(names(sortEntries(entries, { column: 'type', direction: 'asc' }))).toEqual(['alpha', 'Zeta', 'a10.xlsx', 'b.pdf', 'a2.docx']);
  });

  it('does not reorder its input', () => {
    const copy = entries.slice();
    sortEntries(entries, { column: 'size', direction: 'asc' });
    expect(entries).toEqual(copy);
  });

  it('sorts 100,000 entries without anything quadratic (generous bound: CI machines are slow)', () => {
    const many = Array.from({ length: 100_000 }, (_, i) => doc(`doc-${(i * 7919) % 100_000}.pdf`, i, i));
    const started = performance.now();
    const sorted = sortEntries(many, { column: 'name', direction: 'asc' });
    expect(performance.now() - started).toBeLessThan(2500);
    expect(sorted[0].name).toBe('doc-0.pdf');
    expect(sorted[99_999].name).toBe('doc-99999.pdf');
  });
});

describe('streamingSorter', () => {
  it('gives the order sortEntries gives while a listing grows, and after the order or the rows change', () => {
    const all = Array.from({ length: 3000 }, (_, i) => (i % 97 === 0 ? folder(`Folder ${(i * 31) % 3000}`) : doc(`doc-${(i * 7919) % 3000}.pdf`, i % 13, i)));
    const sort = streamingSorter();
    const byName = { column: 'name', direction: 'asc' } as const;
    for (const end of [1, 1000, 1001, 2500, 3000]) {
      const shown = all.slice(0, end);
      expect(sort(shown, byName)).toEqual(sortEntries(shown, byName));
    }
    const bySize = { column: 'size', direction: 'desc' } as const;
    expect(sort(all, bySize)).toEqual(sortEntries(all, bySize));
    const fewer = all.filter((_, i) => i % 2 === 0);
    expect(sort(fewer, bySize)).toEqual(sortEntries(fewer, bySize));
    const relisted = all.map((entry) => ({ ...entry }));
    expect(sort(relisted, bySize)).toEqual(sortEntries(relisted, bySize));
  });

  it('sorts a renamed copy of an entry by its new name', () => {
    const a = doc('a.pdf', 1, 1);
    const b = doc('b.pdf', 1, 1);
    const byName = { column: 'name', direction: 'asc' } as const;
    expect(sortEntries([b, a], byName)).toEqual([a, b]);
    const renamed = { ...a, name: 'c.pdf' };
    expect(sortEntries([renamed, b], byName)).toEqual([b, renamed]);
  });

  it('gives the same order when rows arrive in the order they sort in, or before all the others', () => {
    const inOrder = Array.from({ length: 2000 }, (_, i) => doc(`doc-${String(i).padStart(5, '0')}.pdf`, i, i));
    const byName = { column: 'name', direction: 'asc' } as const;
    const sort = streamingSorter();
    for (const end of [10, 10, 900, 2000]) {
      const shown = inOrder.slice(0, end);
      expect(sort(shown, byName)).toEqual(sortEntries(shown, byName));
    }
    const reversed = [...inOrder].reverse();
    const again = streamingSorter();
    for (const end of [1, 500, 2000]) {
      const shown = reversed.slice(0, end);
      expect(again(shown, byName)).toEqual(sortEntries(shown, byName));
    }
  });
});

describe('nameKey', () => {
  it('orders like people read: case and accents ignored, numbers by value, leading zeros ignored', () => {
    const sorted = ['file10', 'File9', 'éclair', 'Eclipse', 'file009b', 'zebra', 'apple'].sort((a, b) =>
      nameKey(a) < nameKey(b) ? -1 : 1,
    );
    expect(sorted).toEqual(['apple', 'éclair', 'Eclipse', 'File9', 'file009b', 'file10', 'zebra']);
  });
});

describe('filterEntries', () => {
  it('keeps names containing the text, any case, and everything for blank text', () => {
    expect(names([...filterEntries(entries, 'A1')])).toEqual(['a10.xlsx']);
    expect(names([...filterEntries(entries, '  ')])).toHaveLength(5);
    expect(names([...filterEntries(entries, 'zz')])).toEqual([]);
  });
});

describe('nextSort', () => {
  it('flips the current column and starts others ascending, dates newest first', () => {
    expect(nextSort({ column: 'name', direction: 'asc' }, 'name')).toEqual({ column: 'name', direction: 'desc' });
    expect(nextSort({ column: 'name', direction: 'desc' }, 'size')).toEqual({ column: 'size', direction: 'asc' });
    expect(nextSort({ column: 'name', direction: 'asc' }, 'modified')).toEqual({ column: 'modified', direction: 'desc' });
  });
});

describe('folder paths', () => {
  it('builds breadcrumbs from the top', () => {
    expect(breadcrumbs('', 'Vault')).toEqual([{ label: 'Vault', folder: '' }]);
    expect(breadcrumbs('Invoices/2024/', 'Vault')).toEqual([
      { label: 'Vault', folder: '' },
      { label: 'Invoices', folder: 'Invoices/' },
      { label: '2024', folder: 'Invoices/2024/' },
    ]);
  });

  it('finds the parent folder', () => {
    expect(parentOf('Invoices/2024/')).toBe('Invoices/');
    expect(parentOf('Invoices/')).toBe('');
    expect(parentOf('')).toBe('');
  });

  it('knows which stored keys change a folder listing', () => {
    expect(isUnder('Invoices/a.pdf', 'Invoices/')).toBe(true);
    expect(isUnder('Invoices/2025/a.pdf', 'Invoices/')).toBe(true);
    expect(isUnder('a.pdf', '')).toBe(true);
    expect(isUnder('Other/a.pdf', 'Invoices/')).toBe(false);
    expect(isUnder('Invoices/', 'Invoices/')).toBe(false);
  });
});

describe('streamingTotals', () => {
  it('counts documents and folders and adds document sizes only, as rows grow and after a re-list', () => {
    const totals = streamingTotals();
    expect(totals(entries.slice(0, 2))).toEqual(totalsOf(entries.slice(0, 2)));
    expect(totals(entries)).toEqual({ documents: 3, folders: 2, bytes: 600 });
    const relisted = entries.slice(1).map((entry) => ({ ...entry }));
    expect(totals(relisted)).toEqual(totalsOf(relisted));
    expect(totals([])).toEqual({ documents: 0, folders: 0, bytes: 0 });
  });
});

/** What the totals must be, counted here independently of the module. */
function totalsOf(list: Entry[]) {
  return {
    documents: list.filter((entry) => !entry.isFolder).length,
    folders: list.filter((entry) => entry.isFolder).length,
    bytes: list.reduce((sum, entry) => sum + (entry.isFolder ? 0 : entry.size), 0),
  };
}
