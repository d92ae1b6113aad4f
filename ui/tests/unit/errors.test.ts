import { afterEach, describe, expect, it, vi } from 'vitest';
import { describeAccess, describeTestFailure, errorText, toCofferError } from '../../src/lib/errors';
import { setLanguage } from '../../src/lib/i18n.svelte';
import type { CofferError, ErrorKind } from '../../src/lib/ipc';

afterEach(() => setLanguage(null));

const engine = (code: string, params: Record<string, string>, message: string): CofferError =>
  toCofferError({ kind: 'NotFound', code, params, message });

describe('toCofferError', () => {
  it('keeps an engine error as it is', () => {
    const error = { kind: 'NotFound', code: 'objectMissing', params: { name: 'a.pdf', connection: 'Office' }, message: 'gone' };
    expect(toCofferError(error)).toEqual(error);
  });

  it("turns Tauri's own string rejections and JS errors into Server errors known by their words", () => {
    expect(toCofferError('command list_folder not allowed')).toEqual({
      kind: 'Server',
      code: 'plain',
      params: { detail: 'command list_folder not allowed' },
      message: 'command list_folder not allowed',
    });
    expect(toCofferError(new Error('boom'))).toMatchObject({ kind: 'Server', code: 'plain', message: 'boom' });
    expect(toCofferError({ kind: 'Weird', message: 'x' }).kind).toBe('Server');
    expect(toCofferError({ kind: 'Io', message: 'disk full' }), 'an error without a code keeps its words').toMatchObject({
      kind: 'Io',
      code: 'plain',
      message: 'disk full',
    });
  });
});

describe('errorText', () => {
  const missing = engine('objectMissing', { name: 'report.pdf', connection: 'Office' }, 'the engine’s words');

  it('words an engine error from its code and parameters, in the page’s language', () => {
    expect(errorText(missing)).toBe("'report.pdf' does not exist in 'Office'.");
    setLanguage('de');
    expect(errorText(missing)).toBe('„report.pdf“ existiert in „Office“ nicht.');
  });

  it('pluralises numbers the engine sends as text', () => {
    setLanguage('de');
    expect(errorText(engine('namesTaken', { count: '1', first: 'a.pdf' }, ''))).toBe('1 der Namen ist am Ziel bereits vergeben, zuerst „a.pdf“.');
    expect(errorText(engine('namesTaken', { count: '3', first: 'a.pdf' }, ''))).toBe('3 der Namen sind am Ziel bereits vergeben, zuerst „a.pdf“.');
  });

  it('falls back to the engine’s words for a code the catalogue does not know', () => {
    setLanguage('de');
    expect(errorText(engine('notInAnyCatalogue', { name: 'x' }, 'Something new went wrong.'))).toBe('Something new went wrong.');
  });

  it('falls back to the engine’s words when a parameter its sentence needs is missing, and says so', () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(errorText(engine('objectMissing', { name: 'report.pdf' }, 'report.pdf is gone.'))).toBe('report.pdf is gone.');
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('objectMissing'));
    logged.mockRestore();
  });

  it('shows a plain error’s words in any language', () => {
    setLanguage('de');
    expect(errorText(toCofferError('command list_folder not allowed'))).toBe('command list_folder not allowed');
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
    expect(describeTestFailure({ kind, code: 'plain', params: { detail: 'engine said so' }, message: 'engine said so' })).toBe(text);
  });
});
