//! The transfer journal: every file handed to Coffer for upload, recorded in SQLite in the data
//! folder before its first byte is sent, with its multipart UploadId and each part the server has
//! acknowledged (number, size, ETag, checksum).
//!
//! The one design decision that matters: **the journal, not memory, is the queue.** Uploads are
//! read back from it page by page, so a folder of 100,000 files costs no more memory than one file,
//! and whatever a crash interrupts is still there on the next start. Files are recorded in batches
//! (one per dropped item, or one per `coffer put`), and a file's journal id is its transfer id
//! everywhere. Several processes (the app and the CLI) share the file; each entry names the process
//! that owns it, and an owner is alive exactly as long as it holds an exclusive lock on its token
//! file. The kernel drops that lock when a process dies, even by `kill -9`, so
//! [`Journal::claim_orphans`] can tell abandoned work from work in progress. A file is claimed
//! (`queued` → `running`) in one statement before it is sent, so no two runs ever send the same one.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{OptionalExtension, TransactionBehavior, params};

use crate::checksum::Checksum;
use crate::error::{Error, ErrorKind, Result};
use crate::key::ObjectKey;
use crate::seen::Seen;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    connection TEXT NOT NULL,
    name TEXT NOT NULL,
    is_folder INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS uploads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    batch INTEGER NOT NULL DEFAULT 0,
    owner TEXT NOT NULL,
    connection TEXT NOT NULL,
    key TEXT NOT NULL,
    path BLOB NOT NULL,
    size INTEGER NOT NULL,
    modified_ns INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'failed')),
    sent INTEGER NOT NULL DEFAULT 0,
    upload_id TEXT,
    part_size INTEGER,
    algorithm TEXT,
    error TEXT,
    seen TEXT,
    error_kind TEXT
);
CREATE TABLE IF NOT EXISTS parts (
    upload INTEGER NOT NULL REFERENCES uploads (id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    checksum TEXT NOT NULL,
    PRIMARY KEY (upload, number)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS moves (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner TEXT NOT NULL,
    connection TEXT NOT NULL,
    plan TEXT NOT NULL,
    deleting INTEGER NOT NULL DEFAULT 0
);
";

/// Journals written before batches existed: their entries become one batch per connection, and
/// part checksums lose their `algorithm:` prefix (the algorithm is the upload's).
const MIGRATE_FROM_0: &str = "
ALTER TABLE uploads ADD COLUMN batch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE uploads ADD COLUMN sent INTEGER NOT NULL DEFAULT 0;
UPDATE uploads SET sent = 1 WHERE state = 'running';
INSERT INTO batches (connection, name) SELECT DISTINCT connection, 'Unfinished uploads' FROM uploads;
UPDATE uploads SET batch = (SELECT id FROM batches WHERE batches.connection = uploads.connection);
UPDATE parts SET checksum = substr(checksum, instr(checksum, ':') + 1) WHERE instr(checksum, ':') > 0;
";

/// Journals written before the destination's state was recorded: their entries have none, and are
/// completed unchecked as before.
const MIGRATE_FROM_1: &str = "
ALTER TABLE uploads ADD COLUMN seen TEXT;
";

/// Journals from before a failure's kind was kept beside its message.
const MIGRATE_FROM_2: &str = "
ALTER TABLE uploads ADD COLUMN error_kind TEXT;
";

const INDEXES: &str = "
DROP INDEX IF EXISTS uploads_by_owner;
CREATE INDEX IF NOT EXISTS uploads_by_batch ON uploads (batch, state, id);
CREATE INDEX IF NOT EXISTS uploads_by_owner_batch ON uploads (owner, batch);
PRAGMA user_version = 3;
";

/// Where an entry stands. Finished and cancelled entries are deleted, not kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryState {
    /// Waiting for its turn.
    Queued,
    /// Claimed by a run; requests are being sent.
    Running,
    /// Gave up with an error; kept until the person retries or discards it.
    Failed,
}

impl EntryState {
    fn parse(s: &str) -> Self {
        match s {
            "running" => Self::Running,
            "failed" => Self::Failed,
            _ => Self::Queued,
        }
    }
}

/// One file in the journal.
#[derive(Clone, Debug)]
pub struct JournalEntry {
    /// The transfer id.
    pub id: u64,
    /// The batch it was recorded in.
    pub batch: u64,
    /// The connection it goes to.
    pub connection: String,
    /// The key it is stored under.
    pub key: ObjectKey,
    /// The local file.
    pub path: PathBuf,
    /// Size and modification time of the file when it was recorded (or last restarted).
    pub size: u64,
    /// Modification time of the file when it was recorded (or last restarted).
    pub modified: SystemTime,
    /// Where it stands.
    pub state: EntryState,
    /// A request may have been sent for it before (by this run or one that died).
    pub sent: bool,
    /// The multipart upload started for it, if any.
    pub upload_id: Option<String>,
    /// The part size that upload was started with.
    pub part_size: Option<u64>,
    /// The checksum the multipart upload was created with.
    pub checksum: Option<Checksum>,
    /// Why it failed, for a failed entry.
    pub error: Option<Error>,
    /// What the destination held when the file was queued (`None` in journals from before this
    /// was recorded).
    pub seen: Option<Seen>,
}

/// A part the server acknowledged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedPart {
    /// Its part number, from 1.
    pub number: i32,
    /// Bytes in the part.
    pub size: u64,
    /// The ETag the server answered with.
    pub etag: String,
    /// The base64 digest the server verified the part against, under the upload's checksum.
    pub checksum: String,
}

/// A file to record.
#[derive(Clone, Debug)]
pub struct NewEntry {
    /// The local file.
    pub path: PathBuf,
    /// The key to store it under.
    pub key: ObjectKey,
    /// Its size when recorded.
    pub size: u64,
    /// Its modification time when recorded.
    pub modified: SystemTime,
    /// What the destination held at that moment.
    pub seen: Seen,
}

/// Files recorded together: a dropped file or folder, or one `coffer put`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchInfo {
    /// The batch id (the app's group id).
    pub id: u64,
    /// The connection its files go to.
    pub connection: String,
    /// What was dropped (a file or folder name), or what the batch is for.
    pub name: String,
    /// What was dropped was a folder.
    pub is_folder: bool,
    /// Files still in the journal: waiting, running or failed.
    pub files: u64,
    /// Bytes of the files still in the journal.
    pub bytes: u64,
    /// Files that failed and wait for Retry or Discard.
    pub failed: u64,
}

/// The journal file of one data folder, opened by one process.
pub struct Journal {
    db: Mutex<rusqlite::Connection>,
    owners: PathBuf,
    owner: String,
    moved_aside: Option<PathBuf>,
    /// Why the journal lives only in memory, when no file could be used.
    in_memory: Option<String>,
    /// Held for the life of the process: while it is locked, this process's entries are not orphans.
    /// `None` for a journal in memory, which no other process can see.
    lock: Option<File>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal").field("owner", &self.owner).finish_non_exhaustive()
    }
}

const ENTRY_COLUMNS: &str = "id, batch, connection, key, path, size, modified_ns, state, sent, upload_id, part_size, algorithm, error, seen, error_kind";

impl Journal {
    /// Opens (or creates) `<data>/transfers.sqlite3` and registers this process as an owner. A
    /// journal that is damaged or cannot be read is moved aside (see [`Journal::moved_aside`]) and
    /// a new one is started, so uploading never stops working because of it.
    pub fn open(data: &Path) -> Result<Self> {
        crate::coffer::private_dir(data)?;
        let owners = data.join("transfer-owners");
        std::fs::create_dir_all(&owners).map_err(|e| Error::local_io(&owners, &e))?;
        let owner = format!("{:016x}", rand::random::<u64>());
        let lock_path = owners.join(&owner);
        let lock = File::create(&lock_path).map_err(|e| Error::local_io(&lock_path, &e))?;
        lock.try_lock().map_err(|e| journal_error(&format!("cannot lock {}: {e}", lock_path.display())))?;

        let file = data.join("transfers.sqlite3");
        let (db, moved_aside) = match connect(&file) {
            Ok(db) => (db, None),
            Err(e) if damaged(&e) => {
                let aside = data.join(format!(
                    "transfers.sqlite3.damaged-{}",
                    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs()
                ));
                std::fs::rename(&file, &aside).map_err(|e| Error::local_io(&file, &e))?;
                // The write-ahead log belongs to the damaged file; a new journal must not replay it.
                for suffix in ["-wal", "-shm"] {
                    let _ = std::fs::remove_file(data.join(format!("transfers.sqlite3{suffix}")));
                }
                tracing::warn!("the transfer journal was damaged ({e}); moved to {}", aside.display());
                (connect(&file).map_err(db_error)?, Some(aside))
            }
            Err(e) => return Err(db_error(e)),
        };
        Ok(Self { db: Mutex::new(db), owners, owner, moved_aside, in_memory: None, lock: Some(lock) })
    }

    /// [`Journal::open`], or when no journal file can be used at all (a data folder that cannot be
    /// written, a full disk), a journal in memory: uploads still work, they just cannot be resumed
    /// after a crash. The app must start whatever the journal's state; [`Journal::in_memory`] says why.
    pub fn open_or_in_memory(data: &Path) -> Self {
        match Self::open(data) {
            Ok(journal) => journal,
            Err(e) => {
                tracing::warn!("the transfer journal cannot be used ({e}); keeping it in memory");
                let db = connect(Path::new(":memory:")).expect("an in-memory database opens");
                Self {
                    db: Mutex::new(db),
                    owners: data.join("transfer-owners"),
                    owner: format!("{:016x}", rand::random::<u64>()),
                    moved_aside: None,
                    in_memory: Some(e.message().to_owned()),
                    lock: None,
                }
            }
        }
    }

    /// Why this journal lives only in memory, if it does.
    pub fn in_memory(&self) -> Option<&str> {
        self.in_memory.as_deref()
    }

    /// Where a damaged journal was moved when this one was opened, if that happened: its unfinished
    /// uploads cannot be resumed, and the person should be told.
    pub fn moved_aside(&self) -> Option<&Path> {
        self.moved_aside.as_deref()
    }

    fn db(&self) -> std::sync::MutexGuard<'_, rusqlite::Connection> {
        self.db.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Starts a batch of files for `connection`; add files to it with [`Journal::add`].
    pub fn new_batch(&self, connection: &str, name: &str, is_folder: bool) -> Result<u64> {
        blocking(|| {
            let db = self.db();
            db.execute(
                "INSERT INTO batches (connection, name, is_folder) VALUES (?1, ?2, ?3)",
                params![connection, name, is_folder],
            )
            .map_err(db_error)?;
            Ok(u64::try_from(db.last_insert_rowid()).expect("row ids are positive"))
        })
    }

    /// Records files of `batch` in one transaction.
    pub fn add(&self, batch: u64, files: impl IntoIterator<Item = NewEntry>) -> Result<()> {
        blocking(|| {
            let mut db = self.db();
            let tx = db.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db_error)?;
            {
                let mut insert = tx
                    .prepare_cached(
                        "INSERT INTO uploads (batch, owner, connection, key, path, size, modified_ns, state, seen)
                         SELECT ?1, ?2, connection, ?3, ?4, ?5, ?6, 'queued', ?7 FROM batches WHERE id = ?1",
                    )
                    .map_err(db_error)?;
                for file in files {
                    let inserted = insert
                        .execute(params![
                            to_i64(batch),
                            self.owner,
                            file.key.as_str(),
                            path_bytes(&file.path),
                            to_i64(file.size),
                            nanos(file.modified),
                            file.seen.encode(),
                        ])
                        .map_err(db_error)?;
                    if inserted == 0 {
                        return Err(journal_error(&format!("batch {batch} does not exist")));
                    }
                }
            }
            tx.commit().map_err(db_error)
        })
    }

    /// The entry with transfer id `id`, if it is still in the journal.
    pub fn get(&self, id: u64) -> Result<Option<JournalEntry>> {
        blocking(|| {
            self.db()
                .query_row(&format!("SELECT {ENTRY_COLUMNS} FROM uploads WHERE id = ?1"), [to_i64(id)], entry_from_row)
                .optional()
                .map_err(db_error)?
                .transpose()
        })
    }

    /// Takes a queued entry of this process for a run: it becomes `running` and is returned as it
    /// was (so `sent` tells whether an earlier attempt may have sent it), or `None` if it is gone,
    /// already taken, failed or owned by another live process.
    pub fn claim(&self, id: u64) -> Result<Option<JournalEntry>> {
        blocking(|| {
            let mut db = self.db();
            let tx = db.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db_error)?;
            let entry = tx
                .query_row(
                    &format!("SELECT {ENTRY_COLUMNS} FROM uploads WHERE id = ?1 AND owner = ?2 AND state = 'queued'"),
                    params![to_i64(id), self.owner],
                    entry_from_row,
                )
                .optional()
                .map_err(db_error)?
                .transpose()?;
            if entry.is_some() {
                tx.execute("UPDATE uploads SET state = 'running', sent = 1, error = NULL WHERE id = ?1", [to_i64(id)])
                    .map_err(db_error)?;
            }
            tx.commit().map_err(db_error)?;
            Ok(entry.map(|entry| JournalEntry { state: EntryState::Running, ..entry }))
        })
    }

    /// Ids of this process's queued entries of `batch` after `after`, at most `limit`: the queue is
    /// read a page at a time so its length never shows in memory.
    pub fn queued(&self, batch: u64, after: u64, limit: usize) -> Result<Vec<u64>> {
        blocking(|| {
            let db = self.db();
            let mut query = db
                .prepare_cached(
                    "SELECT id FROM uploads WHERE batch = ?1 AND state = 'queued' AND id > ?2 AND owner = ?3
                     ORDER BY id LIMIT ?4",
                )
                .map_err(db_error)?;
            let rows = query
                .query_map(params![to_i64(batch), to_i64(after), self.owner, to_i64(limit as u64)], |row| {
                    row.get::<_, i64>(0)
                })
                .map_err(db_error)?;
            rows.map(|r| r.map(|id| id as u64).map_err(db_error)).collect()
        })
    }

    /// Failed entries of `batch` after `after`, at most `limit`, to show them again.
    pub fn failed(&self, batch: u64, after: u64, limit: usize) -> Result<Vec<JournalEntry>> {
        blocking(|| {
            let db = self.db();
            let mut query = db
                .prepare_cached(&format!(
                    "SELECT {ENTRY_COLUMNS} FROM uploads WHERE batch = ?1 AND state = 'failed' AND id > ?2
                     ORDER BY id LIMIT ?3"
                ))
                .map_err(db_error)?;
            let rows = query
                .query_map(params![to_i64(batch), to_i64(after), to_i64(limit as u64)], entry_from_row)
                .map_err(db_error)?;
            rows.map(|r| r.map_err(db_error).and_then(|entry| entry)).collect()
        })
    }

    /// The batch with what is left of it in the journal.
    pub fn batch(&self, id: u64) -> Result<Option<BatchInfo>> {
        blocking(|| {
            self.db()
                .query_row(
                    "SELECT b.id, b.connection, b.name, b.is_folder, COUNT(u.id), COALESCE(SUM(u.size), 0),
                            COALESCE(SUM(u.state = 'failed'), 0)
                     FROM batches b LEFT JOIN uploads u ON u.batch = b.id WHERE b.id = ?1 GROUP BY b.id",
                    [to_i64(id)],
                    batch_from_row,
                )
                .optional()
                .map_err(db_error)
        })
    }

    /// Takes over every entry whose owner has died, and returns the batches this process now has
    /// entries in. Entries that a dead run had claimed go back to the queue; failed ones stay failed
    /// until the person retries them. Entries of live processes (another window, a running
    /// `coffer put`) are left to them.
    pub fn claim_orphans(&self) -> Result<Vec<BatchInfo>> {
        blocking(|| {
            let mut db = self.db();
            let tx = db.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db_error)?;
            let owners: Vec<String> = {
                let mut query = tx.prepare("SELECT DISTINCT owner FROM uploads WHERE owner != ?1").map_err(db_error)?;
                query.query_map([&self.owner], |row| row.get(0)).map_err(db_error)?.collect::<rusqlite::Result<_>>()
            }
            .map_err(db_error)?;
            for owner in owners {
                if self.owner_is_alive(&owner) {
                    continue;
                }
                tx.execute(
                    "UPDATE uploads SET owner = ?1, state = CASE state WHEN 'running' THEN 'queued' ELSE state END
                     WHERE owner = ?2",
                    params![self.owner, owner],
                )
                .map_err(db_error)?;
                // A leftover token file is harmless; removing it keeps the folder small.
                let _ = std::fs::remove_file(self.owners.join(&owner));
            }
            tx.execute("DELETE FROM batches WHERE id NOT IN (SELECT DISTINCT batch FROM uploads)", [])
                .map_err(db_error)?;
            let batches = {
                let mut query = tx
                    .prepare(
                        "SELECT b.id, b.connection, b.name, b.is_folder, COUNT(u.id), COALESCE(SUM(u.size), 0),
                                COALESCE(SUM(u.state = 'failed'), 0)
                         FROM batches b JOIN uploads u ON u.batch = b.id
                         WHERE u.owner = ?1 GROUP BY b.id ORDER BY b.id",
                    )
                    .map_err(db_error)?;
                query
                    .query_map([&self.owner], batch_from_row)
                    .map_err(db_error)?
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map_err(db_error)?
            };
            tx.commit().map_err(db_error)?;
            Ok(batches)
        })
    }

    fn owner_is_alive(&self, owner: &str) -> bool {
        // Token names are our own hex strings; anything else is not a live Coffer.
        if owner.is_empty() || !owner.bytes().all(|b| b.is_ascii_hexdigit()) {
            return false;
        }
        match File::open(self.owners.join(owner)) {
            Ok(file) => file.try_lock().is_err(),
            Err(_) => false,
        }
    }

    /// Marks a running entry failed, with the message to show.
    pub fn fail(&self, id: u64, error: &Error) -> Result<()> {
        blocking(|| {
            self.db()
                .execute(
                    "UPDATE uploads SET state = 'failed', error = ?2, error_kind = ?3 WHERE id = ?1",
                    params![to_i64(id), error.record(), format!("{:?}", error.kind())],
                )
                .map(drop)
                .map_err(db_error)
        })
    }

    /// Puts a failed entry back in the queue. A running one is refused; one that is gone is
    /// `NotFound`.
    pub fn requeue(&self, id: u64) -> Result<()> {
        blocking(|| {
            let entry = self.get(id)?.ok_or_else(gone)?;
            if entry.state == EntryState::Running {
                return Err(Error::upload_running());
            }
            self.db()
                .execute(
                    "UPDATE uploads SET state = 'queued', owner = ?2 WHERE id = ?1 AND state = 'failed'",
                    params![to_i64(id), self.owner],
                )
                .map(drop)
                .map_err(db_error)
        })
    }

    /// Puts a failed entry back in the queue as a fresh upload to `key`, insisting on `seen` there:
    /// the person decided what to do about a document that changed while it was uploading.
    pub fn requeue_to(&self, id: u64, key: &ObjectKey, seen: &Seen) -> Result<()> {
        blocking(|| {
            let mut db = self.db();
            let tx = db.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db_error)?;
            let changed = tx
                .execute(
                    "UPDATE uploads SET state = 'queued', owner = ?2, key = ?3, seen = ?4, sent = 0, upload_id = NULL,
                       part_size = NULL, algorithm = NULL, error = NULL
                     WHERE id = ?1 AND state = 'failed'",
                    params![to_i64(id), self.owner, key.as_str(), seen.encode()],
                )
                .map_err(db_error)?;
            if changed == 0 {
                return Err(Error::upload_not_waiting());
            }
            tx.execute("DELETE FROM parts WHERE upload = ?1", [to_i64(id)]).map_err(db_error)?;
            tx.commit().map_err(db_error)
        })
    }

    /// Puts every failed entry of `batch` back in the queue; returns how many.
    pub fn requeue_failed(&self, batch: u64) -> Result<u64> {
        blocking(|| {
            self.db()
                .execute(
                    "UPDATE uploads SET state = 'queued', owner = ?2 WHERE batch = ?1 AND state = 'failed'",
                    params![to_i64(batch), self.owner],
                )
                .map(|n| n as u64)
                .map_err(db_error)
        })
    }

    /// Removes the entries of `batch` that no run has taken (queued or failed): a cancelled batch.
    pub fn remove_waiting(&self, batch: u64) -> Result<u64> {
        blocking(|| {
            self.db()
                .execute("DELETE FROM uploads WHERE batch = ?1 AND state != 'running'", [to_i64(batch)])
                .map(|n| n as u64)
                .map_err(db_error)
        })
    }

    /// Whether `batch` has queued entries of this process.
    pub fn has_queued(&self, batch: u64) -> Result<bool> {
        Ok(!self.queued(batch, 0, 1)?.is_empty())
    }

    /// Notes the multipart upload started for `id`; must be durable before any part is sent.
    pub fn set_upload(&self, id: u64, upload_id: &str, part_size: u64, checksum: Checksum) -> Result<()> {
        blocking(|| {
            self.db()
                .execute(
                    "UPDATE uploads SET upload_id = ?2, part_size = ?3, algorithm = ?4 WHERE id = ?1",
                    params![to_i64(id), upload_id, to_i64(part_size), checksum.as_str()],
                )
                .map(drop)
                .map_err(db_error)
        })
    }

    /// Starts `id` over from nothing, for a file that changed since it was recorded or an upload
    /// the server no longer has.
    pub fn restart(&self, id: u64, size: u64, modified: SystemTime) -> Result<()> {
        blocking(|| {
            let mut db = self.db();
            let tx = db.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db_error)?;
            tx.execute("DELETE FROM parts WHERE upload = ?1", [to_i64(id)]).map_err(db_error)?;
            tx.execute(
                "UPDATE uploads SET size = ?2, modified_ns = ?3, upload_id = NULL, part_size = NULL, algorithm = NULL
                 WHERE id = ?1",
                params![to_i64(id), to_i64(size), nanos(modified)],
            )
            .map_err(db_error)?;
            tx.commit().map_err(db_error)
        })
    }

    /// Records a part the server acknowledged.
    pub fn record_part(&self, id: u64, part: &RecordedPart) -> Result<()> {
        blocking(|| {
            self.db()
                .execute(
                    "INSERT OR REPLACE INTO parts (upload, number, size, etag, checksum) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![to_i64(id), part.number, to_i64(part.size), part.etag, part.checksum],
                )
                .map(drop)
                .map_err(db_error)
        })
    }

    /// The parts recorded for entry `id`, by number.
    pub fn parts(&self, id: u64) -> Result<Vec<RecordedPart>> {
        blocking(|| {
            let db = self.db();
            let mut query = db
                .prepare_cached("SELECT number, size, etag, checksum FROM parts WHERE upload = ?1 ORDER BY number")
                .map_err(db_error)?;
            query
                .query_map([to_i64(id)], |row| {
                    Ok(RecordedPart {
                        number: row.get(0)?,
                        size: row.get::<_, i64>(1)? as u64,
                        etag: row.get(2)?,
                        checksum: row.get(3)?,
                    })
                })
                .map_err(db_error)?
                .collect::<rusqlite::Result<_>>()
                .map_err(db_error)
        })
    }

    /// Removes a finished, cancelled or discarded entry and its parts.
    pub fn remove(&self, id: u64) -> Result<()> {
        blocking(|| self.db().execute("DELETE FROM uploads WHERE id = ?1", [to_i64(id)]).map(drop).map_err(db_error))
    }

    /// The multipart uploads recorded for `connection` by any process: they may still be resumed.
    pub fn upload_ids(&self, connection: &str) -> Result<std::collections::HashSet<String>> {
        blocking(|| {
            let db = self.db();
            let mut query = db
                .prepare("SELECT upload_id FROM uploads WHERE connection = ?1 AND upload_id IS NOT NULL")
                .map_err(db_error)?;
            query
                .query_map([connection], |row| row.get(0))
                .map_err(db_error)?
                .collect::<rusqlite::Result<_>>()
                .map_err(db_error)
        })
    }

    /// Records a move (its plan as JSON) before anything is copied; see [`crate::moves`].
    pub(crate) fn insert_move(&self, connection: &str, plan: &str) -> Result<u64> {
        blocking(|| {
            let db = self.db();
            db.execute(
                "INSERT INTO moves (owner, connection, plan) VALUES (?1, ?2, ?3)",
                params![self.owner, connection, plan],
            )
            .map_err(db_error)?;
            Ok(u64::try_from(db.last_insert_rowid()).expect("row ids are positive"))
        })
    }

    /// Notes that every copy of move `id` is checked and its originals are being deleted.
    pub(crate) fn move_deleting(&self, id: u64) -> Result<()> {
        blocking(|| {
            self.db().execute("UPDATE moves SET deleting = 1 WHERE id = ?1", [to_i64(id)]).map(drop).map_err(db_error)
        })
    }

    /// Forgets a finished move.
    pub(crate) fn finish_move(&self, id: u64) -> Result<()> {
        blocking(|| self.db().execute("DELETE FROM moves WHERE id = ?1", [to_i64(id)]).map(drop).map_err(db_error))
    }

    /// Takes over the moves for `connection` whose process died: (id, plan as JSON).
    pub(crate) fn claim_orphan_moves(&self, connection: &str) -> Result<Vec<(u64, String)>> {
        blocking(|| {
            let mut db = self.db();
            let tx = db.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db_error)?;
            let rows: Vec<(i64, String, String)> = {
                let mut query = tx
                    .prepare("SELECT id, owner, plan FROM moves WHERE connection = ?1 AND owner != ?2 ORDER BY id")
                    .map_err(db_error)?;
                query
                    .query_map(params![connection, self.owner], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
                    .map_err(db_error)?
                    .collect::<rusqlite::Result<_>>()
                    .map_err(db_error)?
            };
            let mut claimed = Vec::new();
            for (id, owner, plan) in rows {
                if self.owner_is_alive(&owner) {
                    continue;
                }
                tx.execute("UPDATE moves SET owner = ?1 WHERE id = ?2", params![self.owner, id]).map_err(db_error)?;
                claimed.push((u64::try_from(id).expect("row ids are positive"), plan));
            }
            tx.commit().map_err(db_error)?;
            Ok(claimed)
        })
    }

    /// Moves recorded and not finished, by any process (for tests and status lines).
    pub fn unfinished_moves(&self) -> Result<u64> {
        blocking(|| {
            self.db()
                .query_row("SELECT COUNT(*) FROM moves", [], |row| row.get::<_, i64>(0))
                .map(|n| n as u64)
                .map_err(db_error)
        })
    }

    /// How many entries are left unfinished, by any process (for tests and status lines).
    pub fn unfinished(&self) -> Result<u64> {
        blocking(|| {
            self.db()
                .query_row("SELECT COUNT(*) FROM uploads", [], |row| row.get::<_, i64>(0))
                .map(|n| n as u64)
                .map_err(db_error)
        })
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        // Entries left behind are claimed by the next process either way; the token file is not
        // needed once its lock is gone.
        if self.lock.is_some() {
            let _ = std::fs::remove_file(self.owners.join(&self.owner));
        }
    }
}

/// Opens the journal file and brings its schema up to date.
fn connect(file: &Path) -> rusqlite::Result<rusqlite::Connection> {
    let mut db = rusqlite::Connection::open(file)?;
    db.busy_timeout(Duration::from_secs(10))?;
    // WAL with synchronous=NORMAL survives a killed process (the OS still has every write); only a
    // power cut can lose the last transactions, and resume re-checks the server anyway.
    db.pragma_update(None, "journal_mode", "WAL")?;
    db.pragma_update(None, "synchronous", "NORMAL")?;
    db.pragma_update(None, "foreign_keys", "ON")?;
    let tx = db.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    let had_uploads =
        tx.query_row("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'uploads'", [], |row| {
            row.get::<_, i64>(0)
        })? > 0;
    tx.execute_batch(SCHEMA)?;
    if version == 0 && had_uploads {
        tx.execute_batch(MIGRATE_FROM_0)?;
    }
    if version < 2 && had_uploads {
        tx.execute_batch(MIGRATE_FROM_1)?;
    }
    if version < 3 && had_uploads {
        tx.execute_batch(MIGRATE_FROM_2)?;
    }
    tx.execute_batch(INDEXES)?;
    tx.commit()?;
    Ok(db)
}

/// Whether opening failed because of the file itself (not the disk or a lock): such a journal is
/// moved aside and a new one started.
fn damaged(e: &rusqlite::Error) -> bool {
    use rusqlite::ErrorCode::{CannotOpen, DatabaseCorrupt, NotADatabase, PermissionDenied, ReadOnly};
    matches!(e.sqlite_error_code(), Some(NotADatabase | DatabaseCorrupt | CannotOpen | PermissionDenied | ReadOnly))
}

/// Runs a journal call. SQLite blocks (on the disk, and for up to the busy timeout on another
/// process's write lock, such as a `coffer put` beside the app); on a worker of a multi-threaded
/// tokio runtime the call is made with `block_in_place`, so the runtime moves the worker's other
/// tasks elsewhere meanwhile and listings and progress never wait on the journal.
pub(crate) fn blocking<T>(call: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(rt) if rt.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(call)
        }
        _ => call(),
    }
}

fn gone() -> Error {
    Error::upload_gone()
}

fn batch_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<BatchInfo> {
    Ok(BatchInfo {
        id: row.get::<_, i64>(0)? as u64,
        connection: row.get(1)?,
        name: row.get(2)?,
        is_folder: row.get(3)?,
        files: row.get::<_, i64>(4)? as u64,
        bytes: row.get::<_, i64>(5)? as u64,
        failed: row.get::<_, i64>(6)? as u64,
    })
}

fn entry_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<JournalEntry>> {
    let key: String = row.get(3)?;
    let path: Vec<u8> = row.get(4)?;
    let state: String = row.get(7)?;
    let algorithm: Option<String> = row.get(11)?;
    Ok(ObjectKey::new(key).map(|key| JournalEntry {
        id: row.get::<_, i64>(0).map(|id| id as u64).unwrap_or_default(),
        batch: row.get::<_, i64>(1).map(|id| id as u64).unwrap_or_default(),
        connection: row.get(2).unwrap_or_default(),
        key,
        path: bytes_path(path),
        size: row.get::<_, i64>(5).map(|s| s as u64).unwrap_or_default(),
        modified: from_nanos(row.get(6).unwrap_or_default()),
        state: EntryState::parse(&state),
        sent: row.get(8).unwrap_or_default(),
        upload_id: row.get(9).unwrap_or_default(),
        part_size: row.get::<_, Option<i64>>(10).unwrap_or_default().map(|s| s as u64),
        checksum: algorithm.as_deref().and_then(Checksum::parse),
        error: row.get::<_, Option<String>>(12).unwrap_or_default().map(|message| {
            let kind = row.get::<_, Option<String>>(14).unwrap_or_default();
            let kind = ErrorKind::ALL.into_iter().find(|k| Some(format!("{k:?}")) == kind);
            Error::from_record(&message, kind)
        }),
        seen: row.get::<_, Option<String>>(13).unwrap_or_default().as_deref().and_then(Seen::decode),
    }))
}

fn journal_error(detail: &str) -> Error {
    Error::journal_unusable(detail)
}

fn db_error(e: rusqlite::Error) -> Error {
    journal_error(&e.to_string())
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn nanos(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_nanos()).unwrap_or(i64::MAX),
    }
}

fn from_nanos(n: i64) -> SystemTime {
    if n >= 0 {
        UNIX_EPOCH + Duration::from_nanos(n as u64)
    } else {
        UNIX_EPOCH - Duration::from_nanos(n.unsigned_abs())
    }
}

#[cfg(unix)]
fn path_bytes(path: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    path.as_os_str().as_bytes().to_vec()
}

#[cfg(unix)]
fn bytes_path(bytes: Vec<u8>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    PathBuf::from(std::ffi::OsString::from_vec(bytes))
}

#[cfg(not(unix))]
fn path_bytes(path: &Path) -> Vec<u8> {
    path.to_string_lossy().into_owned().into_bytes()
}

#[cfg(not(unix))]
fn bytes_path(bytes: Vec<u8>) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str) -> NewEntry {
        NewEntry {
            path: PathBuf::from(format!("/tmp/{name}")),
            key: ObjectKey::new(name).unwrap(),
            size: 7,
            modified: UNIX_EPOCH + Duration::from_nanos(1_700_000_000_123_456_789),
            seen: Seen::Absent,
        }
    }

    #[test]
    fn entries_and_parts_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path()).unwrap();
        let batch = journal.new_batch("Garage", "Reports", true).unwrap();
        journal.add(batch, [entry("a.pdf"), entry("b.pdf")]).unwrap();
        let ids = journal.queued(batch, 0, 10).unwrap();
        assert_eq!(ids.len(), 2);
        let a = journal.get(ids[0]).unwrap().unwrap();
        assert_eq!((a.connection.as_str(), a.key.as_str(), a.size, a.batch), ("Garage", "a.pdf", 7, batch));
        assert_eq!(a.modified, entry("a.pdf").modified, "nanoseconds survive");
        assert_eq!((a.state, a.sent), (EntryState::Queued, false));

        let a = journal.claim(ids[0]).unwrap().expect("a queued entry can be claimed");
        assert_eq!((a.state, a.sent), (EntryState::Running, false), "returned as it was: never sent");
        assert!(journal.get(ids[0]).unwrap().unwrap().sent, "from now on it may have been sent");
        assert!(journal.claim(ids[0]).unwrap().is_none(), "never claimed twice");
        assert_eq!(journal.queued(batch, 0, 10).unwrap(), vec![ids[1]], "a claimed entry is not queued");

        journal.set_upload(ids[0], "up-1", 5 << 20, Checksum::Md5).unwrap();
        let part = RecordedPart { number: 1, size: 5, etag: "\"e\"".into(), checksum: "x".into() };
        journal.record_part(ids[0], &part).unwrap();
        assert_eq!(journal.parts(ids[0]).unwrap(), vec![part]);
        let a = journal.get(ids[0]).unwrap().unwrap();
        assert_eq!(
            (a.upload_id.as_deref(), a.part_size, a.checksum),
            (Some("up-1"), Some(5 << 20), Some(Checksum::Md5))
        );

        journal.restart(ids[0], 9, UNIX_EPOCH).unwrap();
        assert!(journal.parts(ids[0]).unwrap().is_empty(), "a restart forgets the parts");
        assert_eq!(journal.get(ids[0]).unwrap().unwrap().upload_id, None);

        journal.fail(ids[0], &Error::not_replaced("a.txt")).unwrap();
        let info = journal.batch(batch).unwrap().unwrap();
        assert_eq!((info.name.as_str(), info.is_folder, info.files, info.failed), ("Reports", true, 2, 1));
        let failed = journal.failed(batch, 0, 10).unwrap()[0].error.clone().unwrap();
        assert_eq!(
            failed,
            Error::not_replaced("a.txt"),
            "the code and parameters survive, so the page can translate it"
        );
        journal.requeue(ids[0]).unwrap();
        assert_eq!(journal.queued(batch, 0, 10).unwrap(), ids, "a retried entry is queued again");
        journal.claim(ids[0]).unwrap();
        assert_eq!(journal.requeue(ids[0]).unwrap_err().kind(), ErrorKind::InvalidInput, "running is refused");

        journal.remove(ids[0]).unwrap();
        assert!(journal.get(ids[0]).unwrap().is_none());
        assert_eq!(journal.remove_waiting(batch).unwrap(), 1);
        assert_eq!(journal.unfinished().unwrap(), 0);
    }

    #[test]
    fn only_entries_of_dead_owners_are_claimed() {
        let dir = tempfile::tempdir().unwrap();
        let first = Journal::open(dir.path()).unwrap();
        let batch = first.new_batch("Garage", "a.pdf", false).unwrap();
        first.add(batch, [entry("a.pdf")]).unwrap();
        let id = first.queued(batch, 0, 1).unwrap()[0];
        first.claim(id).unwrap();
        let second = Journal::open(dir.path()).unwrap();
        assert!(second.claim_orphans().unwrap().is_empty(), "the first owner still holds its lock");
        drop(first);
        let claimed = second.claim_orphans().unwrap();
        assert_eq!(claimed.iter().map(|b| b.id).collect::<Vec<_>>(), vec![batch], "the lock died with its owner");
        let entry = second.get(id).unwrap().unwrap();
        assert_eq!((entry.state, entry.sent), (EntryState::Queued, true), "back in the queue, marked as sent");
        let third = Journal::open(dir.path()).unwrap();
        assert!(third.claim_orphans().unwrap().is_empty(), "now owned by a live process again");
    }

    #[test]
    fn a_damaged_journal_is_moved_aside_and_a_new_one_started() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("transfers.sqlite3"), b"this is not a database, it was overwritten").unwrap();
        let journal = Journal::open(dir.path()).expect("a new journal opens");
        let aside = journal.moved_aside().expect("the damage is reported").to_owned();
        assert_eq!(std::fs::read(&aside).unwrap(), b"this is not a database, it was overwritten", "kept, not deleted");
        let batch = journal.new_batch("Garage", "a.pdf", false).unwrap();
        journal.add(batch, [entry("a.pdf")]).unwrap();
        drop(journal);
        let again = Journal::open(dir.path()).unwrap();
        assert!(again.moved_aside().is_none(), "the new journal is sound");
        assert_eq!(again.unfinished().unwrap(), 1);
    }

    #[test]
    fn journals_from_before_batches_are_migrated() {
        let dir = tempfile::tempdir().unwrap();
        {
            let db = rusqlite::Connection::open(dir.path().join("transfers.sqlite3")).unwrap();
            db.execute_batch(
                "CREATE TABLE uploads (id INTEGER PRIMARY KEY AUTOINCREMENT, owner TEXT NOT NULL,
                   connection TEXT NOT NULL, key TEXT NOT NULL, path BLOB NOT NULL, size INTEGER NOT NULL,
                   modified_ns INTEGER NOT NULL, state TEXT NOT NULL, upload_id TEXT, part_size INTEGER,
                   algorithm TEXT, error TEXT);
                 CREATE TABLE parts (upload INTEGER NOT NULL, number INTEGER NOT NULL, size INTEGER NOT NULL,
                   etag TEXT NOT NULL, checksum TEXT NOT NULL, PRIMARY KEY (upload, number)) WITHOUT ROWID;
                 INSERT INTO uploads VALUES (1, 'dead', 'Garage', 'big.bin', x'2f74', 9, 0, 'running', 'up', 5, 'crc32c', NULL);
                 INSERT INTO parts VALUES (1, 1, 5, 'e', 'crc32c:AAAAAA==');",
            )
            .unwrap();
        }
        let journal = Journal::open(dir.path()).unwrap();
        let batches = journal.claim_orphans().unwrap();
        assert_eq!(batches.len(), 1);
        assert_eq!(journal.queued(batches[0].id, 0, 10).unwrap(), vec![1]);
        let entry = journal.get(1).unwrap().unwrap();
        assert_eq!((entry.sent, entry.checksum), (true, Some(Checksum::Crc32c)));
        assert_eq!(entry.seen, None, "nothing was recorded of the destination then");
        assert_eq!(journal.parts(1).unwrap()[0].checksum, "AAAAAA==");
        drop(journal);
        Journal::open(dir.path()).expect("opening again does not migrate twice");
    }

    /// With one worker, a journal call waiting on another process's write lock would stall every
    /// other task; run off the worker, it lets them go on.
    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn a_journal_waiting_on_a_lock_does_not_stall_the_runtime() {
        let dir = tempfile::tempdir().unwrap();
        let journal = std::sync::Arc::new(Journal::open(dir.path()).unwrap());
        let batch = journal.new_batch("Garage", "a.pdf", false).unwrap();
        journal.add(batch, [entry("a.pdf")]).unwrap();
        let id = journal.queued(batch, 0, 1).unwrap()[0];

        // Another process (the CLI, say) holds the write lock until it hears from another task.
        let file = dir.path().join("transfers.sqlite3");
        let (locked_tx, locked_rx) = std::sync::mpsc::channel();
        let (ran_tx, ran_rx) = std::sync::mpsc::channel::<()>();
        let other = std::thread::spawn(move || {
            let db = rusqlite::Connection::open(file).unwrap();
            db.execute_batch("BEGIN IMMEDIATE").unwrap();
            locked_tx.send(()).unwrap();
            let heard = ran_rx.recv_timeout(Duration::from_secs(5)).is_ok();
            db.execute_batch("ROLLBACK").unwrap();
            heard
        });
        locked_rx.recv().unwrap();

        let (calling_tx, calling_rx) = tokio::sync::oneshot::channel();
        let waiting = std::sync::Arc::clone(&journal);
        let claim = tokio::spawn(async move {
            calling_tx.send(()).unwrap();
            waiting.claim(id)
        });
        calling_rx.await.unwrap();
        // Runs only if the one worker is not held by the claim waiting for the lock.
        tokio::spawn(async move { ran_tx.send(()).unwrap() });
        assert!(other.join().unwrap(), "another task ran while the journal waited");
        assert!(claim.await.unwrap().unwrap().is_some(), "the claim went through once the lock was free");
    }

    #[test]
    fn a_journal_that_cannot_be_written_anywhere_lives_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        // A file where the data folder should be: nothing can be created under it, even by root.
        let data = dir.path().join("data");
        std::fs::write(&data, b"not a folder").unwrap();
        assert!(Journal::open(&data).is_err());
        let journal = Journal::open_or_in_memory(&data);
        assert!(journal.in_memory().is_some_and(|why| !why.is_empty()), "it says why");
        let batch = journal.new_batch("Garage", "a.pdf", false).unwrap();
        journal.add(batch, [entry("a.pdf")]).unwrap();
        let id = journal.queued(batch, 0, 1).unwrap()[0];
        assert!(journal.claim(id).unwrap().is_some(), "uploads still work");
        assert!(Journal::open_or_in_memory(dir.path()).in_memory().is_none(), "a usable folder gets a file");
    }
}
