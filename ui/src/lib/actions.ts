/** What a toolbar button or a context-menu item does, so both are built from one list. */
import type { ShortcutName } from './shortcuts';

export interface Action {
  id: string;
  label: string;
  shortcut?: ShortcutName;
  disabled: boolean;
  danger?: boolean;
  run: () => void;
}
