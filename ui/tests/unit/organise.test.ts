import { describe, expect, it } from 'vitest';
import { canDrop, describeMoved, nameProblem, newFolderName, parentOf, stemRange } from '../../src/lib/organise';

describe('organising', () => {
  it('refuses names that cannot be stored or are taken', () => {
    const taken = new Set(['Invoices', 'report.pdf']);
    expect(nameProblem('  ', taken)).toBe('Type a name.');
    expect(nameProblem('a/b', taken)).toContain('/');
    expect(nameProblem('..', taken)).toContain('dots');
    expect(nameProblem('.coffer-trash', taken)).toContain('kept for Coffer');
    expect(nameProblem('Invoices', taken)).toContain('already in this folder');
    expect(nameProblem('report.pdf', taken, 'report.pdf'), 'a rename may keep its own name').toBeNull();
    expect(nameProblem('Über 😀 (final).pdf', taken)).toBeNull();
  });

  it('selects the name without its extension for a rename', () => {
    expect(stemRange('report.pdf', false)).toEqual([0, 6]);
    expect(stemRange('archive.tar.gz', false)).toEqual([0, 11]);
    expect(stemRange('.bashrc', false)).toEqual([0, 7]);
    expect(stemRange('v1.2', true), 'a folder keeps its dots').toEqual([0, 4]);
  });

  it('names a new folder with the first free number', () => {
    expect(newFolderName(new Set())).toBe('New folder');
    expect(newFolderName(new Set(['New folder', 'New folder (1)']))).toBe('New folder (2)');
  });

  it('drops only where it moves something, and never a folder into itself', () => {
    expect(parentOf('a/b/c.txt')).toBe('a/b/');
    expect(parentOf('a/b/')).toBe('a/');
    expect(parentOf('top.txt')).toBe('');
    expect(canDrop(['a/x.txt'], 'b/')).toBe(true);
    expect(canDrop(['a/x.txt'], 'a/')).toBe(false);
    expect(canDrop(['a/'], 'a/')).toBe(false);
    expect(canDrop(['a/'], 'a/sub/')).toBe(false);
    expect(canDrop(['x/a/'], '')).toBe(true);
    expect(canDrop(['a/'], ''), 'already at the top').toBe(false);
    expect(canDrop(['ab.txt', 'a/'], 'ab/')).toBe(true);
    expect(canDrop([], 'b/')).toBe(false);
  });

  it('reports what a move did, including what it left', () => {
    const moved = { done: ['b/x.txt', 'b/y.txt'], skipped: 0, failed: [], cancelled: false };
    expect(describeMoved(moved, 'move', 'b')).toBe('Moved 2 documents to b');
    expect(describeMoved(moved, 'rename', 'b')).toBe('Renamed');
    expect(describeMoved({ ...moved, skipped: 1, cancelled: true }, 'copy', 'b')).toBe(
      'Copied 2 documents to b; skipped 1 document whose name was taken; stopped: the rest was left where it was',
    );
    const failed = [{ key: 'a/z.txt', error: { kind: 'PermissionDenied' as const, code: 'plain' as const, params: {}, message: 'Access denied' } }];
    expect(describeMoved({ ...moved, failed }, 'move', 'b')).toContain('1 document stayed where it was');
    expect(describeMoved({ ...moved, failed: [...failed, ...failed] }, 'move', 'b')).toContain('2 documents stayed where they were');
  });
});
