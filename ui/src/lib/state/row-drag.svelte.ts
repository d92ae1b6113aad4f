/**
 * Rows dragged onto a folder (a folder row or a breadcrumb) to move them there, Ctrl to copy.
 *
 * Mouse events, not HTML drag and drop: the window's native drop handler owns HTML drags (files
 * from the desktop). Not pointer events either: WebKitGTK sends no `pointerdown` for a real X
 * button press, while mouse events behave the same in every engine.
 */
import { canDrop } from '../organise';

export class RowDrag {
  /** The keys being dragged, or null when no drag is on. */
  keys = $state.raw<string[] | null>(null);
  /** The folder under the pointer that would take them, if any. */
  over = $state<string | null>(null);
  /** Ctrl (or ⌘) held: a copy instead of a move. */
  copy = $state(false);
  x = $state(0);
  y = $state(0);

  /**
   * Follows the mouse from a press on a row; once it has moved a few pixels, `pick` says what is
   * dragged. A release over a folder that can take them calls `drop`; Escape stops the drag.
   */
  begin(start: MouseEvent, pick: () => string[], drop: (keys: string[], folder: string, copy: boolean) => void): void {
    const from = { x: start.clientX, y: start.clientY };
    const onmove = (event: MouseEvent) => {
      if (this.keys == null) {
        if (Math.hypot(event.clientX - from.x, event.clientY - from.y) < 6) return;
        this.keys = pick();
      }
      this.x = event.clientX;
      this.y = event.clientY;
      this.copy = event.ctrlKey || event.metaKey;
      const target = document.elementFromPoint(event.clientX, event.clientY)?.closest<HTMLElement>('[data-drop-folder]');
      const folder = target?.dataset.dropFolder;
      this.over = folder != null && canDrop(this.keys, folder) ? folder : null;
    };
    const end = () => {
      window.removeEventListener('mousemove', onmove);
      window.removeEventListener('mouseup', onup);
      window.removeEventListener('keydown', onkey, true);
      this.keys = null;
      this.over = null;
    };
    const onup = (event: MouseEvent) => {
      const { keys, over } = this;
      const copy = event.ctrlKey || event.metaKey;
      end();
      if (keys != null && over != null) drop(keys, over, copy);
    };
    const onkey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape' || this.keys == null) return;
      event.preventDefault();
      event.stopPropagation();
      end();
    };
    window.addEventListener('mousemove', onmove);
    window.addEventListener('mouseup', onup);
    window.addEventListener('keydown', onkey, true);
  }
}
