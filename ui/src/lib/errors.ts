/**
 * Turning whatever a command rejects with into a `CofferError`, the words a person reads for one,
 * and the plain words staff read for a connection test. Branches on `kind` and `code`, never on
 * message text.
 */
import { errorMessage, t } from './i18n.svelte';
import { ERROR_KINDS, type Access, type CofferError, type ErrorCode, type ErrorKind, type WriteGuard } from './ipc';

/** An error known only by its words (a bare string from Tauri itself, a JS Error): the catalogue's `plain`. */
function plain(kind: ErrorKind, message: string): CofferError {
  return { kind, code: 'plain', params: { detail: message }, message };
}

/**
 * Commands reject with `{kind, code, params, message}`, but Tauri itself rejects with a bare string
 * (an unknown command, a denied permission) and JS can throw Errors; all become a CofferError so
 * callers have one shape to handle.
 */
export function toCofferError(error: unknown): CofferError {
  if (error && typeof error === 'object' && 'kind' in error && 'message' in error) {
    const { kind, message, code, params } = error as { kind: unknown; message: unknown; code?: unknown; params?: unknown };
    if (typeof kind === 'string' && (ERROR_KINDS as readonly string[]).includes(kind)) {
      if (typeof code !== 'string') return plain(kind as ErrorKind, String(message));
      const given = params && typeof params === 'object' ? (params as Record<string, string>) : {};
      // An unknown code still reaches the page: `errorText` shows its English words then.
      return { kind: kind as ErrorKind, code: code as ErrorCode, params: given, message: String(message) };
    }
  }
  if (typeof error === 'string') return plain('Server', error);
  if (error instanceof Error) return plain('Server', error.message);
  return plain('Server', t('common.somethingWentWrong'));
}

export function isCofferError(error: unknown): error is CofferError {
  return (
    !!error &&
    typeof error === 'object' &&
    typeof (error as CofferError).kind === 'string' &&
    typeof (error as CofferError).message === 'string'
  );
}

/**
 * What to show for `error`: the engine's sentence for its code in the page's language, or the
 * message it came with when the catalogue does not know the code (or it has none).
 */
export function errorText(error: CofferError): string {
  return errorMessage(error.code, error.params) ?? error.message;
}

export function describeAccess(access: Access): string {
  return access === 'ReadWrite' ? t('connections.readWrite') : t('connections.readOnly');
}

/** How the server guards documents against unseen overwrites, in plain words. */
export function describeWriteGuard(guard: WriteGuard | null): string {
  switch (guard) {
    case 'enforced':
      return t('connections.guardEnforced');
    case 'best-effort':
      return t('connections.guardBestEffort');
    case null:
      return t('connections.guardUnknown');
  }
}

export function describeTestFailure(error: CofferError): string {
  switch (error.kind) {
    case 'InvalidCredentials':
      return t('connections.wrongCredentials');
    case 'BucketNotFound':
      return t('connections.noSuchBucket');
    case 'Unreachable':
      return t('connections.unreachable');
    case 'PermissionDenied':
      return t('connections.noAccess');
    default:
      return errorText(error);
  }
}
