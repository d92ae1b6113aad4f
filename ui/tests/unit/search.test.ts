import { describe, expect, it } from 'vitest';
import { folderPath, searchQuery, searchStatus } from '../../src/lib/search';

describe('search', () => {
  const now = new Date(2026, 10, 30, 15, 0).getTime();

  it('turns the filter choices into an index query', () => {
    expect(searchQuery('  annual report ', '', '', '', now)).toEqual({
      text: 'annual report',
      kind: null,
      modifiedAfterMs: null,
      modifiedBeforeMs: null,
      minSize: null,
      maxSize: null,
      folder: null,
    });
    const q = searchQuery('', 'pdf', 'today', 'large', now);
    expect(q.kind).toBe('pdf');
    expect(q.modifiedAfterMs).toBe(new Date(2026, 10, 30).getTime());
    expect([q.minSize, q.maxSize]).toEqual([100 * 1024 * 1024 + 1, null]);
    expect(searchQuery('', '', 'week', 'small', now)).toMatchObject({ modifiedAfterMs: now - 7 * 86_400_000, maxSize: 1024 * 1024 - 1 });
    expect(searchQuery('', '', '', 'medium', now)).toMatchObject({ minSize: 1024 * 1024, maxSize: 100 * 1024 * 1024 });
  });

  it('says how many were found and whether the index is complete', () => {
    expect(searchStatus(0, false, true, 10)).toBe('No documents match');
    expect(searchStatus(1, false, true, 10)).toBe('1 document found');
    expect(searchStatus(1000, true, true, 100_000)).toBe('The first 1,000 documents found');
    expect(searchStatus(2, false, false, 12_345)).toBe(
      '2 documents found. Still indexing the bucket (12,345 documents so far): results may be incomplete.',
    );
  });

  it('shows a result’s folder as a path', () => {
    expect(folderPath('', 'Local vault')).toBe('Local vault');
    expect(folderPath('Invoices/2024/', 'Local vault')).toBe('Invoices › 2024');
  });
});
