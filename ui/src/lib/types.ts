// The shapes that cross IPC, mirroring the Rust types in crates/engine and src-tauri/src.
// Field names are camelCase on both sides (serde rename_all = "camelCase").

/** The engine's closed set of error kinds; branch on these, never on messages. */
export type ErrorKind =
  | 'NotFound'
  | 'AlreadyExists'
  | 'PermissionDenied'
  | 'InvalidCredentials'
  | 'BucketNotFound'
  | 'Unreachable'
  | 'Cancelled'
  | 'InvalidInput'
  | 'Io'
  | 'Server';

/** Every command rejects with this. */
export interface CofferError {
  kind: ErrorKind;
  message: string;
}

export type CredentialSource = { source: 'keychain' } | { source: 'aws-chain'; profile: string | null };

export interface Connection {
  name: string;
  /** Empty means AWS S3. */
  endpoint: string;
  region: string;
  bucket: string;
  /** '' or a folder path ending in '/'. */
  prefix: string;
  addressing: 'path' | 'virtual-hosted' | null;
  credentials: CredentialSource;
}

/** A connection as listed: never carries the secret. */
export interface ConnectionInfo extends Connection {
  secretStored: boolean;
  accessKeyId: string | null;
  isLocalVault: boolean;
}

export type Access = 'ReadWrite' | 'ReadOnly';

export interface Entry {
  /** Relative to the connection's prefix; folders end in '/'. */
  key: string;
  name: string;
  isFolder: boolean;
  size: number;
  lastModifiedMs: number | null;
  etag: string;
}

/** Files handed to Coffer by a drop or a picker. Rust keeps the paths; the page sees names only. */
export interface Selection {
  id: number;
  items: SelectionItem[];
}

export interface SelectionItem {
  /** File or folder name as it will appear in the bucket. */
  name: string;
  isFolder: boolean;
  /** Bytes; for folders the total of the files inside. */
  size: number;
  /** Number of files (1 for a file). */
  files: number;
  /** Whether something with this name already exists in the destination folder. */
  exists: boolean;
}

export type ConflictChoice = 'replace' | 'keepBoth' | 'skip';

export type TransferState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

/** Sent over a Channel, at most ~10 per second per upload batch, plus one per state change. */
export interface TransferUpdate {
  id: number;
  /** The connection it goes to (uploads resumed at start-up arrive without a batch of their own). */
  connection: string;
  /** The key it is stored under, relative to the connection prefix. */
  key: string;
  name: string;
  state: TransferState;
  bytesDone: number;
  bytesTotal: number;
  error: CofferError | null;
  /** Not an error, but worth knowing: retrying an unreachable server, resumed, restarted. */
  note: string | null;
}

export interface DeleteFailure {
  key: string;
  error: CofferError;
}

export interface Deleted {
  deleted: string[];
  failed: DeleteFailure[];
}

export interface DeleteSummary {
  objects: number;
  bytes: number;
}

export interface ShareLink {
  url: string;
  expiresInSecs: number;
  expiresAtMs: number;
}
