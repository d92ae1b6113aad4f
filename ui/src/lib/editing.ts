/**
 * What an edited or locked row says. Pure functions, so the wording is tested without a window.
 */
import { visibleName } from './names';
import type { EditLock, EditUpdate } from './ipc';

const timeFormat = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit' });

export function clock(ms: number): string {
  return timeFormat.format(ms);
}

/** The badge of a document being edited from this computer. */
export function editLabel(update: EditUpdate): string {
  switch (update.status.state) {
    case 'editing':
      return update.pending ? 'Editing · not saved to bucket yet' : 'Editing';
    case 'saving':
      return 'Saving to bucket…';
    case 'saved':
      return `Saved to bucket ${clock(update.status.atMs)}`;
    case 'conflict':
      return 'Saving to a conflicted copy';
    case 'failed':
      return 'Not saved to bucket';
    case 'done':
      return '';
  }
}

/** The badge of a document a colleague (or this person elsewhere) is editing. */
export function lockLabel(lock: EditLock): string {
  return `Being edited by ${lock.by || 'someone'} since ${clock(Number(lock.sinceMs))}`;
}

/** The toast for an update worth interrupting for, or null. */
export function editNotice(update: EditUpdate): { text: string; tone: 'success' | 'error' } | null {
  const name = visibleName(update.key.split('/').pop() ?? update.key);
  switch (update.status.state) {
    case 'conflict':
      return {
        text: `${name} was changed by someone else meanwhile. Your version is saved beside it as “${visibleName(update.status.copy.split('/').pop() ?? '')}”, and your next saves go there.`,
        tone: 'error',
      };
    case 'failed':
      return { text: `${name} could not be saved to the bucket: ${update.status.error.message} It will be tried again.`, tone: 'error' };
    default:
      return null;
  }
}
