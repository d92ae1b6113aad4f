// Generated from the Rust types by src-tauri/src/ipc.rs; do not edit. A test fails when this file is
// stale; `COFFER_WRITE_IPC=1 cargo test -p coffer-desktop ipc` rewrites it.

/**
 * What went wrong, as far as a caller can do something different about it.
 */
export type ErrorKind = "NotFound" | "AlreadyExists" | "PermissionDenied" | "InvalidCredentials" | "BucketNotFound" | "Unreachable" | "Cancelled" | "InvalidInput" | "Io" | "Server";

/**
 * Exactly what went wrong: the key of the translated sentence.
 */
export type ErrorCode = "cancelled" | "plain" | "localMissing" | "localDenied" | "localIsFolder" | "localShrank" | "localFailed" | "notRegularFile" | "uploadFolderAsFolder" | "changedWhileUploading" | "noUsableName" | "skippedNotRegular" | "skippedNotUnicode" | "skippedLinkOutside" | "skippedLinkToNothing" | "linksIntoItself" | "noHomeFolder" | "saveFailed" | "settingsFileInvalid" | "connectionsFileInvalid" | "journalUnusable" | "indexUnusable" | "watchFailed" | "openFailed" | "clipboardFailed" | "programNeedsConfirmation" | "vaultNoAddress" | "vaultUnusable" | "vaultCannotListen" | "connectionNameMissing" | "connectionNameReserved" | "connectionNameControl" | "endpointScheme" | "endpointInvalid" | "endpointHasUserInfo" | "plainHttp" | "bucketNameInvalid" | "certificateInvalid" | "certificateMissing" | "noSuchConnection" | "connectionExists" | "enterKeyAndSecret" | "enterKeyIdForSecret" | "enterKeyId" | "enterSecret" | "noSecretStored" | "keychainDamaged" | "keychainLocked" | "keychainUnavailable" | "keychainNameRefused" | "keychainAmbiguous" | "keychainUnexpected" | "languageInvalid" | "displayNameInvalid" | "serverUnreachable" | "certificateUntrusted" | "requestNotBuilt" | "serverFailed" | "serverError" | "requestRefused" | "bucketMissing" | "credentialsRejected" | "regionRefused" | "accessDenied" | "keyCannotRead" | "keyRefused" | "objectMissing" | "changedMeanwhile" | "noUploadId" | "storedDifferently" | "copyMissing" | "recordUnreadable" | "trashRecordDamaged" | "keyIsFolder" | "nameEmpty" | "nameTooLong" | "nameHasControls" | "nameHasDotParts" | "keyTooLong" | "nameInvalid" | "nameReserved" | "noFreeName" | "noFreeNameHere" | "notReplaced" | "changedSinceQueued" | "deletedSinceQueued" | "partTooLarge" | "partOverBudget" | "nothingInFlight" | "uploadRunning" | "uploadNotWaiting" | "uploadGone" | "transferFailed" | "transferUnknown" | "selectionGone" | "nothingOnHand" | "saveLeftQueue" | "downloadOutside" | "downloadNoFileName" | "downloadTargetIsFolder" | "downloadInterrupted" | "downloadStopped" | "wholeBucketDownload" | "localExists" | "downloadCorrupt" | "serverSentTooMuch" | "readInterrupted" | "linkTooLong" | "wholeBucketDelete" | "notDeleted" | "notADelete" | "notAMove" | "notADownload" | "notAFolder" | "folderExists" | "sameName" | "alreadyThere" | "alreadyInFolder" | "intoItself" | "wholeBucketMove" | "noLongerThere" | "namesTaken" | "changedWhileMoving" | "storedMeanwhile" | "sameDestination" | "tooManyParts" | "searchTooManyWords" | "searchUnavailable";

/**
 * The engine's error: a kind to branch on, a code and parameters to translate, and the English
 * sentence they make.
 */
export type CofferError = { kind: ErrorKind, code: ErrorCode, params: { [key in string]?: string }, message: string, };

/**
 * How requests address the bucket.
 */
export type Addressing = "path" | "virtual-hosted";

/**
 * Where a connection's credentials come from.
 */
export type CredentialSource = { "source": "keychain" } | { "source": "aws-chain", 
/**
 * A named profile, or `None` for the default chain.
 */
profile: string | null, };

/**
 * One S3 bucket the user works with.
 */
export type Connection = { 
/**
 * What the person calls it; unique, and the keychain entry's name.
 */
name: string, 
/**
 * Empty means AWS S3.
 */
endpoint: string, 
/**
 * The region requests are signed for (`garage`, `us-east-1`, …).
 */
region: string, 
/**
 * The bucket's name on the server.
 */
bucket: string, 
/**
 * Every key the user sees lives under this folder of the bucket.
 */
prefix: string, 
/**
 * `None` picks the default: path-style for custom endpoints, virtual-hosted for AWS.
 */
addressing: Addressing | null, 
/**
 * Where the access key comes from.
 */
credentials: CredentialSource, 
/**
 * Plain `http://` to a server other than this computer is allowed: the person said the network
 * is trusted. Without it such an endpoint is refused.
 */
insecure?: boolean, 
/**
 * A certificate authority (PEM) trusted for this connection besides the system's, for a
 * self-hosted server with its own certificate. Not secret, so kept in the file.
 */
caCertificate?: string | null, };

/**
 * What the person chose; `None` means the default.
 */
export type Settings = { 
/**
 * Recorded as the uploader of every document; by default the OS user's full name.
 */
displayName?: string | null, 
/**
 * Days deleted documents stay in the trash before they are purged; by default 30.
 */
trashDays?: number | null, 
/**
 * The language of the window, as a language tag ("en", "de"); by default the system's.
 */
language?: string | null, };

/**
 * How well the server protects a document from being overwritten unseen.
 */
export type WriteGuard = "enforced" | "best-effort";

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
accessKeyId: string | null, 
/**
 * The built-in Local vault, which cannot be edited or removed.
 */
isLocalVault: boolean, 
/**
 * For the Local vault: the port it had to leave in this run because another program held it.
 * Share links made before point there and no longer work.
 */
movedFromPort: number | null, 
/**
 * Requests travel unencrypted over a network (an insecure `http://` connection): the window
 * warns while it is in use.
 */
unencrypted: boolean, 
/**
 * Whether the server refuses overwrites of changed documents, as probed when a connection to
 * this server and bucket was last tested; `None` before that.
 */
writeGuard: WriteGuard | null, 
/**
 * What the person calls it; unique, and the keychain entry's name.
 */
name: string, 
/**
 * Empty means AWS S3.
 */
endpoint: string, 
/**
 * The region requests are signed for (`garage`, `us-east-1`, …).
 */
region: string, 
/**
 * The bucket's name on the server.
 */
bucket: string, 
/**
 * Every key the user sees lives under this folder of the bucket.
 */
prefix: string, 
/**
 * `None` picks the default: path-style for custom endpoints, virtual-hosted for AWS.
 */
addressing: Addressing | null, 
/**
 * Where the access key comes from.
 */
credentials: CredentialSource, 
/**
 * Plain `http://` to a server other than this computer is allowed: the person said the network
 * is trusted. Without it such an endpoint is refused.
 */
insecure?: boolean, 
/**
 * A certificate authority (PEM) trusted for this connection besides the system's, for a
 * self-hosted server with its own certificate. Not secret, so kept in the file.
 */
caCertificate?: string | null, };

/**
 * What the credentials may do in the bucket.
 */
export type Access = "ReadWrite" | "ReadOnly";

/**
 * The outcome of testing a connection.
 */
export type ConnectionCheck = { 
/**
 * What the key may do.
 */
access: Access, 
/**
 * How overwrites are guarded; `None` for a key that may only read.
 */
writeGuard: WriteGuard | null, };

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
name: string, 
/**
 * A folder (a common prefix), not a document.
 */
isFolder: boolean, 
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
 * Who uploaded one document, for the dashboard's "Added by" column.
 */
export type Uploader = { 
/**
 * The key asked about.
 */
key: string, 
/**
 * The recorded uploader; `None` where nobody was recorded or the document is gone.
 */
uploadedBy: string | null, };

/**
 * What a listing's Channel carries: each page as the server sends it, then the end.
 */
export type ListEvent = { "type": "page", entries: Array<Entry>, } | { "type": "done", total: number, };

/**
 * One file or folder handed to Coffer, as the page sees it.
 */
export type SelectionItem = { 
/**
 * The file or folder name.
 */
name: string, 
/**
 * It is a folder, uploaded with everything under it.
 */
isFolder: boolean, 
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
export type Selection = { 
/**
 * The id the page refers to it by.
 */
id: number, 
/**
 * What was dropped or picked.
 */
items: Array<SelectionItem>, };

/**
 * What to do when a name is taken.
 */
export type ConflictChoice = "replace" | "keepBoth" | "skip";

/**
 * How far a transfer (or a run of them) has come.
 */
export type Progress = { 
/**
 * Bytes the server has acknowledged.
 */
bytesDone: number, 
/**
 * Bytes to send in all.
 */
bytesTotal: number, 
/**
 * Files stored.
 */
filesDone: number, 
/**
 * Files that failed.
 */
filesFailed: number, 
/**
 * Files to send in all.
 */
filesTotal: number, 
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
name: string, 
/**
 * Why it was skipped.
 */
error: CofferError, };

/**
 * One dropped item (a file or a folder): the summary row of the Transfers panel.
 */
export type GroupUpdate = { 
/**
 * The journal's batch id.
 */
id: number, 
/**
 * The connection it goes to.
 */
connection: string, 
/**
 * What was dropped, as stored (a kept-both name included).
 */
name: string, 
/**
 * What was dropped is a folder.
 */
isFolder: boolean, 
/**
 * Where it stands as a whole.
 */
state: GroupState, 
/**
 * Its files and bytes, done, failed and in all.
 */
progress: Progress, 
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
note: CofferError | null, };

/**
 * What [`Transfers::upload_selection`] started, and what it must ask about again.
 */
export type UploadStarted = { 
/**
 * One group per item that was queued.
 */
groups: Array<GroupUpdate>, 
/**
 * Items whose names were free when the person was asked and are taken now: not uploaded,
 * to be asked about again.
 */
askAgain: Selection | null, };

/**
 * What the person should know about an upload that went well, for the page to word.
 */
export type FileNote = { "kind": "restarted" } | { "kind": "resumed", 
/**
 * Parts the server already held.
 */
parts: number, };

/**
 * One file of a group, sent when it starts and when it ends.
 */
export type FileUpdate = { 
/**
 * The journal id: the transfer id everywhere.
 */
id: number, 
/**
 * The group (dropped item) it belongs to.
 */
group: number, 
/**
 * The connection it goes to.
 */
connection: string, 
/**
 * The key it is stored under, relative to the connection's prefix.
 */
key: string, 
/**
 * The document's name.
 */
name: string, 
/**
 * Where it stands.
 */
state: TransferState, 
/**
 * Its size: as stored when done, as queued otherwise.
 */
size: number, 
/**
 * Why it failed, for a failed file.
 */
error: CofferError | null, 
/**
 * Something the person should know that is not an error: resumed from earlier parts,
 * restarted because the file changed.
 */
note: FileNote | null, };

/**
 * What changed since the last report: groups with their new counters, files that started or ended.
 */
export type TransferReport = { 
/**
 * Groups whose counters or state changed.
 */
groups: Array<GroupUpdate>, 
/**
 * Files that started or ended.
 */
files: Array<FileUpdate>, };

/**
 * What resuming at start found.
 */
export type Resumed = { 
/**
 * Files that an earlier session left unfinished and that run now.
 */
files: number, 
/**
 * The journal was damaged and was moved to this file; its unfinished uploads are lost to
 * resume (the documents themselves are still on this computer).
 */
journalMovedTo: string | null, 
/**
 * No journal file could be used, for this reason: uploads work, but one interrupted by a
 * crash cannot be resumed.
 */
journalInMemory: string | null, };

/**
 * A key that could not be deleted.
 */
export type DeleteFailure = { 
/**
 * The key, relative to the connection's prefix.
 */
key: string, 
/**
 * Why it was not deleted.
 */
error: CofferError, };

/**
 * What a delete removed and what it could not.
 */
export type Deleted = { 
/**
 * Keys deleted, relative to the connection's prefix.
 */
deleted: Array<string>, 
/**
 * Keys that could not be deleted, each with its reason.
 */
failed: Array<DeleteFailure>, };

/**
 * How much a delete would remove, folders counted with everything inside them.
 */
export type DeleteSummary = { 
/**
 * Objects, folder markers included.
 */
objects: number, 
/**
 * Their total size.
 */
bytes: number, };

/**
 * A delete counted and kept in Rust until it is confirmed (`delete_planned`) or discarded.
 */
export type PlannedDelete = { 
/**
 * What `delete_planned` and `discard_plan` refer to it by.
 */
id: number, 
/**
 * What it will remove.
 */
summary: DeleteSummary, };

/**
 * What the server knows about one object.
 */
export type ObjectInfo = { 
/**
 * The key asked about.
 */
key: string, 
/**
 * Its size in bytes.
 */
size: number, 
/**
 * The stored Content-Type.
 */
contentType: string | null, 
/**
 * The ETag, quoted as the server sends it.
 */
etag: string, 
/**
 * When it was stored, in milliseconds since the epoch.
 */
lastModifiedMs: number | null, 
/**
 * The local file's modification time when it was uploaded (`x-amz-meta-mtime`), in
 * milliseconds since the epoch.
 */
fileModifiedMs: number | null, 
/**
 * Who uploaded it, where Coffer (or anyone setting `x-amz-meta-uploaded-by`) recorded it.
 */
uploadedBy: string | null, 
/**
 * A checksum of the whole content, where the server has one: `CRC32C …` (and the other
 * S3 checksums), or `MD5 …` from an ETag that is one (a single-part upload).
 */
checksum: string | null, };

/**
 * A share link made from this computer, as remembered for the details panel (never the link
 * itself: it is a password to the document until it expires).
 */
export type SharedLink = { 
/**
 * When it was made, in milliseconds since the epoch.
 */
madeAtMs: number, 
/**
 * When it stops working, in milliseconds since the epoch.
 */
expiresAtMs: number, };

/**
 * What the details panel shows about one document.
 */
export type DocumentDetails = { 
/**
 * The server's facts: type, size, times, who added it, checksum.
 */
info: ObjectInfo, 
/**
 * Share links made from this computer that still work, newest first.
 */
links: Array<SharedLink>, };

/**
 * What kind of document a name is, by its extension.
 */
export type DocumentKind = "pdf" | "word" | "spreadsheet" | "presentation" | "image" | "text" | "archive" | "audio" | "video" | "other";

/**
 * What to look for. Every part given must hold; an empty query lists every document.
 */
export type SearchQuery = { 
/**
 * Words that must each appear somewhere in the name, in any case; empty for any name.
 */
text: string, 
/**
 * Only documents of this kind.
 */
kind: DocumentKind | null, 
/**
 * Only documents stored at or after this time (milliseconds since the epoch).
 */
modifiedAfterMs: number | null, 
/**
 * Only documents stored before this time (milliseconds since the epoch).
 */
modifiedBeforeMs: number | null, 
/**
 * Only documents of at least this many bytes.
 */
minSize: number | null, 
/**
 * Only documents of at most this many bytes.
 */
maxSize: number | null, 
/**
 * Only documents under this folder, at any depth.
 */
folder: string | null, };

/**
 * One document found.
 */
export type SearchHit = { 
/**
 * The full key relative to the connection's prefix.
 */
key: string, 
/**
 * The last segment of the key.
 */
name: string, 
/**
 * The folder holding it: `""` at the top, otherwise ending in `/`.
 */
folder: string, 
/**
 * Its size in bytes when it was indexed.
 */
size: number, 
/**
 * When it was stored, in milliseconds since the epoch, if the listing said.
 */
lastModifiedMs: number | null, 
/**
 * Its ETag when it was indexed (empty where the server's listings carry none).
 */
etag: string, 
/**
 * What kind of document it is.
 */
kind: DocumentKind, };

/**
 * What a search's Channel carries: results, best first, a page at a time, then the end.
 */
export type SearchEvent = { "type": "hits", hits: Array<SearchHit>, } | { "type": "done", complete: boolean, indexed: number, more: boolean, };

/**
 * Whether the originals stay.
 */
export type MoveKind = "move" | "copy";

/**
 * What to do with a file whose name is already taken in the bucket when it is queued.
 */
export type OnConflict = "refuse" | "replace" | "keep-both" | "skip";

/**
 * What a move or copy covers, counted before anything is written.
 */
export type MoveSummary = { 
/**
 * Objects, folder markers included.
 */
objects: number, 
/**
 * Their total size.
 */
bytes: number, 
/**
 * Destination keys already taken (relative to the connection's prefix): ask before going on.
 */
conflicts: Array<string>, };

/**
 * A move or copy counted and kept in Rust until it is run (`move_planned`) or discarded.
 */
export type PlannedMove = { 
/**
 * What `move_planned`, `cancel_planned` and `discard_plan` refer to it by.
 */
id: number, 
/**
 * What it covers, and the destination names already taken.
 */
summary: MoveSummary, };

/**
 * What a download plan amounts to, for the person to confirm.
 */
export type DownloadSummary = { 
/**
 * Documents to download.
 */
files: number, 
/**
 * Their bytes in all.
 */
bytes: number, 
/**
 * Local paths (relative to the chosen folder, with `/`) that already exist, at most 100.
 */
conflicts: Array<string>, 
/**
 * How many local paths already exist.
 */
conflictsTotal: number, };

/**
 * A counted download, kept in Rust until it is run or discarded.
 */
export type PlannedDownload = { 
/**
 * What `download_planned`, `cancel_planned` and `discard_plan` refer to it by.
 */
id: number, 
/**
 * What it covers, and the local names already taken.
 */
summary: DownloadSummary, 
/**
 * The folder chosen, to show and to open afterwards.
 */
folder: string, };

/**
 * A document that was not downloaded, and why.
 */
export type DownloadFailure = { 
/**
 * Where it would have gone, relative to the chosen folder.
 */
name: string, 
/**
 * Why it was not.
 */
error: CofferError, };

/**
 * What a download did.
 */
export type DownloadReport = { 
/**
 * Documents saved.
 */
done: number, 
/**
 * Of those, how many were proven by their checksum to be what the server stored.
 */
verified: number, 
/**
 * Documents saved under a numbered name because theirs was taken.
 */
renamed: number, 
/**
 * Documents left alone because a local file had their name.
 */
skipped: number, 
/**
 * Documents that failed.
 */
failed: Array<DownloadFailure>, 
/**
 * Whether it was cancelled before every document was tried.
 */
cancelled: boolean, 
/**
 * Bytes saved.
 */
bytes: number, };

/**
 * What a move or copy did.
 */
export type Moved = { 
/**
 * Destination keys now holding their document, relative to the connection's prefix.
 */
done: Array<string>, 
/**
 * Documents left alone because their destination was taken (under [`OnConflict::Skip`]).
 */
skipped: number, 
/**
 * Documents that could not be moved or copied, by original key, with the reason. Each is
 * still where it was.
 */
failed: Array<DeleteFailure>, 
/**
 * Stopped by the person: what was copied before is complete (and, for a move, deleted at
 * its origin); the rest was not touched.
 */
cancelled: boolean, };

/**
 * What `delete_planned` did: what went, and the trash batch that Undo restores (none for a
 * permanent delete).
 */
export type DeleteOutcome = { deleted: Deleted, trashBatch: string | null, };

/**
 * A document in the trash.
 */
export type TrashItem = { 
/**
 * The delete it belongs to (what Undo and Restore name).
 */
batch: string, 
/**
 * Where it was, relative to the connection's prefix.
 */
key: string, 
/**
 * Its size.
 */
size: number, 
/**
 * When it was deleted, in milliseconds since the epoch.
 */
deletedAtMs: number, 
/**
 * Who deleted it, as recorded.
 */
deletedBy: string, 
/**
 * Not deleted but replaced: this is the version before the replace.
 */
replaced: boolean, };

/**
 * What a restore did.
 */
export type Restored = { 
/**
 * Keys back where they were.
 */
restored: Array<string>, 
/**
 * Keys whose place is taken by a newer document: left in the trash, to ask about.
 */
taken: Array<string>, 
/**
 * Keys that could not be restored, with the reason.
 */
failed: Array<DeleteFailure>, };

/**
 * The person's settings and what their defaults amount to, for the settings form.
 */
export type SettingsView = { settings: Settings, 
/**
 * The name uploads record when none is set: the OS user's full name.
 */
defaultName: string, };

/**
 * Progress of `delete_planned`, in objects.
 */
export type DeleteProgress = { done: number, total: number, };

/**
 * A presigned link to one document.
 */
export type ShareLink = { 
/**
 * The presigned URL.
 */
url: string, 
/**
 * The expiry actually granted (after clamping), in seconds.
 */
expiresInSecs: number, 
/**
 * When the link stops working, in milliseconds since the epoch.
 */
expiresAtMs: number, };

/**
 * What a clean-up found and did.
 */
export type Cleanup = { 
/**
 * Keys whose abandoned uploads were aborted, relative to the connection's prefix.
 */
aborted: Array<string>, 
/**
 * Uploads left alone because the journal may still resume them, or they are recent.
 */
kept: number, 
/**
 * Whether the server listed its unfinished uploads; if not, nothing could be checked there.
 */
listed: boolean, };

/**
 * Someone's lock on a document.
 */
export type EditLock = { 
/**
 * The document, relative to the connection's prefix.
 */
key: string, 
/**
 * Who is editing it (their display name).
 */
by: string, 
/**
 * When they started, in milliseconds since the epoch.
 */
sinceMs: number, 
/**
 * When the lock lapses unless renewed, in milliseconds since the epoch.
 */
expiresMs: number, 
/**
 * The editing session holding it: tells one person's two computers apart.
 */
holder: string, };

/**
 * Where an edited document stands, as its row shows it.
 */
export type EditState = { "state": "editing" } | { "state": "saving" } | { "state": "saved", 
/**
 * When it was stored, in milliseconds since the epoch.
 */
atMs: number, } | { "state": "conflict", 
/**
 * The conflicted copy, where later saves go too.
 */
copy: string, } | { "state": "failed", 
/**
 * Why, to show.
 */
error: CofferError, } | { "state": "done" };

/**
 * One document's editing state, as the window receives it.
 */
export type EditUpdate = { 
/**
 * The connection.
 */
connection: string, 
/**
 * The document opened, relative to the connection's prefix.
 */
key: string, 
/**
 * Where saves go now (the document, or its conflicted copy).
 */
savesTo: string, 
/**
 * Its state.
 */
status: EditState, 
/**
 * Saved in the editor but not yet stored in the bucket.
 */
pending: boolean, };

/**
 * How the page asks a document to be opened.
 */
export type OpenMode = "edit" | "anyway" | "readOnly";

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

/** File types that run code when opened: asked about before `open_document`. */
export const RUNS_CODE: readonly string[] = ['exe', 'com', 'bat', 'cmd', 'ps1', 'psm1', 'vbs', 'vbe', 'js', 'jse', 'wsf', 'wsh', 'hta', 'msi', 'msp', 'msc', 'scr', 'pif', 'cpl', 'lnk', 'url', 'reg', 'jar', 'sh', 'bash', 'zsh', 'csh', 'ksh', 'command', 'desktop', 'appimage', 'run', 'bin', 'deb', 'rpm', 'py', 'pyw', 'pl', 'rb', 'php', 'app', 'pkg', 'dmg', 'scpt', 'workflow', 'apk', 'iso', 'img', 'vhd', 'vhdx', 'xll', 'docm', 'xlsm', 'pptm'];

/** Every ErrorKind, to check what a command rejects with against the closed set. */
export const ERROR_KINDS: readonly ErrorKind[] = ["NotFound", "AlreadyExists", "PermissionDenied", "InvalidCredentials", "BucketNotFound", "Unreachable", "Cancelled", "InvalidInput", "Io", "Server"];
