/**
 * The saved connections and which one the dashboard shows. The choice is remembered between runs
 * (only its name, in localStorage); the first start shows the Local vault.
 */
import * as api from '../api';
import type { Connection, ConnectionInfo } from '../ipc';

const REMEMBERED = 'coffer.connection';

function remembered(): string | null {
  try {
    return localStorage.getItem(REMEMBERED);
  } catch {
    return null;
  }
}

function remember(name: string): void {
  try {
    localStorage.setItem(REMEMBERED, name);
  } catch {
    // Storage can be unavailable (private mode, quota); the choice is just not remembered.
  }
}

export class Connections {
  list = $state.raw<ConnectionInfo[]>([]);
  current = $state<string | null>(null);
  loaded = $state(false);

  currentInfo = $derived(this.list.find((c) => c.name === this.current) ?? null);

  /** Fetches the list and keeps the current choice if it still exists. Rejects with a CofferError. */
  async load(): Promise<void> {
    this.list = await api.listConnections();
    this.loaded = true;
    const names = new Set(this.list.map((c) => c.name));
    const wanted = [this.current, remembered()].find((name) => name != null && names.has(name));
    const fallback = this.list.find((c) => c.isLocalVault) ?? this.list[0];
    this.current = wanted ?? fallback?.name ?? null;
  }

  select(name: string): void {
    if (!this.list.some((c) => c.name === name)) return;
    this.current = name;
    remember(name);
  }

  async save(
    connection: Connection,
    accessKeyId: string | null,
    secret: string | null,
    replacing: string | null,
  ): Promise<Connection> {
    const saved = await api.saveConnection(connection, accessKeyId, secret, replacing);
    if (replacing != null && this.current === replacing) {
      this.current = saved.name;
      remember(saved.name);
    }
    await this.load();
    return saved;
  }

  async remove(name: string): Promise<void> {
    await api.removeConnection(name);
    if (this.current === name) this.current = null;
    await this.load();
  }
}
