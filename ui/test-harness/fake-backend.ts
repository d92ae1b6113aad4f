/**
 * An in-memory stand-in for Coffer's Rust side, answering every command of the IPC contract through
 * Tauri's `mockIPC`: buckets are maps of object keys, uploads progress on timers, failures are
 * switched on per name or key. Used by the browser-test harness page and by the jsdom component
 * tests, so both exercise the real `api.ts` and the real `Channel` message ordering.
 */
import type { Channel } from '@tauri-apps/api/core';
import { emit } from '@tauri-apps/api/event';
import { mockIPC } from '@tauri-apps/api/mocks';
import type {
  Access,
  CofferError,
  ConflictChoice,
  Connection,
  ConnectionInfo,
  DeleteFailure,
  Entry,
  Selection,
  SelectionItem,
  TransferUpdate,
} from '../src/lib/types';

export interface StoredObject {
  size: number;
  lastModifiedMs: number;
}

/** A file or folder on the "local disk", as a drop or the picker would hand it over. */
export interface LocalItem {
  name: string;
  /** For a folder: the files inside, by relative path. A file has one entry with path ''. */
  files: { path: string; size: number }[];
  isFolder?: boolean;
}

export interface FakeOptions {
  pageSize: number;
  /** Pause between listing pages, so the first page visibly comes first. */
  pageDelayMs: number;
  /** Each upload takes this many progress steps… */
  uploadSteps: number;
  /** …this far apart. */
  uploadStepMs: number;
  /** Pause before summarize_delete answers. */
  summarizeDelayMs: number;
  /** Pause between delete progress messages. */
  deleteStepMs: number;
}

interface Transfer {
  id: number;
  connection: string;
  key: string;
  name: string;
  size: number;
  cancelled: boolean;
  /** Shown once the transfer is done, as the engine does for a resumed upload. */
  doneNote?: string;
}

interface HeldSelection {
  items: LocalItem[];
}

const error = (kind: CofferError['kind'], message: string): CofferError => ({ kind, message });
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class FakeBackend {
  options: FakeOptions = { pageSize: 1000, pageDelayMs: 0, uploadSteps: 4, uploadStepMs: 40, summarizeDelayMs: 0, deleteStepMs: 0 };
  connections: ConnectionInfo[] = [
    {
      name: 'Local vault',
      endpoint: '',
      region: 'local',
      bucket: 'vault',
      prefix: '',
      addressing: null,
      credentials: { source: 'keychain' },
      secretStored: false,
      accessKeyId: null,
      isLocalVault: true,
    },
  ];
  buckets = new Map<string, Map<string, StoredObject>>([['Local vault', new Map()]]);
  secrets = new Map<string, { accessKeyId: string | null; secret: string }>();
  /** Connections whose listing answers Unreachable. */
  unreachable = new Set<string>();
  /** Upload names that fail, and how many more times each will. */
  failUploads = new Map<string, number>();
  /** Object keys whose delete fails. */
  failDeletes = new Set<string>();
  /** What the next pick_files returns (null: the user cancelled). */
  nextPick: LocalItem[] | null = null;
  /** Every command received, for assertions. */
  calls: { cmd: string; args: Record<string, unknown> }[] = [];
  /** Every listing asked for, to check that refreshes are coalesced. */
  listings = 0;

  #selections = new Map<number, HeldSelection>();
  #transfers = new Map<number, Transfer>();
  #nextSelection = 1;
  #nextTransfer = 1;
  #channelIndex = new WeakMap<object, number>();
  #now: () => number;

  constructor(now: () => number = () => Date.now()) {
    this.#now = now;
  }

  /** Route Tauri's IPC here; `listen`/`emit` are mocked too. */
  install(): void {
    mockIPC((cmd, args) => this.handle(cmd, (args ?? {}) as Record<string, unknown>), { shouldMockEvents: true });
  }

  addConnection(info: Partial<ConnectionInfo> & { name: string }): void {
    this.connections.push({
      endpoint: 'https://s3.example.test',
      region: 'us-east-1',
      bucket: info.name.toLowerCase().replace(/\W+/g, '-'),
      prefix: '',
      addressing: 'path',
      credentials: { source: 'keychain' },
      secretStored: true,
      accessKeyId: 'AKIAEXAMPLE',
      isLocalVault: false,
      ...info,
    });
    if (!this.buckets.has(info.name)) this.buckets.set(info.name, new Map());
  }

  put(connection: string, key: string, size: number, lastModifiedMs = Date.UTC(2024, 4, 1, 9, 30)): void {
    this.#bucket(connection).set(key, { size, lastModifiedMs });
  }

  keys(connection: string): string[] {
    return [...this.#bucket(connection).keys()];
  }

  /** Simulate files dropped on the window: Rust holds a selection, the page hears its id. */
  async drop(items: LocalItem[]): Promise<number> {
    const id = this.#hold(items);
    await emit('coffer://drag', { state: 'over' });
    await emit('coffer://dropped', { id });
    return id;
  }

  async dragOver(state: 'over' | 'leave'): Promise<void> {
    await emit('coffer://drag', { state });
  }

  /** What the journal holds from an earlier session, picked up by `resume_transfers`. */
  unfinished: { connection: string; key: string; size: number }[] = [];

  async handle(cmd: string, args: Record<string, unknown>): Promise<unknown> {
    this.calls.push({ cmd, args });
    const a = args as Record<string, never>;
    switch (cmd) {
      case 'list_connections':
        return structuredClone(this.connections);
      case 'save_connection':
        return this.#save(a.connection, a.accessKeyId, a.secret, a.replacing);
      case 'test_connection':
        return this.#test(a.connection, a.accessKeyId, a.secret, a.saved);
      case 'remove_connection':
        return this.#remove(a.name);
      case 'list_folder':
        return this.#list(a.connection, a.folder, a.onPage);
      case 'pick_files':
        return this.nextPick ? this.#inspect(this.#hold(this.nextPick), a.connection, a.folder) : null;
      case 'inspect_selection':
        return this.#inspect(a.id, a.connection, a.folder);
      case 'upload_selection':
        return this.#upload(a.id, a.connection, a.folder, a.choices, a.onUpdate);
      case 'resume_transfers':
        return this.#resume(a.onUpdate);
      case 'cancel_transfer':
        this.#transfers.get(a.id)!.cancelled = true;
        return null;
      case 'cancel_all':
        for (const transfer of this.#transfers.values()) transfer.cancelled = true;
        return null;
      case 'retry_transfer':
        return this.#retry(a.id, a.onUpdate);
      case 'summarize_delete':
        await sleep(this.options.summarizeDelayMs);
        return this.#summarize(a.connection, a.keys);
      case 'delete_entries':
        return this.#delete(a.connection, a.keys, a.onProgress);
      case 'open_document':
        this.#object(a.connection, a.key);
        return null;
      case 'download_document':
        this.#object(a.connection, a.key);
        return `/home/staff/Downloads/${String(a.key).split('/').pop()}`;
      case 'copy_share_link': {
        this.#object(a.connection, a.key);
        const secs = a.expiresSecs as number;
        return { url: `https://share.example.test/${encodeURI(a.key)}?expires=${secs}`, expiresInSecs: secs, expiresAtMs: this.#now() + secs * 1000 };
      }
      default:
        throw error('InvalidInput', `unknown command ${cmd}`);
    }
  }

  /** Deliver one message the way Tauri does: through the Channel's callback, with its index. */
  #send<T>(channel: Channel<T>, message: T): void {
    const index = this.#channelIndex.get(channel) ?? 0;
    this.#channelIndex.set(channel, index + 1);
    window.__TAURI_INTERNALS__.runCallback(channel.id, { index, message });
  }

  #bucket(connection: string): Map<string, StoredObject> {
    const bucket = this.buckets.get(connection);
    if (!bucket) throw error('NotFound', `No connection named ${connection}`);
    return bucket;
  }

  #object(connection: string, key: string): StoredObject {
    const object = this.#bucket(connection).get(key);
    if (!object) throw error('NotFound', `${key} does not exist`);
    return object;
  }

  /** The entries directly inside `folder`: objects, and folders implied by deeper keys. */
  entriesOf(connection: string, folder: string): Entry[] {
    const entries: Entry[] = [];
    const folders = new Map<string, number>();
    for (const [key, object] of this.#bucket(connection)) {
      if (!key.startsWith(folder) || key === folder) continue;
      const rest = key.slice(folder.length);
      const slash = rest.indexOf('/');
      if (slash >= 0) {
        const name = rest.slice(0, slash);
        folders.set(name, Math.max(folders.get(name) ?? 0, object.lastModifiedMs));
      } else {
        entries.push({ key, name: rest, isFolder: false, size: object.size, lastModifiedMs: object.lastModifiedMs, etag: `"${object.size.toString(16)}"` });
      }
    }
    for (const name of folders.keys()) {
      entries.push({ key: `${folder}${name}/`, name, isFolder: true, size: 0, lastModifiedMs: null, etag: '' });
    }
    return entries;
  }

  async #list(connection: string, folder: string, onPage: Channel<Entry[]>): Promise<number> {
    this.listings += 1;
    if (this.unreachable.has(connection)) {
      await sleep(10);
      throw error('Unreachable', `Cannot connect to ${connection}: connection refused`);
    }
    const entries = this.entriesOf(connection, folder);
    for (let start = 0; start < entries.length; start += this.options.pageSize) {
      this.#send(onPage, entries.slice(start, start + this.options.pageSize));
      await sleep(this.options.pageDelayMs);
    }
    return entries.length;
  }

  #hold(items: LocalItem[]): number {
    const id = this.#nextSelection++;
    this.#selections.set(id, { items });
    return id;
  }

  #inspect(id: number, connection: string, folder: string): Selection {
    const held = this.#selections.get(id);
    if (!held) throw error('NotFound', `No selection ${id}`);
    const names = new Set(this.entriesOf(connection, folder).map((entry) => entry.name));
    const items: SelectionItem[] = held.items.map((item) => ({
      name: item.name,
      isFolder: item.isFolder ?? item.files.some((f) => f.path !== ''),
      size: item.files.reduce((sum, f) => sum + f.size, 0),
      files: item.files.length,
      exists: names.has(item.name),
    }));
    return { id, items };
  }

  #freeName(connection: string, folder: string, name: string, isFolder: boolean): string {
    const names = new Set(this.entriesOf(connection, folder).map((entry) => entry.name));
    const dot = isFolder ? -1 : name.lastIndexOf('.');
    const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
    for (let n = 1; ; n += 1) if (!names.has(`${stem} (${n})${ext}`)) return `${stem} (${n})${ext}`;
  }

  async #upload(
    id: number,
    connection: string,
    folder: string,
    choices: Record<string, ConflictChoice>,
    onUpdate: Channel<TransferUpdate>,
  ): Promise<null> {
    const held = this.#selections.get(id);
    if (!held) throw error('NotFound', `No selection ${id}`);
    this.#selections.delete(id);
    const existing = new Set(this.entriesOf(connection, folder).map((entry) => entry.name));
    const batch: Transfer[] = [];
    for (const item of held.items) {
      const choice = choices[item.name];
      const isFolder = item.isFolder ?? item.files.some((f) => f.path !== '');
      if (existing.has(item.name) && choice == null) throw error('InvalidInput', `No choice for existing ${item.name}`);
      if (choice === 'skip') continue;
      const target = existing.has(item.name) && choice === 'keepBoth' ? this.#freeName(connection, folder, item.name, isFolder) : item.name;
      for (const file of item.files) {
        const key = file.path ? `${folder}${target}/${file.path}` : `${folder}${target}`;
        const transfer = { id: this.#nextTransfer++, connection, key, name: key.split('/').pop()!, size: file.size, cancelled: false };
        this.#transfers.set(transfer.id, transfer);
        batch.push(transfer);
      }
    }
    for (const transfer of batch) this.#send(onUpdate, this.#update(transfer, 'queued', 0));
    // Two at a time, like a real uploader with limited parallelism.
    const queue = [...batch];
    const worker = async () => {
      for (let transfer = queue.shift(); transfer; transfer = queue.shift()) await this.#run(transfer, onUpdate);
    };
    await Promise.all([worker(), worker()]);
    return null;
  }

  /** Uploads "left over from an earlier session": `unfinished`, run once like a batch. */
  async #resume(onUpdate: Channel<TransferUpdate>): Promise<number> {
    const batch = this.unfinished.splice(0).map((left) => {
      const transfer = { id: this.#nextTransfer++, ...left, name: left.key.split('/').pop()!, cancelled: false, doneNote: 'Resumed: 2 part(s) were already stored.' };
      this.#transfers.set(transfer.id, transfer);
      return transfer;
    });
    for (const transfer of batch) this.#send(onUpdate, this.#update(transfer, 'queued', 0));
    for (const transfer of batch) await this.#run(transfer, onUpdate);
    return batch.length;
  }

  async #retry(id: number, onUpdate: Channel<TransferUpdate>): Promise<null> {
    const transfer = this.#transfers.get(id);
    if (!transfer) throw error('NotFound', `No transfer ${id}`);
    transfer.cancelled = false;
    this.#send(onUpdate, this.#update(transfer, 'queued', 0));
    await this.#run(transfer, onUpdate);
    return null;
  }

  #update(transfer: Transfer, state: TransferUpdate['state'], bytesDone: number, failure: CofferError | null = null): TransferUpdate {
    return { id: transfer.id, connection: transfer.connection, key: transfer.key, name: transfer.name, state, bytesDone, bytesTotal: transfer.size, error: failure, note: state === 'done' ? (transfer.doneNote ?? null) : null };
  }

  async #run(transfer: Transfer, onUpdate: Channel<TransferUpdate>): Promise<void> {
    const { uploadSteps, uploadStepMs } = this.options;
    const failures = this.failUploads.get(transfer.name) ?? 0;
    for (let step = 0; step <= uploadSteps; step += 1) {
      if (transfer.cancelled) {
        this.#send(onUpdate, this.#update(transfer, 'cancelled', 0));
        return;
      }
      const bytes = Math.round((transfer.size * step) / uploadSteps);
      if (failures > 0 && step === Math.ceil(uploadSteps / 2)) {
        this.failUploads.set(transfer.name, failures - 1);
        this.#send(onUpdate, this.#update(transfer, 'failed', bytes, error('Server', 'The server closed the connection')));
        return;
      }
      this.#send(onUpdate, this.#update(transfer, 'running', bytes));
      await sleep(uploadStepMs);
    }
    this.#bucket(transfer.connection).set(transfer.key, { size: transfer.size, lastModifiedMs: this.#now() });
    this.#send(onUpdate, this.#update(transfer, 'done', transfer.size));
  }

  #expand(connection: string, keys: string[]): string[] {
    const bucket = this.#bucket(connection);
    const objects = new Set<string>();
    for (const key of keys) {
      if (key.endsWith('/')) for (const k of bucket.keys()) if (k.startsWith(key)) objects.add(k);
      if (bucket.has(key)) objects.add(key);
    }
    return [...objects];
  }

  #summarize(connection: string, keys: string[]) {
    const bucket = this.#bucket(connection);
    const objects = this.#expand(connection, keys);
    return { objects: objects.length, bytes: objects.reduce((sum, k) => sum + bucket.get(k)!.size, 0) };
  }

  async #delete(connection: string, keys: string[], onProgress: Channel<{ done: number; total: number }>) {
    const bucket = this.#bucket(connection);
    const objects = this.#expand(connection, keys);
    const deleted: string[] = [];
    const failed: DeleteFailure[] = [];
    for (const [index, key] of objects.entries()) {
      if (this.failDeletes.has(key)) failed.push({ key, error: error('PermissionDenied', 'Access denied by the bucket policy') });
      else {
        bucket.delete(key);
        deleted.push(key);
      }
      this.#send(onProgress, { done: index + 1, total: objects.length });
      if (this.options.deleteStepMs) await sleep(this.options.deleteStepMs);
    }
    return { deleted, failed };
  }

  #save(connection: Connection, accessKeyId: string | null, secret: string | null, replacing: string | null): Connection {
    if (!connection.name.trim()) throw error('InvalidInput', 'A connection needs a name');
    const clash = this.connections.find((c) => c.name === connection.name && c.name !== replacing);
    if (clash) throw error('AlreadyExists', `A connection named ${connection.name} already exists`);
    const old = replacing == null ? undefined : this.connections.find((c) => c.name === replacing);
    if (old?.isLocalVault) throw error('InvalidInput', 'The Local vault cannot be edited');
    const keepSecret = secret == null && old?.secretStored;
    const stored = secret != null ? { accessKeyId, secret } : keepSecret ? this.secrets.get(replacing!) : undefined;
    if (replacing != null) {
      this.connections = this.connections.filter((c) => c.name !== replacing);
      this.secrets.delete(replacing);
    }
    if (stored) this.secrets.set(connection.name, { accessKeyId, secret: stored.secret });
    this.connections.push({ ...connection, secretStored: stored != null, accessKeyId, isLocalVault: false });
    const bucket = replacing != null ? this.buckets.get(replacing) : undefined;
    if (replacing != null) this.buckets.delete(replacing);
    this.buckets.set(connection.name, bucket ?? new Map());
    return connection;
  }

  #test(connection: Connection, accessKeyId: string | null, secret: string | null, saved: string | null): Access {
    const key = secret ?? (saved ? this.secrets.get(saved)?.secret : undefined);
    if (connection.endpoint.includes('unreachable')) throw error('Unreachable', 'connection refused');
    if (connection.bucket === 'missing') throw error('BucketNotFound', `The bucket ${connection.bucket} does not exist`);
    if (connection.credentials.source === 'keychain' && (!key || key === 'wrong')) {
      throw error('InvalidCredentials', 'The request signature we calculated does not match');
    }
    if (connection.bucket === 'forbidden') throw error('PermissionDenied', 'Access Denied');
    return accessKeyId === 'READONLY' ? 'ReadOnly' : 'ReadWrite';
  }

  #remove(name: string): null {
    const found = this.connections.find((c) => c.name === name);
    if (!found) throw error('NotFound', `No connection named ${name}`);
    if (found.isLocalVault) throw error('InvalidInput', 'The Local vault cannot be removed');
    this.connections = this.connections.filter((c) => c.name !== name);
    this.secrets.delete(name);
    return null;
  }
}

declare global {
  interface Window {
    // Tauri's internals as the mocks leave them; typed only as far as the fake uses them.
    __TAURI_INTERNALS__: { runCallback: (id: number, data: unknown) => void } & Record<string, unknown>;
  }
}
