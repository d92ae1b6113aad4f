import { describe, expect, it } from 'vitest';
import { downloadRow, failed, finished, folderName, fraction, openIsLarge, OPEN_ROW_BYTES, rowStatus, rowTitle } from '../../src/lib/downloads';
import type { DownloadReport, Progress } from '../../src/lib/ipc';

const progress = (over: Partial<Progress> = {}): Progress => ({
  bytesDone: 0,
  bytesTotal: 0,
  filesDone: 0,
  filesFailed: 0,
  filesTotal: 1,
  retrying: 0,
  ...over,
});

const report = (over: Partial<DownloadReport> = {}): DownloadReport => ({
  done: 0,
  verified: 0,
  renamed: 0,
  skipped: 0,
  failed: [],
  cancelled: false,
  bytes: 0,
  ...over,
});

const failure = { name: 'a.pdf', error: { kind: 'Unreachable' as const, code: 'downloadInterrupted' as const, params: { name: 'a.pdf' }, message: 'x' } };

describe('download rows', () => {
  it('are named for the folder the documents go into', () => {
    expect(folderName('/home/ana/Downloads')).toBe('Downloads');
    expect(folderName('/home/ana/Downloads/')).toBe('Downloads');
    expect(folderName('C:\\Users\\ana\\Desktop')).toBe('Desktop');
    expect(rowTitle(downloadRow(1, '/home/ana/Downloads', 4, 100))).toBe('4 documents into Downloads');
  });

  it('end as done, partial, failed or cancelled from the report', () => {
    const row = downloadRow(1, '/d', 3, 300);
    expect(finished(row, report({ done: 3, verified: 3, bytes: 300 })).state).toBe('done');
    expect(finished(row, report({ done: 2, failed: [failure] })).state).toBe('partial');
    expect(finished(row, report({ failed: [failure, failure, failure] })).state).toBe('failed');
    expect(finished(row, report({ done: 1, cancelled: true })).state).toBe('cancelled');
    expect(failed(row, { kind: 'Cancelled', code: 'cancelled', params: {}, message: '' }).state).toBe('cancelled');
    expect(failed(row, { kind: 'Io', code: 'localDenied', params: { path: '/d' }, message: '' }).state).toBe('failed');
  });

  it('say what happened, and how many were checked', () => {
    const row = finished(downloadRow(1, '/d', 3, 300), report({ done: 2, verified: 1, renamed: 1, failed: [failure], bytes: 2048 }));
    expect(rowStatus(row)).toBe('2 documents saved (2.0 KB) · 1 of 2 checked against the server’s checksum · 1 saved as a numbered copy · 1 not downloaded');
    expect(fraction(row)).toBe(1);
  });

  it('show bytes and documents while running, and the wait while the server does not answer', () => {
    const row = { ...downloadRow(1, '/d', 3, 3000), progress: progress({ bytesDone: 1024, bytesTotal: 3072, filesDone: 1, filesTotal: 3 }) };
    expect(rowStatus(row)).toBe('1 of 3 documents · 1.0 KB of 3.0 KB');
    expect(fraction(row)).toBeCloseTo(1 / 3);
    expect(rowStatus({ ...row, progress: { ...row.progress!, retrying: 1 } })).toContain('Waiting for the server');
  });

  it('appear for an open only when the document is large and still coming', () => {
    expect(openIsLarge(progress({ bytesTotal: OPEN_ROW_BYTES, filesTotal: 1 }))).toBe(true);
    expect(openIsLarge(progress({ bytesTotal: OPEN_ROW_BYTES - 1 }))).toBe(false);
    expect(openIsLarge(progress({ bytesTotal: OPEN_ROW_BYTES, filesDone: 1 }))).toBe(false);
  });
});
