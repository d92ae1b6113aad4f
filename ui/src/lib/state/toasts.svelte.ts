/**
 * Non-blocking notifications. Errors stay longer than confirmations and can carry a list (e.g. the
 * keys a delete could not remove); every toast can be dismissed by hand.
 */
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

  error(error: CofferError, context?: string): number {
    return this.show(context ? `${context}: ${error.message}` : error.message, 'error');
  }

  dismiss(id: number): void {
    const index = this.items.findIndex((toast) => toast.id === id);
    if (index >= 0) this.items.splice(index, 1);
  }
}
