import { describe, expect, it } from 'vitest';
import {
  clearSelection,
  emptySelection,
  extendTo,
  moveFocus,
  retain,
  selectAll,
  selectOnly,
  targets,
  toggle,
  type SelectionState,
} from '../../src/lib/selection';

const order = ['a', 'b', 'c', 'd', 'e'];
const sel = (state: SelectionState) => [...state.selected].sort();

describe('mouse gestures', () => {
  it('click selects one row alone', () => {
    const state = selectOnly('c');
    expect(sel(state)).toEqual(['c']);
    expect(state.anchor).toBe('c');
    expect(state.focus).toBe('c');
  });

  it('Ctrl-click toggles one row and keeps the others', () => {
    let state = toggle(selectOnly('a'), 'c');
    expect(sel(state)).toEqual(['a', 'c']);
    state = toggle(state, 'a');
    expect(sel(state)).toEqual(['c']);
  });

  it('Shift-click selects from the anchor, in the order shown, either direction', () => {
    expect(sel(extendTo(selectOnly('b'), order, 'd'))).toEqual(['b', 'c', 'd']);
    expect(sel(extendTo(selectOnly('d'), order, 'a'))).toEqual(['a', 'b', 'c', 'd']);
  });

  it('successive Shift-clicks pivot around the same anchor and replace the range', () => {
    const first = extendTo(selectOnly('c'), order, 'e');
    const second = extendTo(first, order, 'a');
    expect(second.anchor).toBe('c');
    expect(sel(second)).toEqual(['a', 'b', 'c']);
  });

  it('Ctrl+Shift-click adds the range to what was selected', () => {
    const state = extendTo(toggle(selectOnly('a'), 'd'), order, 'e', true);
    expect(sel(state)).toEqual(['a', 'd', 'e']);
  });
});

describe('keyboard', () => {
  it('arrows move focus without changing the selection', () => {
    const state = moveFocus(selectOnly('b'), order, 1, false);
    expect(state.focus).toBe('c');
    expect(sel(state)).toEqual(['b']);
  });

  it('Shift+arrows extend the selection from the anchor', () => {
    let state = moveFocus(selectOnly('b'), order, 1, true);
    state = moveFocus(state, order, 1, true);
    expect(sel(state)).toEqual(['b', 'c', 'd']);
    state = moveFocus(state, order, -3, true);
    expect(sel(state)).toEqual(['a', 'b']);
  });

  it('stops at the ends, and Home/End jump there', () => {
    expect(moveFocus(selectOnly('e'), order, 1, false).focus).toBe('e');
    expect(moveFocus(selectOnly('c'), order, 'first', false).focus).toBe('a');
    expect(sel(moveFocus(selectOnly('c'), order, 'last', true))).toEqual(['c', 'd', 'e']);
  });

  it('the first arrow press with nothing focused lands on the first (down) or last (up) row', () => {
    expect(moveFocus(emptySelection, order, 1, false).focus).toBe('a');
    expect(moveFocus(emptySelection, order, -1, false).focus).toBe('e');
  });

  it('Ctrl+A selects every row shown, and Escape clears', () => {
    const all = selectAll(emptySelection, order);
    expect(sel(all)).toEqual(order);
    expect(sel(clearSelection(all))).toEqual([]);
  });
});

describe('after the list changes', () => {
  it('forgets rows that are gone, and returns the same state when nothing changed', () => {
    const state = selectAll(selectOnly('b'), order);
    const pruned = retain(state, (k) => k !== 'b' && k !== 'c');
    expect(sel(pruned)).toEqual(['a', 'd', 'e']);
    expect(pruned.focus).toBeNull();
    expect(retain(pruned, () => true)).toBe(pruned);
  });
});

describe('targets', () => {
  it('are the selected rows in display order, else the focused row, else nothing', () => {
    expect(targets(toggle(selectOnly('d'), 'a'), order)).toEqual(['a', 'd']);
    expect(targets(moveFocus(emptySelection, order, 1, false), order)).toEqual(['a']);
    expect(targets(emptySelection, order)).toEqual([]);
  });

  it('leave out selected rows the filter hides, so a delete never touches what is not shown', () => {
    expect(targets(selectAll(emptySelection, order), ['b', 'c'])).toEqual(['b', 'c']);
  });
});
