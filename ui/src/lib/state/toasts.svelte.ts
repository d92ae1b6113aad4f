/**
 * Non-blocking notifications. Errors stay longer than confirmations and can carry a list (e.g. the
 * keys a delete could not remove); every toast can be dismissed by hand.
 */
import { errorText } from '../errors';
import { t } from '../i18n.svelte';
import type { CofferError } from '../ipc';

export type ToastTone = 'info' | 'success' | 'error';

export interface ToastAction {
  label: string;
  run: () => void;
}

export interface Toast {
  id: number;
  tone: ToastTone;
  text: string;
  details: string[];
  /** A button on the toast, such as Undo; the toast goes once it is used. */
  action?: ToastAction;
}

const LIFETIME_MS: Record<ToastTone, number> = { info: 5000, success: 5000, error: 12000 };

export class Toasts {
  items = $state<Toast[]>([]);
  #next = 1;

  show(text: string, tone: ToastTone = 'info', details: string[] = [], action?: ToastAction): number {
    const id = this.#next++;
    this.items.push({ id, tone, text, details, action });
    // A toast with an action stays longer, so there is time to use it.
    const lifetime = LIFETIME_MS[tone] + 1000 * Math.min(details.length, 10) + (action ? 5000 : 0);
    setTimeout(() => this.dismiss(id), lifetime);
    return id;
  }

  /** An engine error in the page's language, after `what` failed ("Could not open report.pdf: …"). */
  error(error: CofferError, what?: string): number {
    const text = errorText(error);
    return this.show(what ? t('common.failedWith', { what, error: text }) : text, 'error');
  }

  dismiss(id: number): void {
    const index = this.items.findIndex((toast) => toast.id === id);
    if (index >= 0) this.items.splice(index, 1);
  }
}
