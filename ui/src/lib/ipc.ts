// Generated from the Rust types by src-tauri/src/ipc.rs; do not edit. A test fails when this file is
// stale; `COFFER_WRITE_IPC=1 cargo test -p coffer-desktop ipc` rewrites it.

/**
 * What went wrong, as far as a caller can do something different about it.
 */
export type ErrorKind = "NotFound" | "AlreadyExists" | "PermissionDenied" | "InvalidCredentials" | "BucketNotFound" | "Unreachable" | "Cancelled" | "InvalidInput" | "Io" | "Server";

/**
 * The engine's error: a kind to branch on and a message to show.
 */
export type CofferError = { kind: ErrorKind, message: string, };

/**
 * How requests address the bucket.
 */
export type Addressing = "path" | "virtual-hosted";

/**
 * Where a connection's credentials come from.
 */
export type CredentialSource = { "source": "keychain" } | { "source": "aws-chain", profile: string | null, };

/**
 * One S3 bucket the user works with.
 */
export type Connection = { name: string, 
/**
 * Empty means AWS S3.
 */
endpoint: string, region: string, bucket: string, 
/**
 * Every key the user sees lives under this folder of the bucket.
 */
prefix: string, 
/**
 * `None` picks the default: path-style for custom endpoints, virtual-hosted for AWS.
 */
addressing: Addressing | null, credentials: CredentialSource, };

/**
 * A connection as the UI shows it: its settings and whether a secret is stored (never the secret).
 */
export type ConnectionInfo = { 
/**
 * A secret for it is in the keychain (always true for the Local vault).
 */
secretStored: boolean, 
/**
 * The access key ID, which is not secret and helps tell keys apart.
 */
accessKeyId: string | null, isLocalVault: boolean, name: string, 
/**
 * Empty means AWS S3.
 */
endpoint: string, region: string, bucket: string, 
/**
 * Every key the user sees lives under this folder of the bucket.
 */
prefix: string, 
/**
 * `None` picks the default: path-style for custom endpoints, virtual-hosted for AWS.
 */
addressing: Addressing | null, credentials: CredentialSource, };

/**
 * What the credentials may do in the bucket.
 */
export type Access = "ReadWrite" | "ReadOnly";

/**
 * One row of a listing: a document or a folder.
 */
export type Entry = { 
/**
 * The full key relative to the connection's prefix; folders end in `/`.
 */
key: string, 
/**
 * The last segment, without a trailing `/`.
 */
name: string, isFolder: boolean, 
/**
 * Zero for folders.
 */
size: number, 
/**
 * Milliseconds since the epoch; `None` for folders.
 */
lastModifiedMs: number | null, 
/**
 * Empty for folders.
 */
etag: string, };

/**
 * What a listing's Channel carries: each page as the server sends it, then the end.
 */
export type ListEvent = { "type": "page", entries: Array<Entry>, } | { "type": "done", total: number, };

/**
 * One file or folder handed to Coffer, as the page sees it.
 */
export type SelectionItem = { name: string, isFolder: boolean, 
/**
 * Bytes; for a folder, the total of the files inside.
 */
size: number, 
/**
 * Number of files (1 for a file).
 */
files: number, 
/**
 * Something with this name already exists in the destination folder.
 */
exists: boolean, };

/**
 * Files handed to Coffer by a drop or a picker. Rust keeps the paths; the page sees names only.
 */
export type Selection = { id: number, items: Array<SelectionItem>, };

/**
 * What to do when a name is taken.
 */
export type ConflictChoice = "replace" | "keepBoth" | "skip";

/**
 * How far a transfer (or a run of them) has come.
 */
export type Progress = { bytesDone: number, bytesTotal: number, filesDone: number, filesFailed: number, filesTotal: number, 
/**
 * Requests waiting to be retried after a transient failure (the server may be unreachable).
 */
retrying: number, };

/**
 * Where one file stands.
 */
export type TransferState = "running" | "done" | "failed" | "cancelled";

/**
 * Where a dropped item stands as a whole.
 */
export type GroupState = "running" | "done" | "failed" | "cancelled";

/**
 * A file that was not queued, and why.
 */
export type SkippedFile = { 
/**
 * The path inside the dropped folder.
 */
name: string, error: CofferError, };

/**
 * One dropped item (a file or a folder): the summary row of the Transfers panel.
 */
export type GroupUpdate = { 
/**
 * The journal's batch id.
 */
id: number, connection: string, name: string, isFolder: boolean, state: GroupState, progress: Progress, 
/**
 * Files that will not be uploaded, by name (sent once, in the group's first update).
 */
skipped: Array<SkippedFile>, 
/**
 * How many were skipped in all, listed or not.
 */
skippedTotal: number, 
/**
 * Something worth knowing that is not a file's failure (the journal failed, say).
 */
note: string | null, };

/**
 * One file of a group, sent when it starts and when it ends.
 */
export type FileUpdate = { 
/**
 * The journal id: the transfer id everywhere.
 */
id: number, group: number, connection: string, 
/**
 * The key it is stored under, relative to the connection's prefix.
 */
key: string, name: string, state: TransferState, size: number, error: CofferError | null, 
/**
 * Something the person should know that is not an error: resumed from earlier parts,
 * restarted because the file changed.
 */
note: string | null, };

/**
 * What changed since the last report: groups with their new counters, files that started or ended.
 */
export type TransferReport = { groups: Array<GroupUpdate>, files: Array<FileUpdate>, };

/**
 * A key that could not be deleted.
 */
export type DeleteFailure = { key: string, error: CofferError, };

/**
 * What a delete removed and what it could not.
 */
export type Deleted = { deleted: Array<string>, failed: Array<DeleteFailure>, };

/**
 * How much a delete would remove, folders counted with everything inside them.
 */
export type DeleteSummary = { objects: number, bytes: number, };

/**
 * Progress of `delete_entries`, in objects.
 */
export type DeleteProgress = { done: number, total: number, };

/**
 * A presigned link to one document.
 */
export type ShareLink = { url: string, 
/**
 * The expiry actually granted (after clamping), in seconds.
 */
expiresInSecs: number, 
/**
 * When the link stops working, in milliseconds since the epoch.
 */
expiresAtMs: number, };

/**
 * Files dragged over the window, or away from it (`coffer://drag`).
 */
export type DragState = "over" | "leave";

/**
 * The payload of `coffer://drag`.
 */
export type Drag = { state: DragState, };

/**
 * The payload of `coffer://dropped`: the Selection Rust keeps for what was dropped.
 */
export type Dropped = { id: number, };

/** Every ErrorKind, to check what a command rejects with against the closed set. */
export const ERROR_KINDS: readonly ErrorKind[] = ["NotFound", "AlreadyExists", "PermissionDenied", "InvalidCredentials", "BucketNotFound", "Unreachable", "Cancelled", "InvalidInput", "Io", "Server"];
