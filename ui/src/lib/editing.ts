/**
 * What an edited or locked row says. Pure functions, so the wording is tested without a window.
 */
import { errorText } from './errors';
import { formatTime } from './format';
import { t } from './i18n.svelte';
import { visibleName } from './names';
import type { EditLock, EditUpdate } from './ipc';

/** The badge of a document being edited from this computer. */
export function editLabel(update: EditUpdate): string {
  switch (update.status.state) {
    case 'editing':
      return update.pending ? t('editing.editingPending') : t('editing.editing');
    case 'saving':
      return t('editing.saving');
    case 'saved':
      return t('editing.saved', { time: formatTime(update.status.atMs) });
    case 'conflict':
      return t('editing.conflict');
    case 'failed':
      return t('editing.failed');
    case 'done':
      return '';
  }
}

/** The badge of a document a colleague (or this person elsewhere) is editing. */
export function lockLabel(lock: EditLock): string {
  const time = formatTime(Number(lock.sinceMs));
  return lock.by ? t('editing.lockedBy', { name: lock.by, time }) : t('editing.lockedBySomeone', { time });
}

/** The toast for an update worth interrupting for, or null. */
export function editNotice(update: EditUpdate): { text: string; tone: 'success' | 'error' } | null {
  const name = visibleName(update.key.split('/').pop() ?? update.key);
  switch (update.status.state) {
    case 'conflict':
      return {
        text: t('editing.conflictNotice', { name, copy: visibleName(update.status.copy.split('/').pop() ?? '') }),
        tone: 'error',
      };
    case 'failed':
      return { text: t('editing.failedNotice', { name, error: errorText(update.status.error) }), tone: 'error' };
    default:
      return null;
  }
}
