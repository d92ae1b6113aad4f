/**
 * Row selection as a value: which keys are selected, where a Shift range starts (anchor) and which
 * row has keyboard focus. Every operation returns a new state, so the dashboard can keep it in one
 * `$state.raw` and tests can check each gesture without a DOM. `order` is the keys as shown (sorted
 * and filtered): ranges follow what the user sees, not the bucket's order.
 */

export interface SelectionState {
  readonly selected: ReadonlySet<string>;
  readonly anchor: string | null;
  readonly focus: string | null;
}

export const emptySelection: SelectionState = { selected: new Set(), anchor: null, focus: null };

/** Plain click: this row alone. */
export function selectOnly(key: string): SelectionState {
  return { selected: new Set([key]), anchor: key, focus: key };
}

/** Ctrl/Cmd-click, the checkbox or Space: flip one row, keep the others. */
export function toggle(state: SelectionState, key: string): SelectionState {
  const selected = new Set(state.selected);
  if (!selected.delete(key)) selected.add(key);
  return { selected, anchor: key, focus: key };
}

function range(order: readonly string[], from: string | null, to: string): string[] {
  const end = order.indexOf(to);
  if (end < 0) return [];
  let start = from == null ? -1 : order.indexOf(from);
  if (start < 0) start = end;
  const [lo, hi] = start <= end ? [start, end] : [end, start];
  return order.slice(lo, hi + 1);
}

/**
 * Shift-click: everything from the anchor to this row. With `additive` (Ctrl+Shift) the range is
 * added to what was selected; otherwise it replaces it. The anchor stays put, so successive
 * Shift-clicks pivot around the same row as in every file manager.
 */
export function extendTo(
  state: SelectionState,
  order: readonly string[],
  key: string,
  additive = false,
): SelectionState {
  const anchor = state.anchor ?? state.focus ?? key;
  const selected = new Set(additive ? state.selected : []);
  for (const k of range(order, anchor, key)) selected.add(k);
  return { selected, anchor, focus: key };
}

export type Move = number | 'first' | 'last';

/**
 * Arrow keys, Page Up/Down, Home/End. Without `extend` only the focus moves (Space then toggles);
 * with it (Shift) the selection becomes the range from the anchor to the new focus.
 */
export function moveFocus(
  state: SelectionState,
  order: readonly string[],
  move: Move,
  extend: boolean,
): SelectionState {
  if (order.length === 0) return state;
  const current = state.focus == null ? -1 : order.indexOf(state.focus);
  let next: number;
  if (move === 'first') next = 0;
  else if (move === 'last') next = order.length - 1;
  else if (current < 0) next = move > 0 ? 0 : order.length - 1;
  else next = Math.min(order.length - 1, Math.max(0, current + move));
  const focus = order[next];
  if (!extend) return { selected: state.selected, anchor: focus, focus };
  const anchor = state.anchor ?? state.focus ?? focus;
  return { selected: new Set(range(order, anchor, focus)), anchor, focus };
}

export function selectAll(state: SelectionState, order: readonly string[]): SelectionState {
  return { selected: new Set(order), anchor: state.anchor, focus: state.focus ?? order[0] ?? null };
}

export function clearSelection(state: SelectionState): SelectionState {
  return { selected: new Set(), anchor: state.anchor, focus: state.focus };
}

/** After a re-list or a delete: forget rows that no longer exist. Returns `state` itself if nothing changed. */
export function retain(state: SelectionState, exists: (key: string) => boolean): SelectionState {
  let changed = false;
  const selected = new Set<string>();
  for (const key of state.selected) {
    if (exists(key)) selected.add(key);
    else changed = true;
  }
  const anchor = state.anchor != null && exists(state.anchor) ? state.anchor : null;
  const focus = state.focus != null && exists(state.focus) ? state.focus : null;
  if (!changed && anchor === state.anchor && focus === state.focus) return state;
  return { selected, anchor, focus };
}

/** What an action (Open, Delete…) applies to: the selection, or the focused row when nothing is selected. */
export function targets(state: SelectionState, order: readonly string[]): string[] {
  if (state.selected.size > 0) return order.filter((key) => state.selected.has(key));
  return state.focus != null && order.includes(state.focus) ? [state.focus] : [];
}
