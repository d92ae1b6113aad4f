/**
 * An in-memory stand-in for Coffer's Rust side, answering every command of the IPC contract through
 * Tauri's `mockIPC`: buckets are maps of object keys, uploads progress on timers, failures are
 * switched on per name or key. Used by the browser-test harness page and by the jsdom component
 * tests, so both exercise the real `api.ts` and the real `Channel` message ordering.
 */
import type { Channel } from '@tauri-apps/api/core';
import { IntlMessageFormat } from 'intl-messageformat';
import english from '../src/lib/i18n/errors.en.json';
import { emit } from '@tauri-apps/api/event';
import { mockIPC } from '@tauri-apps/api/mocks';
import { endpointTransport } from '../src/lib/connection-form';
import { runsCode } from '../src/lib/names';
import type {
  CofferError,
  ConflictChoice,
  Connection,
  ConnectionCheck,
  ConnectionInfo,
  DeleteFailure,
  DownloadReport,
  FileNote,
  DownloadSummary,
  PlannedDownload,
  Progress,
  EditLock,
  EditState,
  EditUpdate,
  Entry,
  MoveKind,
  Moved,
  OnConflict,
  SearchEvent,
  SearchHit,
  SearchQuery,
  FileUpdate,
  GroupState,
  GroupUpdate,
  ListEvent,
  Resumed,
  Selection,
  SelectionItem,
  Settings,
  SettingsView,
  TransferReport,
  TransferState,
  TrashItem,
  UploadStarted,
} from '../src/lib/ipc';

export interface StoredObject {
  size: number;
  lastModifiedMs: number;
  /** Who uploaded it, as `x-amz-meta-uploaded-by` would say. */
  uploadedBy?: string;
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
  group: Group;
  key: string;
  name: string;
  size: number;
  cancelled: boolean;
  state: 'queued' | TransferState;
  /** Shown once the transfer is done, as the engine does for a resumed upload. */
  doneNote?: FileNote;
}

interface Group {
  id: number;
  connection: string;
  name: string;
  isFolder: boolean;
  files: Transfer[];
  bytesDone: number;
  running: boolean;
  cancelled: boolean;
}

interface HeldSelection {
  items: LocalItem[];
}

/** What keeps an empty folder in existence, as the engine stores it. */
const FOLDER_PLACEHOLDER = '.coffer-folder';

/** A point where work in progress waits until a test releases it, so the test sees it running. */
interface Gate {
  promise: Promise<void>;
  release: () => void;
}

function gate(): Gate {
  let release = () => {};
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}

interface MoveRoot {
  from: string;
  to: string;
  folder: boolean;
  items: { from: string; to: string }[];
}

interface MovePlan {
  connection: string;
  kind: MoveKind;
  roots: MoveRoot[];
}

/** An engine error as the engine sends it: its code and parameters, and the English sentence they make. */
const error = (kind: CofferError['kind'], code: CofferError['code'], params: Record<string, string> = {}): CofferError => ({
  kind,
  code,
  params,
  message: String(new IntlMessageFormat(english[code], 'en').format(params)),
});
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
      movedFromPort: null,
      unencrypted: false,
      insecure: false,
      caCertificate: null,
      writeGuard: 'enforced',
    },
  ];
  buckets = new Map<string, Map<string, StoredObject>>([['Local vault', new Map()]]);
  secrets = new Map<string, { accessKeyId: string | null; secret: string }>();
  /** Connections whose listing answers Unreachable. */
  unreachable = new Set<string>();
  /** Upload names that fail, and how many more times each will. */
  failUploads = new Map<string, number>();
  /** Upload names whose document "a colleague changes" while they upload: they fail with AlreadyExists. */
  conflictUploads = new Set<string>();
  /** Names "a colleague" stores just before upload_selection runs (after the person was asked). */
  takenBeforeUpload = new Set<string>();
  /** The person's display name, as save_settings keeps it. */
  displayName: string | null = null;
  /** The language the person chose ("en", "de"), null to follow the system, as save_settings keeps it. */
  language: string | null = null;
  /** Object keys whose delete fails. */
  failDeletes = new Set<string>();
  /** What the next pick_files returns (null: the user cancelled). */
  nextPick: LocalItem[] | null = null;
  /** Every command received, for assertions. */
  calls: { cmd: string; args: Record<string, unknown> }[] = [];
  /** Every listing asked for, to check that refreshes are coalesced. */
  listings = 0;

  /** While set, uploads stop after their first step until `releaseUploads()`. */
  #gate: Gate | null = null;
  #selections = new Map<number, HeldSelection>();
  /** Deletes counted and not yet confirmed or discarded, by id. */
  plans = new Map<number, { connection: string; objects: string[] }>();
  /** Moves counted and not yet run or discarded, by id. */
  movePlans = new Map<number, MovePlan>();
  /** Moves running, by id: set to stop after the current document. */
  #moving = new Map<number, { cancelled: boolean }>();
  /** While set, moves stop after their first document until `releaseMoves()` (or a cancel). */
  #moveGate: Gate | null = null;
  /** Object keys whose move or copy fails. */
  failMoves = new Set<string>();
  /** Files on "this computer", by path: what downloads wrote, and what was there before. */
  local = new Map<string, number>();
  /** What the next folder picker returns (null: the person cancelled it). */
  nextFolder: string | null = '/home/staff/Downloads';
  /** Object keys whose download fails. */
  failDownloads = new Set<string>();
  /** Folders the page asked to show. */
  shownFolders: string[] = [];
  /** Downloads counted and not yet run or discarded, by id. */
  downloadPlans = new Map<number, { connection: string; folder: string; items: { key: string; size: number; local: string }[] }>();
  /** While set, opens of a document stop half-way through its download until `releaseOpens()`. */
  #openGate: Gate | null = null;
  /** While set, downloads stop after their first document until `releaseDownloads()` (or a cancel). */
  #downloadGate: Gate | null = null;
  #nextPlan = 1;
  #transfers = new Map<number, Transfer>();
  #groups = new Map<number, Group>();
  #nextSelection = 1;
  #nextTransfer = 1;
  #nextGroup = 1;
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
      movedFromPort: null,
      unencrypted: false,
      insecure: false,
      caCertificate: null,
      writeGuard: null,
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

  /** Uploads that start from now on wait after their first step, so a test can see them running. */
  holdUploads(): void {
    this.#gate = gate();
  }

  releaseUploads(): void {
    this.#gate?.release();
    this.#gate = null;
  }

  /** Moves that start from now on wait after their first document, so a test can see them running. */
  holdMoves(): void {
    this.#moveGate = gate();
  }

  releaseMoves(): void {
    this.#moveGate?.release();
    this.#moveGate = null;
  }

  /** Opens that start from now on wait half-way through the document's download. */
  holdOpens(): void {
    this.#openGate = gate();
  }

  releaseOpens(): void {
    this.#openGate?.release();
    this.#openGate = null;
  }

  /** Downloads that start from now on wait after their first document, so a test can see them running. */
  holdDownloads(): void {
    this.#downloadGate = gate();
  }

  releaseDownloads(): void {
    this.#downloadGate?.release();
    this.#downloadGate = null;
  }

  /** Colleagues' edit locks, by connection. */
  locks = new Map<string, EditLock[]>();
  /** Documents being edited from "this computer", by connection and key. */
  edits = new Map<string, EditUpdate>();
  /** Set once the page asked to quit. */
  quitAsked = false;

  /** A colleague starts editing `key`. */
  lock(connection: string, key: string, by: string, sinceMs: number): void {
    const locks = (this.locks.get(connection) ?? []).filter((lock) => lock.key !== key);
    locks.push({ key, by, sinceMs, expiresMs: sinceMs + 600_000, holder: 'colleague' });
    this.locks.set(connection, locks);
  }

  /** The engine reports a new state for a document being edited here. */
  async editState(connection: string, key: string, status: EditState, pending = false): Promise<void> {
    const id = `${connection}\n${key}`;
    const savesTo = status.state === 'conflict' ? status.copy : (this.edits.get(id)?.savesTo ?? key);
    const update: EditUpdate = { connection, key, savesTo, status, pending };
    if (status.state === 'done') this.edits.delete(id);
    else this.edits.set(id, update);
    await emit('coffer://editing', update);
  }

  /** The window is closed while these edits are not in the bucket. */
  async closeWindow(): Promise<void> {
    await emit('coffer://quit-blocked', [...this.edits.values()].filter((u) => u.pending));
  }

  /** What the journal holds from an earlier session, picked up by `resume_transfers`. */
  unfinished: { connection: string; key: string; size: number }[] = [];

  #settings(): SettingsView {
    return { settings: { displayName: this.displayName, language: this.language }, defaultName: 'Office User' };
  }

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
      case 'clean_up':
        this.#bucket(a.connection);
        return { aborted: this.abandoned.splice(0), kept: 0, listed: true };
      case 'remove_connection':
        return this.#remove(a.name);
      case 'list_folder':
        return this.#list(a.connection, a.folder, a.onEvent);
      case 'pick_files':
        return this.nextPick ? this.#inspect(this.#hold(this.nextPick), a.connection, a.folder) : null;
      case 'inspect_selection':
        return this.#inspect(a.id, a.connection, a.folder);
      case 'discard_selection':
        this.#selections.delete(a.id);
        return null;
      case 'upload_selection':
        return this.#upload(a.id, a.connection, a.folder, a.choices);
      case 'resume_transfers':
        return this.#resume();
      case 'cancel_transfer':
        return this.#cancel(a.id);
      case 'cancel_group':
        for (const transfer of this.#groupOf(a.id).files) await this.#cancel(transfer.id);
        return null;
      case 'cancel_all':
        for (const transfer of this.#transfers.values()) if (transfer.state === 'running' || transfer.state === 'queued') transfer.cancelled = true;
        return null;
      case 'retry_transfer':
        return this.#retry([this.#transfer(a.id)]);
      case 'resolve_transfer': {
        const transfer = this.#transfer(a.id);
        if (a.choice === 'skip') return this.#cancel(a.id);
        if (a.choice === 'keepBoth') {
          const slash = transfer.key.lastIndexOf('/') + 1;
          const folder = transfer.key.slice(0, slash);
          transfer.key = folder + this.#freeName(transfer.group.connection, folder, transfer.key.slice(slash), false);
          transfer.name = transfer.key.split('/').pop()!;
        }
        return this.#retry([transfer]);
      }
      case 'uploaders':
        return (a.keys as string[]).map((key) => ({ key, uploadedBy: this.#bucket(a.connection).get(key)?.uploadedBy ?? null }));
      case 'get_settings':
        return this.#settings();
      case 'save_settings': {
        const settings = a.settings as Settings;
        this.displayName = settings.displayName?.trim() || null;
        this.language = settings.language ?? null;
        return this.#settings();
      }
      case 'retry_group':
        return this.#retry(this.#groupOf(a.id).files.filter((t) => t.state === 'failed'));
      case 'plan_delete': {
        await sleep(this.options.summarizeDelayMs);
        const objects = this.#expand(a.connection, a.keys);
        const id = this.#nextPlan++;
        this.plans.set(id, { connection: a.connection, objects });
        return { id, summary: this.#summarize(a.connection, objects) };
      }
      case 'delete_planned': {
        const plan = this.plans.get(a.id);
        if (!plan) throw error('NotFound', 'nothingOnHand');
        this.plans.delete(a.id);
        return this.#delete(plan.connection, plan.objects, a.permanent, a.onProgress);
      }
      case 'list_trash':
        return structuredClone(this.trash.get(a.connection) ?? []);
      case 'restore_trash':
        return this.#restore(a.connection, a.batch, a.keys);
      case 'purge_trash_items': {
        const trash = this.trash.get(a.connection) ?? [];
        const gone = trash.filter((i) => i.batch === a.batch && (a.keys as string[]).includes(i.key));
        this.trash.set(a.connection, trash.filter((i) => !gone.includes(i)));
        return { deleted: gone.map((i) => i.key), failed: [] };
      }
      case 'empty_trash': {
        const count = this.trash.get(a.connection)?.length ?? 0;
        this.trash.set(a.connection, []);
        return count;
      }
      case 'discard_plan':
        this.plans.delete(a.id);
        this.movePlans.delete(a.id);
        return null;
      case 'read_document': {
        const object = this.#object(a.connection, a.key);
        const bytes = this.contents.get(`${a.connection}\n${a.key}`) ?? new Uint8Array(object.size).fill(120);
        this.reads.push({ key: a.key, start: a.start, length: a.length });
        return bytes.slice(a.start, a.start + a.length);
      }
      case 'document_details': {
        const object = this.#object(a.connection, a.key);
        return {
          info: {
            key: a.key,
            size: object.size,
            contentType: 'application/octet-stream',
            etag: `"${object.size.toString(16)}"`,
            lastModifiedMs: object.lastModifiedMs,
            fileModifiedMs: object.lastModifiedMs - 3_600_000,
            uploadedBy: object.uploadedBy ?? null,
            checksum: `CRC32C ${btoa(String(object.size)).slice(0, 8)}`,
          },
          links: this.shared.filter((l) => l.connection === a.connection && l.key === a.key).map(({ madeAtMs, expiresAtMs }) => ({ madeAtMs, expiresAtMs })),
        };
      }
      case 'search':
        return this.#search(a.connection, a.query, a.onEvent);
      case 'create_folder':
        return this.#createFolder(a.connection, a.parent, a.name);
      case 'plan_move':
        return this.#planMove(a.connection, a.keys, a.dest, a.kind);
      case 'plan_rename':
        return this.#planRename(a.connection, a.key, a.name);
      case 'move_planned':
        return this.#runMove(a.id, a.onConflict, a.onProgress);
      case 'cancel_planned': {
        const running = this.#moving.get(a.id);
        if (running) running.cancelled = true;
        this.#moveGate?.release();
        this.#downloadGate?.release();
        return null;
      }
      case 'plan_download':
        return this.#planDownload(a.connection, a.keys as string[]);
      case 'download_planned':
        return this.#runDownload(a.id, a.onConflict, a.onProgress);
      case 'show_folder':
        this.shownFolders.push(String(a.path));
        return null;
      case 'open_document': {
        const { size } = this.#object(a.connection, a.key);
        // The download to the cache, reported as the engine does: half-way, then complete.
        const step = (bytesDone: number, filesDone: number) =>
          this.#send(a.onProgress, { bytesDone, bytesTotal: size, filesDone, filesFailed: 0, filesTotal: 1, retrying: 0 });
        step(Math.floor(size / 2), 0);
        if (this.#openGate) await this.#openGate.promise;
        step(size, 1);
        if (runsCode(String(a.key)) && !a.confirmed) throw error('InvalidInput', 'programNeedsConfirmation', { name: String(a.key) });
        if (a.mode === 'readOnly') return null;
        const lock = (this.locks.get(a.connection) ?? []).find((l) => l.key === a.key);
        if (lock && a.mode !== 'anyway') return lock;
        await this.editState(a.connection, a.key, { state: 'editing' });
        return null;
      }
      case 'finish_editing':
        await this.editState(a.connection, a.key, { state: 'done' });
        return null;
      case 'editing':
        return [...this.edits.values()];
      case 'list_locks': {
        const folder = String(a.folder);
        return (this.locks.get(a.connection) ?? []).filter(
          (lock) => lock.key.startsWith(folder) && !lock.key.slice(folder.length).includes('/'),
        );
      }
      case 'quit':
        this.quitAsked = true;
        return null;
      case 'download_document':
        this.#object(a.connection, a.key);
        return `/home/staff/Downloads/${String(a.key).split('/').pop()}`;
      case 'copy_share_link': {
        this.#object(a.connection, a.key);
        const secs = a.expiresSecs as number;
        this.shared.push({ connection: a.connection, key: a.key, madeAtMs: this.#now(), expiresAtMs: this.#now() + secs * 1000 });
        return { url: `https://share.example.test/${encodeURI(a.key)}?expires=${secs}`, expiresInSecs: secs, expiresAtMs: this.#now() + secs * 1000 };
      }
      default:
        throw error('InvalidInput', 'plain', { detail: `unknown command ${cmd}` });
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
    if (!bucket) throw error('NotFound', 'noSuchConnection', { name: connection });
    return bucket;
  }

  #object(connection: string, key: string): StoredObject {
    const object = this.#bucket(connection).get(key);
    if (!object) throw error('NotFound', 'objectMissing', { name: key, connection });
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
      } else if (rest !== FOLDER_PLACEHOLDER) {
        entries.push({ key, name: rest, isFolder: false, size: object.size, lastModifiedMs: object.lastModifiedMs, etag: `"${object.size.toString(16)}"` });
      }
    }
    for (const name of folders.keys()) {
      entries.push({ key: `${folder}${name}/`, name, isFolder: true, size: 0, lastModifiedMs: null, etag: '' });
    }
    return entries;
  }

  async #list(connection: string, folder: string, onEvent: Channel<ListEvent>): Promise<null> {
    this.listings += 1;
    if (this.unreachable.has(connection)) {
      await sleep(10);
      throw error('Unreachable', 'serverUnreachable', { connection, endpoint: this.connections.find((c) => c.name === connection)?.endpoint ?? '' });
    }
    const entries = this.entriesOf(connection, folder);
    for (let start = 0; start < entries.length; start += this.options.pageSize) {
      this.#send(onEvent, { type: 'page', entries: entries.slice(start, start + this.options.pageSize) });
      await sleep(this.options.pageDelayMs);
    }
    this.#send(onEvent, { type: 'done', total: entries.length });
    return null;
  }

  #hold(items: LocalItem[]): number {
    const id = this.#nextSelection++;
    this.#selections.set(id, { items });
    return id;
  }

  #inspect(id: number, connection: string, folder: string): Selection {
    const held = this.#selections.get(id);
    if (!held) throw error('NotFound', 'selectionGone');
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

  #freeName(connection: string, folder: string, name: string, isFolder: boolean, used: Set<string> = new Set()): string {
    const names = new Set([...this.entriesOf(connection, folder).map((entry) => entry.name), ...used]);
    const dot = isFolder ? -1 : name.lastIndexOf('.');
    const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
    for (let n = 1; ; n += 1) if (!names.has(`${stem} (${n})${ext}`)) return `${stem} (${n})${ext}`;
  }

  /**
   * Queues the items as groups and runs them in the background, as the engine does: a name taken
   * without a choice comes back to be asked again, and two items of one name are numbered.
   */
  async #upload(id: number, connection: string, folder: string, choices: Record<string, ConflictChoice>): Promise<UploadStarted> {
    const held = this.#selections.get(id);
    if (!held) throw error('NotFound', 'selectionGone');
    this.#selections.delete(id);
    for (const name of this.takenBeforeUpload) this.put(connection, `${folder}${name}`, 1);
    this.takenBeforeUpload.clear();
    const existing = new Set(this.entriesOf(connection, folder).map((entry) => entry.name));
    const groups: Group[] = [];
    const again: LocalItem[] = [];
    const used = new Set<string>();
    for (const item of held.items) {
      const choice = choices[item.name];
      const isFolder = item.isFolder ?? item.files.some((f) => f.path !== '');
      let target = item.name;
      if (used.has(item.name)) {
        target = this.#freeName(connection, folder, item.name, isFolder, used);
      } else if (existing.has(item.name)) {
        if (choice == null) {
          again.push(item);
          continue;
        }
        if (choice === 'skip') continue;
        if (choice === 'keepBoth') target = this.#freeName(connection, folder, item.name, isFolder, used);
      }
      used.add(target);
      const group: Group = { id: this.#nextGroup++, connection, name: target, isFolder, files: [], bytesDone: 0, running: false, cancelled: false };
      for (const file of item.files) {
        const key = file.path ? `${folder}${target}/${file.path}` : `${folder}${target}`;
        this.#add(group, key, file.size);
      }
      this.#groups.set(group.id, group);
      groups.push(group);
    }
    for (const group of groups) void this.#runGroup(group);
    const askAgain = again.length > 0 ? this.#inspect(this.#hold(again), connection, folder) : null;
    return { groups: groups.map((group) => this.#groupUpdate(group)), askAgain };
  }

  #add(group: Group, key: string, size: number, doneNote?: FileNote): void {
    const transfer: Transfer = { id: this.#nextTransfer++, group, key, name: key.split('/').pop()!, size, cancelled: false, state: 'queued', doneNote };
    this.#transfers.set(transfer.id, transfer);
    group.files.push(transfer);
  }

  #transfer(id: number): Transfer {
    const transfer = this.#transfers.get(id);
    if (!transfer) throw error('NotFound', 'transferUnknown');
    return transfer;
  }

  #groupOf(id: number): Group {
    const group = this.#groups.get(id);
    if (!group) throw error('NotFound', 'transferUnknown');
    return group;
  }

  /** Keys with multipart uploads nothing will finish, for `clean_up` to abort. */
  abandoned: string[] = [];

  /** Set to have `resume_transfers` report a damaged journal moved to this path. */
  journalMovedTo: string | null = null;
  journalInMemory: string | null = null;

  /** Uploads "left over from an earlier session": `unfinished`, one group per connection. */
  async #resume(): Promise<Resumed> {
    const left = this.unfinished.splice(0);
    const byConnection = new Map<string, Group>();
    for (const { connection, key, size } of left) {
      let group = byConnection.get(connection);
      if (!group) {
        group = { id: this.#nextGroup++, connection, name: 'Unfinished uploads', isFolder: true, files: [], bytesDone: 0, running: false, cancelled: false };
        byConnection.set(connection, group);
        this.#groups.set(group.id, group);
      }
      this.#add(group, key, size, { kind: 'resumed', parts: 2 });
    }
    for (const group of byConnection.values()) void this.#runGroup(group);
    return { files: left.length, journalMovedTo: this.journalMovedTo, journalInMemory: this.journalInMemory };
  }

  async #cancel(id: number): Promise<null> {
    const transfer = this.#transfer(id);
    if (transfer.state === 'running') transfer.cancelled = true;
    else if (transfer.state === 'queued' || transfer.state === 'failed') {
      transfer.state = 'cancelled';
      await this.#report([transfer.group], [transfer]);
    }
    return null;
  }

  async #retry(transfers: Transfer[]): Promise<null> {
    for (const transfer of transfers) {
      if (transfer.state === 'running') throw error('InvalidInput', 'uploadRunning');
      if (transfer.state !== 'failed') throw error('NotFound', 'uploadGone');
      transfer.state = 'queued';
      transfer.cancelled = false;
    }
    const groups = new Set(transfers.map((t) => t.group));
    for (const group of groups) if (!group.running) void this.#runGroup(group);
    return null;
  }

  #groupState(group: Group): GroupState {
    if (group.running) return 'running';
    if (group.files.some((t) => t.state === 'failed')) return 'failed';
    if (group.files.length > 0 && group.files.every((t) => t.state === 'cancelled')) return 'cancelled';
    return 'done';
  }

  #groupUpdate(group: Group): GroupUpdate {
    const counted = group.files.filter((t) => t.state !== 'cancelled');
    return {
      id: group.id,
      connection: group.connection,
      name: group.name,
      isFolder: group.isFolder,
      state: this.#groupState(group),
      progress: {
        bytesDone: group.bytesDone,
        bytesTotal: counted.reduce((sum, t) => sum + t.size, 0),
        filesDone: counted.filter((t) => t.state === 'done').length,
        filesFailed: counted.filter((t) => t.state === 'failed').length,
        filesTotal: counted.length,
        retrying: 0,
      },
      skipped: [],
      skippedTotal: 0,
      note: null,
    };
  }

  #fileUpdate(transfer: Transfer, failure: CofferError | null = null): FileUpdate {
    const state = transfer.state === 'queued' ? 'running' : transfer.state;
    return {
      id: transfer.id,
      group: transfer.group.id,
      connection: transfer.group.connection,
      key: transfer.key,
      name: transfer.name,
      state,
      size: transfer.size,
      error: failure,
      note: state === 'done' ? (transfer.doneNote ?? null) : null,
    };
  }

  /** One report, the way the engine sends them: groups with their counters, and files that changed. */
  async #report(groups: Group[], files: Transfer[], failure: CofferError | null = null): Promise<void> {
    const report: TransferReport = { groups: groups.map((g) => this.#groupUpdate(g)), files: files.map((t) => this.#fileUpdate(t, failure)) };
    await emit('coffer://transfers', report);
  }

  /** Two files at a time, like a real uploader with limited parallelism, until none is queued. */
  async #runGroup(group: Group): Promise<void> {
    group.running = true;
    await this.#report([group], []);
    const worker = async () => {
      for (let next = group.files.find((t) => t.state === 'queued'); next; next = group.files.find((t) => t.state === 'queued')) {
        await this.#run(next);
      }
    };
    await Promise.all([worker(), worker()]);
    group.running = false;
    await this.#report([group], []);
  }

  async #run(transfer: Transfer): Promise<void> {
    const { uploadSteps, uploadStepMs } = this.options;
    const group = transfer.group;
    const failures = this.failUploads.get(transfer.name) ?? 0;
    transfer.state = 'running';
    let sent = 0;
    for (let step = 0; step <= uploadSteps; step += 1) {
      if (transfer.cancelled) {
        transfer.state = 'cancelled';
        group.bytesDone -= sent;
        await this.#report([group], [transfer]);
        return;
      }
      const bytes = Math.round((transfer.size * step) / uploadSteps);
      if (this.conflictUploads.has(transfer.name) && step === Math.ceil(uploadSteps / 2)) {
        this.conflictUploads.delete(transfer.name);
        transfer.state = 'failed';
        group.bytesDone -= sent;
        await this.#report([group], [transfer], error('AlreadyExists', 'changedMeanwhile', { name: transfer.key, connection: group.connection }));
        return;
      }
      if (failures > 0 && step === Math.ceil(uploadSteps / 2)) {
        this.failUploads.set(transfer.name, failures - 1);
        transfer.state = 'failed';
        group.bytesDone -= sent;
        await this.#report([group], [transfer], error('Server', 'serverFailed', { connection: group.connection, detail: 'connection closed' }));
        return;
      }
      group.bytesDone += bytes - sent;
      sent = bytes;
      await this.#report([group], step === 0 ? [transfer] : []);
      if (step === 0 && this.#gate) await this.#gate.promise;
      await sleep(uploadStepMs);
    }
    this.#bucket(group.connection).set(transfer.key, { size: transfer.size, lastModifiedMs: this.#now(), uploadedBy: this.displayName ?? 'Office User' });
    transfer.state = 'done';
    await this.#report([group], [transfer]);
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

  #summarize(connection: string, objects: string[]) {
    const bucket = this.#bucket(connection);
    return { objects: objects.length, bytes: objects.reduce((sum, k) => sum + bucket.get(k)!.size, 0) };
  }

  /** Deletes exactly `objects`, the keys a plan counted. */
  /** What each connection's trash holds, as the engine keeps it under `.coffer-trash/`. */
  trash = new Map<string, TrashItem[]>();
  #nextBatch = 1;

  async #delete(connection: string, objects: string[], permanent: boolean, onProgress: Channel<{ done: number; total: number }>) {
    const bucket = this.#bucket(connection);
    const deleted: string[] = [];
    const failed: DeleteFailure[] = [];
    const batch = `batch-${this.#nextBatch++}`;
    const trash = this.trash.get(connection) ?? [];
    this.trash.set(connection, trash);
    for (const [index, key] of objects.entries()) {
      if (this.failDeletes.has(key)) failed.push({ key, error: error('PermissionDenied', 'accessDenied', { name: key, connection }) });
      else {
        const object = bucket.get(key)!;
        bucket.delete(key);
        deleted.push(key);
        if (!permanent) {
          trash.push({ batch, key, size: object.size, deletedAtMs: this.#now(), deletedBy: this.displayName ?? 'Office User', replaced: false });
          this.#trashed.set(`${batch}/${key}`, object);
        }
      }
      this.#send(onProgress, { done: index + 1, total: objects.length });
      if (this.options.deleteStepMs) await sleep(this.options.deleteStepMs);
    }
    return { deleted: { deleted, failed }, trashBatch: permanent ? null : batch };
  }

  #trashed = new Map<string, StoredObject>();

  /** Document contents, by connection and key; others read as repeated "x". */
  contents = new Map<string, Uint8Array>();
  /** Every range a preview read. */
  reads: { key: string; start: number; length: number }[] = [];
  /** Share links made, as the engine remembers them. */
  shared: { connection: string; key: string; madeAtMs: number; expiresAtMs: number }[] = [];

  /** Stores `bytes` as the document `key`. */
  putContent(connection: string, key: string, bytes: Uint8Array): void {
    this.put(connection, key, bytes.length, this.#now());
    this.contents.set(`${connection}\n${key}`, bytes);
  }

  /** Documents still to be indexed: while set, search answers say the index is incomplete. */
  indexing: number | null = null;

  async #search(connection: string, query: SearchQuery, onEvent: Channel<SearchEvent>): Promise<null> {
    const words = query.text.toLowerCase().split(/\s+/).filter(Boolean);
    const kinds: Record<string, string> = { xlsx: 'spreadsheet', csv: 'spreadsheet', docx: 'word', pdf: 'pdf', pptx: 'presentation', jpg: 'image', png: 'image', txt: 'text', zip: 'archive' };
    const hits: SearchHit[] = [];
    for (const [key, object] of this.#bucket(connection)) {
      const name = key.slice(key.lastIndexOf('/') + 1);
      if (name === FOLDER_PLACEHOLDER || !words.every((w) => name.toLowerCase().includes(w))) continue;
      const kind = (kinds[name.slice(name.lastIndexOf('.') + 1).toLowerCase()] ?? 'other') as SearchHit['kind'];
      if (query.kind && query.kind !== kind) continue;
      if (query.minSize != null && object.size < query.minSize) continue;
      if (query.maxSize != null && object.size > query.maxSize) continue;
      if (query.modifiedAfterMs != null && object.lastModifiedMs < query.modifiedAfterMs) continue;
      hits.push({ key, name, folder: key.slice(0, key.length - name.length), size: object.size, lastModifiedMs: object.lastModifiedMs, etag: '', kind });
    }
    hits.sort((a, b) => a.name.localeCompare(b.name));
    const shown = hits.slice(0, 1000);
    for (let start = 0; start < shown.length; start += 50) this.#send(onEvent, { type: 'hits', hits: shown.slice(start, start + 50) });
    const indexed = this.keys(connection).length - (this.indexing ?? 0);
    this.#send(onEvent, { type: 'done', complete: this.indexing == null, indexed, more: hits.length > shown.length });
    return null;
  }

  #checkName(name: string): string {
    const trimmed = name.trim();
    if (!trimmed || trimmed === '.' || trimmed === '..' || trimmed.includes('/')) {
      throw error('InvalidInput', 'nameInvalid', { name: trimmed });
    }
    return trimmed;
  }

  #createFolder(connection: string, parent: string, name: string): string {
    const folder = `${parent}${this.#checkName(name)}/`;
    if (this.keys(connection).some((k) => k.startsWith(folder))) throw error('AlreadyExists', 'folderExists', { folder });
    this.put(connection, `${folder}${FOLDER_PLACEHOLDER}`, 0, this.#now());
    return folder;
  }

  #root(connection: string, from: string, to: string): MoveRoot {
    const folder = from.endsWith('/');
    const keys = folder ? this.keys(connection).filter((k) => k.startsWith(from)) : this.keys(connection).filter((k) => k === from);
    if (keys.length === 0) throw error('NotFound', 'noLongerThere', { name: from });
    return { from, to, folder, items: keys.map((k) => ({ from: k, to: to + k.slice(from.length) })) };
  }

  #keepPlan(connection: string, kind: MoveKind, roots: MoveRoot[]) {
    const id = this.#nextPlan++;
    this.movePlans.set(id, { connection, kind, roots });
    const bucket = this.#bucket(connection);
    const items = roots.flatMap((r) => r.items);
    const conflicts = items.filter((i) => bucket.has(i.to) && !i.to.endsWith(FOLDER_PLACEHOLDER)).map((i) => i.to);
    return { id, summary: { objects: items.length, bytes: items.reduce((sum, i) => sum + bucket.get(i.from)!.size, 0), conflicts } };
  }

  #parentOf(key: string): string {
    const trimmed = key.replace(/\/$/, '');
    return trimmed.slice(0, trimmed.lastIndexOf('/') + 1);
  }

  #nameOf(key: string): string {
    const trimmed = key.replace(/\/$/, '');
    return trimmed.slice(trimmed.lastIndexOf('/') + 1);
  }

  #planMove(connection: string, keys: string[], dest: string, kind: MoveKind) {
    const roots = keys.map((key) => {
      const folder = key.endsWith('/');
      if (folder && dest.startsWith(key)) throw error('InvalidInput', 'intoItself', { folder: key });
      let name = this.#nameOf(key);
      if (this.#parentOf(key) === dest) {
        if (kind === 'move') throw error('InvalidInput', 'alreadyInFolder', { name });
        name = this.#freeName(connection, dest, name, folder);
      }
      return this.#root(connection, key, `${dest}${name}${folder ? '/' : ''}`);
    });
    return this.#keepPlan(connection, kind, roots);
  }

  #planRename(connection: string, key: string, name: string) {
    const checked = this.#checkName(name);
    if (checked === this.#nameOf(key)) throw error('InvalidInput', 'sameName', { name: checked });
    const folder = key.endsWith('/');
    return this.#keepPlan(connection, 'move', [this.#root(connection, key, `${this.#parentOf(key)}${checked}${folder ? '/' : ''}`)]);
  }

  #planDownload(connection: string, keys: string[]): PlannedDownload | null {
    const bucket = this.#bucket(connection);
    const folder = this.nextFolder;
    if (folder == null) return null;
    const items: { key: string; size: number; local: string }[] = [];
    for (const key of keys) {
      if (key.endsWith('/')) {
        const name = this.#nameOf(key);
        for (const [inner, object] of bucket) {
          if (inner.startsWith(key) && !inner.endsWith(FOLDER_PLACEHOLDER)) items.push({ key: inner, size: object.size, local: `${name}/${inner.slice(key.length)}` });
        }
      } else {
        items.push({ key, size: this.#object(connection, key).size, local: this.#nameOf(key) });
      }
    }
    const conflicts = items.filter((item) => this.local.has(`${folder}/${item.local}`)).map((item) => item.local);
    const id = this.#nextPlan++;
    this.downloadPlans.set(id, { connection, folder, items });
    const summary: DownloadSummary = {
      files: items.length,
      bytes: items.reduce((sum, item) => sum + item.size, 0),
      conflicts: conflicts.slice(0, 100),
      conflictsTotal: conflicts.length,
    };
    return { id, summary, folder };
  }

  async #runDownload(id: number, onConflict: OnConflict, onProgress: Channel<Progress>): Promise<DownloadReport> {
    const plan = this.downloadPlans.get(id);
    if (!plan) throw error('NotFound', 'nothingOnHand');
    this.downloadPlans.delete(id);
    const report: DownloadReport = { done: 0, verified: 0, renamed: 0, skipped: 0, failed: [], cancelled: false, bytes: 0 };
    const running = { cancelled: false };
    this.#moving.set(id, running);
    const total = plan.items.reduce((sum, item) => sum + item.size, 0);
    let bytesDone = 0;
    try {
      for (const [index, item] of plan.items.entries()) {
        if (running.cancelled) {
          report.cancelled = true;
          break;
        }
        let path = `${plan.folder}/${item.local}`;
        if (this.failDownloads.has(item.key)) {
          report.failed.push({ name: item.local, error: error('Unreachable', 'downloadInterrupted', { name: item.key }) });
        } else if (this.local.has(path) && onConflict === 'refuse') {
          report.failed.push({ name: item.local, error: error('AlreadyExists', 'localExists', { path: item.local }) });
        } else if (this.local.has(path) && onConflict === 'skip') {
          report.skipped += 1;
        } else {
          if (this.local.has(path) && onConflict === 'keep-both') {
            const dot = path.lastIndexOf('.');
            const [stem, ext] = dot > path.lastIndexOf('/') + 1 ? [path.slice(0, dot), path.slice(dot)] : [path, ''];
            let n = 1;
            while (this.local.has(`${stem} (${n})${ext}`)) n += 1;
            path = `${stem} (${n})${ext}`;
            report.renamed += 1;
          }
          this.local.set(path, item.size);
          report.done += 1;
          report.verified += 1;
          report.bytes += item.size;
        }
        bytesDone += item.size;
        const failed = report.failed.length;
        this.#send(onProgress, { bytesDone, bytesTotal: total, filesDone: index + 1 - failed, filesFailed: failed, filesTotal: plan.items.length, retrying: 0 });
        if (index === 0 && this.#downloadGate) await this.#downloadGate.promise;
      }
    } finally {
      this.#moving.delete(id);
    }
    return report;
  }

  async #runMove(id: number, onConflict: OnConflict, onProgress: Channel<{ done: number; total: number }>): Promise<Moved> {
    const plan = this.movePlans.get(id);
    if (!plan) throw error('NotFound', 'nothingOnHand');
    this.movePlans.delete(id);
    const bucket = this.#bucket(plan.connection);
    const moved: Moved = { done: [], skipped: 0, failed: [], cancelled: false };
    const taken = (to: string) => bucket.has(to) && !to.endsWith(FOLDER_PLACEHOLDER);
    const conflicts = plan.roots.flatMap((r) => r.items).filter((i) => taken(i.to));
    if (conflicts.length > 0 && onConflict === 'refuse') {
      throw error('AlreadyExists', 'namesTaken', { count: String(conflicts.length), first: conflicts[0].to });
    }
    for (const root of plan.roots) {
      if (onConflict === 'skip') {
        const before = root.items.length;
        root.items = root.items.filter((i) => !taken(i.to));
        moved.skipped += before - root.items.length;
      } else if (onConflict === 'keep-both' && root.items.some((i) => taken(i.to))) {
        const name = this.#freeName(plan.connection, this.#parentOf(root.to), this.#nameOf(root.to), root.folder);
        const to = `${this.#parentOf(root.to)}${name}${root.folder ? '/' : ''}`;
        root.items = root.items.map((i) => ({ from: i.from, to: to + i.from.slice(root.from.length) }));
        root.to = to;
      }
    }
    const items = plan.roots.flatMap((r) => r.items);
    const running = { cancelled: false };
    this.#moving.set(id, running);
    try {
      for (const [index, item] of items.entries()) {
        if (running.cancelled) {
          moved.cancelled = true;
          break;
        }
        if (this.failMoves.has(item.from)) {
          moved.failed.push({ key: item.from, error: error('PermissionDenied', 'accessDenied', { name: item.from, connection: plan.connection }) });
        } else {
          bucket.set(item.to, { ...bucket.get(item.from)!, lastModifiedMs: this.#now() });
          if (plan.kind === 'move') bucket.delete(item.from);
          if (!item.to.endsWith(FOLDER_PLACEHOLDER)) moved.done.push(item.to);
        }
        this.#send(onProgress, { done: index + 1, total: items.length });
        if (index === 0 && this.#moveGate) await this.#moveGate.promise;
      }
    } finally {
      this.#moving.delete(id);
    }
    return moved;
  }

  #restore(connection: string, batch: string, keys: string[]) {
    const bucket = this.#bucket(connection);
    const trash = this.trash.get(connection) ?? [];
    const restored: string[] = [];
    const taken: string[] = [];
    for (const item of trash.filter((i) => i.batch === batch && (keys.length === 0 || keys.includes(i.key)))) {
      if (bucket.has(item.key)) {
        taken.push(item.key);
        continue;
      }
      bucket.set(item.key, this.#trashed.get(`${batch}/${item.key}`)!);
      trash.splice(trash.indexOf(item), 1);
      restored.push(item.key);
    }
    return { restored, taken, failed: [] };
  }

  #save(connection: Connection, accessKeyId: string | null, secret: string | null, replacing: string | null): Connection {
    if (!connection.name.trim()) throw error('InvalidInput', 'connectionNameMissing');
    const clash = this.connections.find((c) => c.name === connection.name && c.name !== replacing);
    if (clash) throw error('AlreadyExists', 'connectionExists', { name: connection.name });
    const old = replacing == null ? undefined : this.connections.find((c) => c.name === replacing);
    if (old?.isLocalVault) throw error('InvalidInput', 'connectionNameReserved', { name: old.name });
    const keepSecret = secret == null && old?.secretStored;
    const stored = secret != null ? { accessKeyId, secret } : keepSecret ? this.secrets.get(replacing!) : undefined;
    if (replacing != null) {
      this.connections = this.connections.filter((c) => c.name !== replacing);
      this.secrets.delete(replacing);
    }
    if (stored) this.secrets.set(connection.name, { accessKeyId, secret: stored.secret });
    this.connections.push({
      ...connection,
      secretStored: stored != null,
      accessKeyId,
      isLocalVault: false,
      movedFromPort: null,
      unencrypted: endpointTransport(connection.endpoint) === 'unencrypted',
      writeGuard: null,
    });
    const bucket = replacing != null ? this.buckets.get(replacing) : undefined;
    if (replacing != null) this.buckets.delete(replacing);
    this.buckets.set(connection.name, bucket ?? new Map());
    return connection;
  }

  #test(connection: Connection, accessKeyId: string | null, secret: string | null, saved: string | null): ConnectionCheck {
    const key = secret ?? (saved ? this.secrets.get(saved)?.secret : undefined);
    if (connection.endpoint.includes('unreachable')) throw error('Unreachable', 'serverUnreachable', { connection: connection.name, endpoint: connection.endpoint });
    if (connection.bucket === 'missing') throw error('BucketNotFound', 'bucketMissing', { bucket: connection.bucket, connection: connection.name });
    if (connection.credentials.source === 'keychain' && (!key || key === 'wrong')) {
      throw error('InvalidCredentials', 'credentialsRejected', { connection: connection.name });
    }
    if (connection.bucket === 'forbidden') throw error('PermissionDenied', 'keyCannotRead', { connection: connection.name, bucket: connection.bucket });
    if (accessKeyId === 'READONLY') return { access: 'ReadOnly', writeGuard: null };
    return { access: 'ReadWrite', writeGuard: connection.endpoint.includes('garage') ? 'best-effort' : 'enforced' };
  }

  #remove(name: string): null {
    const found = this.connections.find((c) => c.name === name);
    if (!found) throw error('NotFound', 'noSuchConnection', { name });
    if (found.isLocalVault) throw error('InvalidInput', 'connectionNameReserved', { name });
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
