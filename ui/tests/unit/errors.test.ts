import { describe, expect, it } from 'vitest';
import { describeAccess, describeTestFailure, toCofferError } from '../../src/lib/errors';
import type { ErrorKind } from '../../src/lib/ipc';

describe('toCofferError', () => {
  it('keeps a CofferError as it is', () => {
    expect(toCofferError({ kind: 'NotFound', message: 'gone' })).toEqual({ kind: 'NotFound', message: 'gone' });
  });

  it("turns Tauri's own string rejections and JS errors into Server errors with their text", () => {
    expect(toCofferError('command list_folder not allowed')).toEqual({ kind: 'Server', message: 'command list_folder not allowed' });
    expect(toCofferError(new Error('boom'))).toEqual({ kind: 'Server', message: 'boom' });
    expect(toCofferError({ kind: 'Weird', message: 'x' }).kind).toBe('Server');
  });
});

describe('connection test wording', () => {
  it('says what read and read-only access mean', () => {
    expect(describeAccess('ReadWrite')).toBe('OK — read and write');
    expect(describeAccess('ReadOnly')).toBe('Read-only: you can browse and download but not upload or delete');
  });

  it.each<[ErrorKind, string]>([
    ['InvalidCredentials', 'Wrong access key or secret'],
    ['BucketNotFound', 'No such bucket'],
    ['Unreachable', 'Cannot reach the server'],
    ['PermissionDenied', 'The key has no access to this bucket'],
    ['Server', 'engine said so'],
  ])('%s reads "%s"', (kind, text) => {
    expect(describeTestFailure({ kind, message: 'engine said so' })).toBe(text);
  });
});
