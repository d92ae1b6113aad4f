/**
 * The only door to the Rust side: every command and event of the IPC contract, typed with the shapes
 * generated from the Rust types into `ipc.ts`. Components and state call these functions and never
 * touch `@tauri-apps/api`.
 * Every function rejects with a `CofferError` (bare-string rejections from Tauri itself included),
 * so callers handle one shape.
 */
import { Channel, invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import { toCofferError } from './errors';
import type {
  Cleanup,
  ConflictChoice,
  Connection,
  ConnectionCheck,
  ConnectionInfo,
  DeleteOutcome,
  DeleteProgress,
  DocumentDetails,
  Deleted,
  Drag,
  DragState,
  Dropped,
  EditLock,
  EditUpdate,
  ListEvent,
  MoveKind,
  Moved,
  OnConflict,
  OpenMode,
  PlannedDelete,
  PlannedMove,
  SearchEvent,
  SearchQuery,
  Restored,
  Resumed,
  Selection,
  Settings,
  SettingsView,
  ShareLink,
  DownloadReport,
  PlannedDownload,
  Progress,
  TransferReport,
  TrashItem,
  UploadStarted,
  Uploader,
} from './ipc';

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw toCofferError(error);
  }
}

function channel<T>(onMessage: (message: T) => void): Channel<T> {
  return new Channel<T>(onMessage);
}

export function listConnections(): Promise<ConnectionInfo[]> {
  return call('list_connections');
}

/**
 * `secret` travels to the keychain once and is never returned; null keeps the stored one.
 * `replacing` is the saved name being edited (so a rename replaces it), null for a new connection.
 */
export function saveConnection(
  connection: Connection,
  accessKeyId: string | null,
  secret: string | null,
  replacing: string | null,
): Promise<Connection> {
  return call('save_connection', { connection, accessKeyId, secret, replacing });
}

/** `saved` names the saved connection whose stored secret to use when `secret` is null. */
export function testConnection(
  connection: Connection,
  accessKeyId: string | null,
  secret: string | null,
  saved: string | null,
): Promise<ConnectionCheck> {
  return call('test_connection', { connection, accessKeyId, secret, saved });
}

/** The person's settings (their display name) and what the defaults amount to. */
export function getSettings(): Promise<SettingsView> {
  return call('get_settings');
}

export function saveSettings(settings: Settings): Promise<SettingsView> {
  return call('save_settings', { settings });
}

/** Aborts the connection's multipart uploads that nothing will finish (old, and not in the journal). */
export function cleanUp(connection: string): Promise<Cleanup> {
  return call('clean_up', { connection });
}

export function removeConnection(name: string): Promise<null> {
  return call('remove_connection', { name });
}

/**
 * Lists `folder` ('' or ending in '/'): each page (≤1000 entries) arrives as a `page` event, then one
 * `done` event with the total. The Channel keeps the order, so `done` always comes after the last
 * page; the end of a listing is `done`, never the command's response, which may overtake the pages.
 * A failure rejects the promise and sends no `done`.
 */
export function listFolder(connection: string, folder: string, onEvent: (event: ListEvent) => void): Promise<null> {
  return call('list_folder', { connection, folder, onEvent: channel(onEvent) });
}

/** Opens the native picker; Rust keeps the chosen paths. Null when the user cancelled. */
export function pickFiles(folders: boolean, connection: string, folder: string): Promise<Selection | null> {
  return call('pick_files', { folders, connection, folder });
}

/** A dropped Selection, with `exists` filled for `folder` of `connection`. */
export function inspectSelection(id: number, connection: string, folder: string): Promise<Selection> {
  return call('inspect_selection', { id, connection, folder });
}

/** Lets go of a selection the person decided not to upload. */
export function discardSelection(id: number): Promise<null> {
  return call('discard_selection', { id });
}

/**
 * Queues the selection (one group per item) and starts it; resolves at once with the groups, and
 * the items whose names were taken since the person was asked (to ask again). What happens next
 * arrives through `onTransfers`.
 */
export function uploadSelection(
  id: number,
  connection: string,
  folder: string,
  choices: Record<string, ConflictChoice>,
): Promise<UploadStarted> {
  return call('upload_selection', { id, connection, folder, choices });
}

/** Runs uploads an earlier session left unfinished and shows the failed ones; says how many run. */
export function resumeTransfers(): Promise<Resumed> {
  return call('resume_transfers');
}

/** A running file stops; a waiting or failed one leaves the queue. */
export function cancelTransfer(id: number): Promise<null> {
  return call('cancel_transfer', { id });
}

/** A whole dropped item: its running files stop, its waiting and failed ones leave the queue. */
export function cancelGroup(id: number): Promise<null> {
  return call('cancel_group', { id });
}

export function cancelAll(): Promise<null> {
  return call('cancel_all');
}

export function retryTransfer(id: number): Promise<null> {
  return call('retry_transfer', { id });
}

/** Who uploaded each of `keys`, for the "Added by" column (one HEAD per key, on the Rust side). */
export function uploaders(connection: string, keys: string[]): Promise<Uploader[]> {
  return call('uploaders', { connection, keys });
}

/** The person's answer for a file whose document changed in the bucket while it was uploading. */
export function resolveTransfer(id: number, choice: ConflictChoice): Promise<null> {
  return call('resolve_transfer', { id, choice });
}

/** Every failed file of a dropped item. */
export function retryGroup(id: number): Promise<null> {
  return call('retry_group', { id });
}

/**
 * Lists and counts what deleting `keys` (documents, and folders ending in '/') would remove. Rust
 * keeps that list: `deletePlanned` deletes exactly it, `discardPlan` lets it go.
 */
export function planDelete(connection: string, keys: string[]): Promise<PlannedDelete> {
  return call('plan_delete', { connection, keys });
}

/**
 * Deletes exactly what plan `id` counted: to the trash (the outcome names the batch Undo restores),
 * or for good with `permanent`.
 */
export function deletePlanned(id: number, permanent: boolean, onProgress: (progress: DeleteProgress) => void): Promise<DeleteOutcome> {
  return call('delete_planned', { id, permanent, onProgress: channel(onProgress) });
}

/** What the trash of `connection` holds, newest delete first. */
export function listTrash(connection: string): Promise<TrashItem[]> {
  return call('list_trash', { connection });
}

/** Puts a delete's documents back (all of `batch` when `keys` is empty); taken places are reported, not overwritten. */
export function restoreTrash(connection: string, batch: string, keys: string[]): Promise<Restored> {
  return call('restore_trash', { connection, batch, keys });
}

/** Deletes documents of one delete from the trash for good. */
export function purgeTrashItems(connection: string, batch: string, keys: string[]): Promise<Deleted> {
  return call('purge_trash_items', { connection, batch, keys });
}

/** Deletes everything in the trash for good; resolves with how many documents went. */
export function emptyTrash(connection: string): Promise<number> {
  return call('empty_trash', { connection });
}

/**
 * Searches the connection's local index of document names: results arrive as `hits` events, best
 * first, then one `done` that says whether the index is complete.
 */
export function search(connection: string, query: SearchQuery, onEvent: (event: SearchEvent) => void): Promise<null> {
  return call('search', { connection, query, onEvent: channel(onEvent) });
}

/**
 * Up to `length` bytes of a document from `start` (at most 16 MiB a call), as raw bytes: what a
 * preview reads, a range at a time.
 */
export async function readDocument(connection: string, key: string, start: number, length: number): Promise<Uint8Array> {
  const bytes = await call<ArrayBuffer | Uint8Array | number[]>('read_document', { connection, key, start, length });
  return bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
}

/** The server's facts about a document, and the share links made from this computer. */
export function documentDetails(connection: string, key: string): Promise<DocumentDetails> {
  return call('document_details', { connection, key });
}

/** Lets go of a counted delete or move that was not confirmed. */
export function discardPlan(id: number): Promise<null> {
  return call('discard_plan', { id });
}

/** Creates the empty folder `name` in `parent`; resolves with its key. */
export function createFolder(connection: string, parent: string, name: string): Promise<string> {
  return call('create_folder', { connection, parent, name });
}

/**
 * Counts moving or copying `keys` (documents, and folders ending in '/') into `dest`, with the
 * names already taken there. Rust keeps the plan: `movePlanned` runs it, `discardPlan` lets it go.
 */
export function planMove(connection: string, keys: string[], dest: string, kind: MoveKind): Promise<PlannedMove> {
  return call('plan_move', { connection, keys, dest, kind });
}

/** Counts renaming `key` (a document, or a folder ending in '/') to `name` in its folder. */
export function planRename(connection: string, key: string, name: string): Promise<PlannedMove> {
  return call('plan_rename', { connection, key, name });
}

/**
 * Runs move plan `id` on the server (copies, checked, then the originals deleted), taken names
 * resolved by `onConflict`, with progress in objects.
 */
export function movePlanned(id: number, onConflict: OnConflict, onProgress: (progress: DeleteProgress) => void): Promise<Moved> {
  return call('move_planned', { id, onConflict, onProgress: channel(onProgress) });
}

/**
 * Stops move or download `id`: a move after the copies in flight (what was copied is finished, the
 * rest stays), a download at once (documents in flight are abandoned, never half-saved).
 */
export function cancelPlanned(id: number): Promise<null> {
  return call('cancel_planned', { id });
}

/**
 * Asks for a folder with the system's folder picker (titled `title`), then counts downloading
 * `keys` (documents, and folders ending in `/`) into it, with the local names already taken there.
 * Null when no folder was chosen.
 */
export function planDownload(connection: string, keys: string[], title: string): Promise<PlannedDownload | null> {
  return call('plan_download', { connection, keys, title });
}

/** Runs download plan `id`, local names already taken resolved by `onConflict`. */
export function downloadPlanned(id: number, onConflict: OnConflict, onProgress: (progress: Progress) => void): Promise<DownloadReport> {
  return call('download_planned', { id, onConflict, onProgress: channel(onProgress) });
}

/** Opens `path`, a folder on this computer, in the file manager. */
export function showFolder(path: string): Promise<null> {
  return call('show_folder', { path });
}

/**
 * Downloads the document to Coffer's private cache and opens it with the system's default app. A
 * type that runs code is refused unless `confirmed` (the person said they trust it). For `edit`
 * (the default) the copy is watched and every save goes back to the bucket; if a colleague is
 * editing it, nothing is opened and their lock is returned, to offer `readOnly` or `anyway`.
 */
export function openDocument(
  connection: string,
  key: string,
  confirmed = false,
  mode: OpenMode = 'edit',
  onProgress: (progress: Progress) => void = () => {},
): Promise<EditLock | null> {
  return call('open_document', { connection, key, confirmed, mode, onProgress: channel(onProgress) });
}

/** Ends editing a document: its last save goes up and its lock is released. */
export function finishEditing(connection: string, key: string): Promise<null> {
  return call('finish_editing', { connection, key });
}

/** Every document being edited from this computer. */
export function editing(): Promise<EditUpdate[]> {
  return call('editing');
}

/** Live edit locks on the documents of `folder`. */
export function listLocks(connection: string, folder: string): Promise<EditLock[]> {
  return call('list_locks', { connection, folder });
}

/** Quits although some saves are not in the bucket yet (they go up at the next start). */
export function quit(): Promise<null> {
  return call('quit');
}

/** An edited document's state changed (saving, saved, conflict, failed, done). */
export function onEditing(handler: (update: EditUpdate) => void): Promise<UnlistenFn> {
  return listen<EditUpdate>('coffer://editing', (event) => handler(event.payload));
}

/** The window was asked to close while these documents' saves are not in the bucket yet. */
export function onQuitBlocked(handler: (pending: EditUpdate[]) => void): Promise<UnlistenFn> {
  return listen<EditUpdate[]>('coffer://quit-blocked', (event) => handler(event.payload));
}

/** The saved path, or null if the user cancelled the save dialog. */
export function downloadDocument(connection: string, key: string): Promise<string | null> {
  return call('download_document', { connection, key });
}

export function copyShareLink(connection: string, key: string, expiresSecs: number): Promise<ShareLink> {
  return call('copy_share_link', { connection, key, expiresSecs });
}

/** Files dragged over the window ('over') or away from it ('leave'). */
export function onDrag(handler: (state: DragState) => void): Promise<UnlistenFn> {
  return listen<Drag>('coffer://drag', (event) => handler(event.payload.state));
}

/** Files dropped on the window; `id` is the Selection Rust holds for them. */
export function onDropped(handler: (id: number) => void): Promise<UnlistenFn> {
  return listen<Dropped>('coffer://dropped', (event) => handler(event.payload.id));
}

/** What changed in the uploads since the last report, at most about ten times a second. */
export function onTransfers(handler: (report: TransferReport) => void): Promise<UnlistenFn> {
  return listen<TransferReport>('coffer://transfers', (event) => handler(event.payload));
}
