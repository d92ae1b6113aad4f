//! The transfer journal: every file handed to Coffer for upload, recorded in SQLite in the data
//! folder before its first byte is sent, with its multipart UploadId and each part the server has
//! acknowledged (number, size, ETag, checksum).
//!
//! The one design decision that matters: **the journal, not memory, is the queue.** Uploads are
//! read back from it page by page, so a folder of 100,000 files costs no more memory than one file,
//! and whatever a crash interrupts is still there on the next start. Several processes (the app and
//! the CLI) share the file; each entry names the process that owns it, and an owner is alive exactly
//! as long as it holds an exclusive lock on its token file. The kernel drops that lock when a process
//! dies, even by `kill -9`, so [`Journal::claim_orphans`] can tell abandoned work from work in progress.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{OptionalExtension, params};

use crate::error::{Error, ErrorKind, Result};
use crate::key::ObjectKey;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS uploads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner TEXT NOT NULL,
    connection TEXT NOT NULL,
    key TEXT NOT NULL,
    path BLOB NOT NULL,
    size INTEGER NOT NULL,
    modified_ns INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'failed')),
    upload_id TEXT,
    part_size INTEGER,
    algorithm TEXT,
    error TEXT
);
CREATE INDEX IF NOT EXISTS uploads_by_owner ON uploads (owner, state);
CREATE TABLE IF NOT EXISTS parts (
    upload INTEGER NOT NULL REFERENCES uploads (id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    checksum TEXT NOT NULL,
    PRIMARY KEY (upload, number)
) WITHOUT ROWID;
";

/// Where an entry stands. Finished and cancelled entries are deleted, not kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryState {
    /// Recorded, no request sent yet.
    Queued,
    /// Requests have been sent; the object may or may not be complete.
    Running,
    /// Gave up with an error; kept so that the user (or `coffer resume`) can try again.
    Failed,
}

impl EntryState {
    fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Failed => "failed",
        }
    }

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
    pub id: u64,
    pub connection: String,
    pub key: ObjectKey,
    pub path: PathBuf,
    /// Size and modification time of the file when it was recorded (or last restarted).
    pub size: u64,
    pub modified: SystemTime,
    pub state: EntryState,
    pub upload_id: Option<String>,
    pub part_size: Option<u64>,
    /// The checksum the multipart upload was created with: `crc32c` or `md5`.
    pub algorithm: Option<String>,
    pub error: Option<String>,
}

/// A part the server acknowledged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedPart {
    pub number: i32,
    pub size: u64,
    pub etag: String,
    /// `md5:<base64>` or `crc32c:<base64>`: what the server verified the part against.
    pub checksum: String,
}

/// A file to record.
#[derive(Clone, Debug)]
pub struct NewEntry {
    pub path: PathBuf,
    pub key: ObjectKey,
    pub size: u64,
    pub modified: SystemTime,
}

/// The journal file of one data folder, opened by one process.
pub struct Journal {
    db: Mutex<rusqlite::Connection>,
    owners: PathBuf,
    owner: String,
    /// Held for the life of the process: while it is locked, this process's entries are not orphans.
    _lock: File,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal").field("owner", &self.owner).finish_non_exhaustive()
    }
}

impl Journal {
    /// Opens (or creates) `<data>/transfers.sqlite3` and registers this process as an owner.
    pub fn open(data: &Path) -> Result<Self> {
        let owners = data.join("transfer-owners");
        std::fs::create_dir_all(&owners).map_err(|e| Error::local_io(&owners, &e))?;
        let owner = format!("{:016x}", rand::random::<u64>());
        let lock_path = owners.join(&owner);
        let lock = File::create(&lock_path).map_err(|e| Error::local_io(&lock_path, &e))?;
        lock.try_lock().map_err(|e| journal_error(&format!("cannot lock {}: {e}", lock_path.display())))?;

        let file = data.join("transfers.sqlite3");
        let db = rusqlite::Connection::open(&file).map_err(db_error)?;
        db.busy_timeout(Duration::from_secs(10)).map_err(db_error)?;
        // WAL with synchronous=NORMAL survives a killed process (the OS still has every write);
        // only a power cut can lose the last transactions, and resume re-checks the server anyway.
        db.pragma_update(None, "journal_mode", "WAL").map_err(db_error)?;
        db.pragma_update(None, "synchronous", "NORMAL").map_err(db_error)?;
        db.pragma_update(None, "foreign_keys", "ON").map_err(db_error)?;
        db.execute_batch(SCHEMA).map_err(db_error)?;
        Ok(Self { db: Mutex::new(db), owners, owner, _lock: lock })
    }

    fn db(&self) -> std::sync::MutexGuard<'_, rusqlite::Connection> {
        self.db.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records files to upload through `connection`, in one transaction; returns their ids in order.
    pub fn add(&self, connection: &str, files: impl IntoIterator<Item = NewEntry>) -> Result<Vec<u64>> {
        let mut db = self.db();
        let tx = db.transaction().map_err(db_error)?;
        let mut ids = Vec::new();
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO uploads (owner, connection, key, path, size, modified_ns, state)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'queued')",
                )
                .map_err(db_error)?;
            for file in files {
                insert
                    .execute(params![
                        self.owner,
                        connection,
                        file.key.as_str(),
                        path_bytes(&file.path),
                        to_i64(file.size),
                        nanos(file.modified),
                    ])
                    .map_err(db_error)?;
                ids.push(u64::try_from(tx.last_insert_rowid()).expect("row ids are positive"));
            }
        }
        tx.commit().map_err(db_error)?;
        Ok(ids)
    }

    pub fn get(&self, id: u64) -> Result<Option<JournalEntry>> {
        self.db()
            .query_row(
                "SELECT id, connection, key, path, size, modified_ns, state, upload_id, part_size, algorithm, error
                 FROM uploads WHERE id = ?1",
                [to_i64(id)],
                entry_from_row,
            )
            .optional()
            .map_err(db_error)?
            .transpose()
    }

    /// Ids of this process's entries for `connection` in `first..=last` after `after`, at most
    /// `limit`: the queue is read a page at a time so its length never shows in memory.
    pub fn page(&self, connection: &str, first: u64, last: u64, after: u64, limit: usize) -> Result<Vec<u64>> {
        let db = self.db();
        let mut query = db
            .prepare_cached(
                "SELECT id FROM uploads WHERE owner = ?1 AND connection = ?2 AND id >= ?3 AND id <= ?4 AND id > ?5
                 ORDER BY id LIMIT ?6",
            )
            .map_err(db_error)?;
        let rows = query
            .query_map(
                params![self.owner, connection, to_i64(first), to_i64(last), to_i64(after), to_i64(limit as u64)],
                |row| row.get::<_, i64>(0),
            )
            .map_err(db_error)?;
        rows.map(|r| r.map(|id| id as u64).map_err(db_error)).collect()
    }

    /// Files and bytes of this process's entries for `connection` in `first..=last`.
    pub fn totals(&self, connection: &str, first: u64, last: u64) -> Result<(u64, u64)> {
        self.db()
            .query_row(
                "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM uploads
                 WHERE owner = ?1 AND connection = ?2 AND id >= ?3 AND id <= ?4",
                params![self.owner, connection, to_i64(first), to_i64(last)],
                |row| Ok((row.get::<_, i64>(0)? as u64, row.get::<_, i64>(1)? as u64)),
            )
            .map_err(db_error)
    }

    /// The connections this process has entries for.
    pub fn connections(&self) -> Result<Vec<String>> {
        let db = self.db();
        let mut query = db
            .prepare("SELECT DISTINCT connection FROM uploads WHERE owner = ?1 ORDER BY connection")
            .map_err(db_error)?;
        query
            .query_map([&self.owner], |row| row.get(0))
            .map_err(db_error)?
            .collect::<rusqlite::Result<_>>()
            .map_err(db_error)
    }

    /// Takes over every entry whose owner has died; returns their ids in order. Entries of live
    /// processes (another window, a running `coffer put`) are left to them.
    pub fn claim_orphans(&self) -> Result<Vec<u64>> {
        let mut db = self.db();
        let tx = db.transaction().map_err(db_error)?;
        let owners: Vec<String> = {
            let mut query = tx.prepare("SELECT DISTINCT owner FROM uploads WHERE owner != ?1").map_err(db_error)?;
            query.query_map([&self.owner], |row| row.get(0)).map_err(db_error)?.collect::<rusqlite::Result<_>>()
        }
        .map_err(db_error)?;
        for owner in owners {
            if self.owner_is_alive(&owner) {
                continue;
            }
            tx.execute("UPDATE uploads SET owner = ?1 WHERE owner = ?2", params![self.owner, owner])
                .map_err(db_error)?;
            // A leftover token file is harmless; removing it keeps the folder small.
            let _ = std::fs::remove_file(self.owners.join(&owner));
        }
        let ids = {
            let mut query = tx.prepare("SELECT id FROM uploads WHERE owner = ?1 ORDER BY id").map_err(db_error)?;
            query
                .query_map([&self.owner], |row| row.get::<_, i64>(0))
                .map_err(db_error)?
                .map(|r| r.map(|id| id as u64))
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(db_error)?
        };
        tx.commit().map_err(db_error)?;
        Ok(ids)
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

    pub fn set_state(&self, id: u64, state: EntryState, error: Option<&str>) -> Result<()> {
        self.db()
            .execute(
                "UPDATE uploads SET state = ?2, error = ?3 WHERE id = ?1",
                params![to_i64(id), state.as_str(), error],
            )
            .map(drop)
            .map_err(db_error)
    }

    /// Notes the multipart upload started for `id`; must be durable before any part is sent.
    pub fn set_upload(&self, id: u64, upload_id: &str, part_size: u64, algorithm: &str) -> Result<()> {
        self.db()
            .execute(
                "UPDATE uploads SET upload_id = ?2, part_size = ?3, algorithm = ?4, state = 'running' WHERE id = ?1",
                params![to_i64(id), upload_id, to_i64(part_size), algorithm],
            )
            .map(drop)
            .map_err(db_error)
    }

    /// Starts `id` over from nothing, for a file that changed since it was recorded.
    pub fn restart(&self, id: u64, size: u64, modified: SystemTime) -> Result<()> {
        let mut db = self.db();
        let tx = db.transaction().map_err(db_error)?;
        tx.execute("DELETE FROM parts WHERE upload = ?1", [to_i64(id)]).map_err(db_error)?;
        tx.execute(
            "UPDATE uploads SET size = ?2, modified_ns = ?3, upload_id = NULL, part_size = NULL, algorithm = NULL, state = 'queued',
             error = NULL WHERE id = ?1",
            params![to_i64(id), to_i64(size), nanos(modified)],
        )
        .map_err(db_error)?;
        tx.commit().map_err(db_error)
    }

    pub fn record_part(&self, id: u64, part: &RecordedPart) -> Result<()> {
        self.db()
            .execute(
                "INSERT OR REPLACE INTO parts (upload, number, size, etag, checksum) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![to_i64(id), part.number, to_i64(part.size), part.etag, part.checksum],
            )
            .map(drop)
            .map_err(db_error)
    }

    pub fn parts(&self, id: u64) -> Result<Vec<RecordedPart>> {
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
    }

    /// Removes a finished or cancelled entry and its parts.
    pub fn remove(&self, id: u64) -> Result<()> {
        self.db().execute("DELETE FROM uploads WHERE id = ?1", [to_i64(id)]).map(drop).map_err(db_error)
    }

    /// How many entries this process and dead ones have left unfinished (for tests and status lines).
    pub fn unfinished(&self) -> Result<u64> {
        self.db()
            .query_row("SELECT COUNT(*) FROM uploads", [], |row| row.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(db_error)
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        // Entries left behind are claimed by the next process either way; the token file is not
        // needed once its lock is gone.
        let _ = std::fs::remove_file(self.owners.join(&self.owner));
    }
}

fn entry_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<JournalEntry>> {
    let key: String = row.get(2)?;
    let path: Vec<u8> = row.get(3)?;
    let state: String = row.get(6)?;
    Ok(ObjectKey::new(key).map(|key| JournalEntry {
        id: row.get::<_, i64>(0).map(|id| id as u64).unwrap_or_default(),
        connection: row.get(1).unwrap_or_default(),
        key,
        path: bytes_path(path),
        size: row.get::<_, i64>(4).map(|s| s as u64).unwrap_or_default(),
        modified: from_nanos(row.get(5).unwrap_or_default()),
        state: EntryState::parse(&state),
        upload_id: row.get(7).unwrap_or_default(),
        part_size: row.get::<_, Option<i64>>(8).unwrap_or_default().map(|s| s as u64),
        algorithm: row.get(9).unwrap_or_default(),
        error: row.get(10).unwrap_or_default(),
    }))
}

fn journal_error(detail: &str) -> Error {
    Error::new(ErrorKind::Io, format!("Coffer's transfer journal cannot be used: {detail}."))
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
        }
    }

    #[test]
    fn entries_and_parts_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path()).unwrap();
        let ids = journal.add("Garage", [entry("a.pdf"), entry("b.pdf")]).unwrap();
        assert_eq!(ids.len(), 2);
        let a = journal.get(ids[0]).unwrap().unwrap();
        assert_eq!((a.connection.as_str(), a.key.as_str(), a.size), ("Garage", "a.pdf", 7));
        assert_eq!(a.modified, entry("a.pdf").modified, "nanoseconds survive");
        assert_eq!(a.state, EntryState::Queued);

        journal.set_upload(ids[0], "up-1", 5 << 20, "md5").unwrap();
        let part = RecordedPart { number: 1, size: 5, etag: "\"e\"".into(), checksum: "md5:x".into() };
        journal.record_part(ids[0], &part).unwrap();
        assert_eq!(journal.parts(ids[0]).unwrap(), vec![part]);
        let a = journal.get(ids[0]).unwrap().unwrap();
        assert_eq!((a.upload_id.as_deref(), a.part_size, a.state), (Some("up-1"), Some(5 << 20), EntryState::Running));

        journal.restart(ids[0], 9, UNIX_EPOCH).unwrap();
        assert!(journal.parts(ids[0]).unwrap().is_empty(), "a restart forgets the parts");
        assert_eq!(journal.get(ids[0]).unwrap().unwrap().upload_id, None);

        journal.remove(ids[0]).unwrap();
        assert!(journal.get(ids[0]).unwrap().is_none());
        assert_eq!(journal.page("Garage", ids[0], ids[1], 0, 10).unwrap(), vec![ids[1]]);
        assert!(journal.page("Other", 0, u64::MAX, 0, 10).unwrap().is_empty());
        assert_eq!(journal.totals("Garage", 0, u64::MAX).unwrap(), (1, 7));
    }

    #[test]
    fn only_entries_of_dead_owners_are_claimed() {
        let dir = tempfile::tempdir().unwrap();
        let first = Journal::open(dir.path()).unwrap();
        let ids = first.add("Garage", [entry("a.pdf")]).unwrap();
        let second = Journal::open(dir.path()).unwrap();
        assert!(second.claim_orphans().unwrap().is_empty(), "the first owner still holds its lock");
        drop(first);
        assert_eq!(second.claim_orphans().unwrap(), ids, "the lock died with its owner");
        let third = Journal::open(dir.path()).unwrap();
        assert!(third.claim_orphans().unwrap().is_empty(), "now owned by a live process again");
    }
}
