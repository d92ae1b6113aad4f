/**
 * Documents being edited from this computer, by connection and key, as the engine reports them
 * (`coffer://editing`). A session that is done leaves the map.
 */
import type { EditUpdate } from '../ipc';

export class Editing {
  all = $state.raw<Map<string, EditUpdate>>(new Map());

  static id(connection: string, key: string): string {
    return `${connection}\n${key}`;
  }

  apply(update: EditUpdate): void {
    const next = new Map(this.all);
    const id = Editing.id(update.connection, update.key);
    if (update.status.state === 'done') next.delete(id);
    else next.set(id, update);
    this.all = next;
  }

  get(connection: string | null, key: string): EditUpdate | undefined {
    return connection == null ? undefined : this.all.get(Editing.id(connection, key));
  }

  /** The sessions of one connection, by key. */
  of(connection: string | null): Map<string, EditUpdate> {
    const mine = new Map<string, EditUpdate>();
    for (const update of this.all.values()) if (update.connection === connection) mine.set(update.key, update);
    return mine;
  }
}
