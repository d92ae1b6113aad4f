/**
 * Turning whatever a command rejects with into a `CofferError`, and the plain words staff read for
 * a connection test. Branches on `kind`, never on message text.
 */
import { ERROR_KINDS, type Access, type CofferError, type ErrorKind, type WriteGuard } from './ipc';

/**
 * Commands reject with `{kind, message}`, but Tauri itself rejects with a bare string (an unknown
 * command, a denied permission) and JS can throw Errors; all become a CofferError so callers have
 * one shape to handle.
 */
export function toCofferError(error: unknown): CofferError {
  if (error && typeof error === 'object' && 'kind' in error && 'message' in error) {
    const { kind, message } = error as { kind: unknown; message: unknown };
    if (typeof kind === 'string' && (ERROR_KINDS as readonly string[]).includes(kind)) {
      return { kind: kind as ErrorKind, message: String(message) };
    }
  }
  if (typeof error === 'string') return { kind: 'Server', message: error };
  if (error instanceof Error) return { kind: 'Server', message: error.message };
  return { kind: 'Server', message: 'Something went wrong' };
}

export function isCofferError(error: unknown): error is CofferError {
  return (
    !!error &&
    typeof error === 'object' &&
    typeof (error as CofferError).kind === 'string' &&
    typeof (error as CofferError).message === 'string'
  );
}

export function describeAccess(access: Access): string {
  return access === 'ReadWrite'
    ? 'OK — read and write'
    : 'Read-only: you can browse and download but not upload or delete';
}

/** How the server guards documents against unseen overwrites, in plain words. */
export function describeWriteGuard(guard: WriteGuard | null): string {
  switch (guard) {
    case 'enforced':
      return 'Nothing is overwritten unseen: this server refuses to overwrite a document someone else changed meanwhile.';
    case 'best-effort':
      return 'This server does not enforce conditional writes, so Coffer checks each document just before writing it. Protection is best effort.';
    case null:
      return 'Overwrite protection is checked when the connection is tested.';
  }
}

export function describeTestFailure(error: CofferError): string {
  switch (error.kind) {
    case 'InvalidCredentials':
      return 'Wrong access key or secret';
    case 'BucketNotFound':
      return 'No such bucket';
    case 'Unreachable':
      return 'Cannot reach the server';
    case 'PermissionDenied':
      return 'The key has no access to this bucket';
    default:
      return error.message;
  }
}
