//! A local search index of document names: one SQLite file per connection, so a document can be
//! found by any part of its name without listing the bucket again.
//!
//! The one design decision that matters: **the index is a cache.** It holds only what a listing
//! shows (keys, names, sizes, dates, ETags), never contents or secrets, and it can always be
//! rebuilt from a listing, so a damaged file, or one written by another version of Coffer, is
//! deleted and started again, never repaired or migrated. Names are matched through an FTS5
//! `trigram` table, so any run of three or more characters anywhere in a name finds it; shorter
//! words fall back to `LIKE`, which trigrams cannot answer.
//!
//! Every row carries the generation of the build (or update) that last saw it. A build stamps what
//! it lists with a new generation and, once the listing is complete, deletes what it did not see,
//! so searches answer from what is indexed so far while a build runs, and updates made meanwhile
//! (a folder the person opened, an upload) survive the build's sweep.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use md5::{Digest, Md5};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params, params_from_iter};
use serde::{Deserialize, Serialize};

use crate::bucket::Bucket;
use crate::error::{Error, Result};
use crate::journal::blocking;
use crate::key::{MAX_KEY_BYTES, Prefix};
use crate::list::{Depth, Entry};
use crate::lock::now_ms;

/// Bumped whenever the schema changes: a file of another version is simply replaced.
const SCHEMA_VERSION: i64 = 1;

/// `id` is an explicit integer key because the FTS table refers to rows by it, and an implicit
/// rowid may be renumbered by `VACUUM`.
const SCHEMA: &str = "
CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    folder TEXT NOT NULL,
    size INTEGER NOT NULL,
    last_modified_ms INTEGER,
    etag TEXT NOT NULL,
    kind TEXT NOT NULL,
    generation INTEGER NOT NULL
);
CREATE INDEX documents_by_folder ON documents (folder);
CREATE VIRTUAL TABLE names USING fts5 (
    name, content = 'documents', content_rowid = 'id', tokenize = 'trigram remove_diacritics 1'
);
CREATE TRIGGER documents_added AFTER INSERT ON documents BEGIN
    INSERT INTO names (rowid, name) VALUES (new.id, new.name);
END;
CREATE TRIGGER documents_removed AFTER DELETE ON documents BEGIN
    INSERT INTO names (names, rowid, name) VALUES ('delete', old.id, old.name);
END;
CREATE TRIGGER documents_renamed AFTER UPDATE OF name ON documents BEGIN
    INSERT INTO names (names, rowid, name) VALUES ('delete', old.id, old.name);
    INSERT INTO names (rowid, name) VALUES (new.id, new.name);
END;
CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO meta (key, value) VALUES ('generation', 0);
PRAGMA user_version = 1;
";

/// A row that is already as listed is left alone: a folder of 100,000 documents listed again then
/// costs lookups, not 100,000 rewritten rows.
const UPSERT: &str = "
INSERT INTO documents (key, name, folder, size, last_modified_ms, etag, kind, generation)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
ON CONFLICT (key) DO UPDATE SET
    size = excluded.size,
    last_modified_ms = excluded.last_modified_ms,
    etag = excluded.etag,
    generation = max(generation, excluded.generation)
WHERE size IS NOT excluded.size
    OR last_modified_ms IS NOT excluded.last_modified_ms
    OR etag IS NOT excluded.etag
    OR generation < excluded.generation
";

const HIT_COLUMNS: &str = "key, name, folder, size, last_modified_ms, etag, kind";

/// More words than this are refused: each short word is one more condition in the query.
const MAX_WORDS: usize = 32;

/// What kind of document a name is, by its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub enum DocumentKind {
    /// `.pdf`
    Pdf,
    /// Word processing: `.docx`, `.doc`, `.odt`, `.rtf`, `.pages`.
    Word,
    /// `.xlsx`, `.xls`, `.ods`, `.csv`, `.numbers`.
    Spreadsheet,
    /// `.pptx`, `.ppt`, `.odp`, `.key`.
    Presentation,
    /// Photos and pictures.
    Image,
    /// Plain text: `.txt`, `.md`, `.json`, `.xml`, `.log`.
    Text,
    /// `.zip`, `.7z`, `.tar`, `.gz`, `.rar`.
    Archive,
    /// Sound recordings and music.
    Audio,
    /// Films and screen recordings.
    Video,
    /// Anything else, and names without an extension.
    Other,
}

impl DocumentKind {
    /// Every kind, in the order a filter menu shows them.
    pub const ALL: [Self; 10] = [
        Self::Pdf,
        Self::Word,
        Self::Spreadsheet,
        Self::Presentation,
        Self::Image,
        Self::Text,
        Self::Archive,
        Self::Audio,
        Self::Video,
        Self::Other,
    ];

    /// The kind of a document called `name`, from its extension (in any case).
    pub fn of(name: &str) -> Self {
        let Some((_, ext)) = name.rsplit_once('.') else { return Self::Other };
        match ext.to_ascii_lowercase().as_str() {
            "pdf" => Self::Pdf,
            "docx" | "doc" | "docm" | "dotx" | "odt" | "rtf" | "pages" => Self::Word,
            "xlsx" | "xls" | "xlsm" | "ods" | "csv" | "tsv" | "numbers" => Self::Spreadsheet,
            "pptx" | "ppt" | "pptm" | "odp" | "key" => Self::Presentation,
            "png" | "jpg" | "jpeg" | "gif" | "webp" | "svg" | "heic" | "heif" | "tif" | "tiff" | "bmp" | "avif"
            | "ico" => Self::Image,
            "txt" | "md" | "markdown" | "json" | "xml" | "log" | "yaml" | "yml" | "toml" | "ini" | "rst" => Self::Text,
            "zip" | "7z" | "tar" | "gz" | "tgz" | "bz2" | "xz" | "zst" | "rar" => Self::Archive,
            "mp3" | "wav" | "flac" | "aac" | "ogg" | "oga" | "m4a" | "opus" | "wma" | "aiff" => Self::Audio,
            "mp4" | "mov" | "avi" | "mkv" | "webm" | "m4v" | "wmv" | "mpg" | "mpeg" => Self::Video,
            _ => Self::Other,
        }
    }

    /// The stored (and serialized) name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Word => "word",
            Self::Spreadsheet => "spreadsheet",
            Self::Presentation => "presentation",
            Self::Image => "image",
            Self::Text => "text",
            Self::Archive => "archive",
            Self::Audio => "audio",
            Self::Video => "video",
            Self::Other => "other",
        }
    }

    fn parse(stored: &str) -> Self {
        Self::ALL.into_iter().find(|k| k.as_str() == stored).unwrap_or(Self::Other)
    }
}

/// What to look for. Every part given must hold; an empty query lists every document.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct SearchQuery {
    /// Words that must each appear somewhere in the name, in any case; empty for any name.
    pub text: String,
    /// Only documents of this kind.
    pub kind: Option<DocumentKind>,
    /// Only documents stored at or after this time (milliseconds since the epoch).
    pub modified_after_ms: Option<i64>,
    /// Only documents stored before this time (milliseconds since the epoch).
    pub modified_before_ms: Option<i64>,
    /// Only documents of at least this many bytes.
    pub min_size: Option<u64>,
    /// Only documents of at most this many bytes.
    pub max_size: Option<u64>,
    /// Only documents under this folder, at any depth.
    pub folder: Option<String>,
}

/// One document found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct SearchHit {
    /// The full key relative to the connection's prefix.
    pub key: String,
    /// The last segment of the key.
    pub name: String,
    /// The folder holding it: `""` at the top, otherwise ending in `/`.
    pub folder: String,
    /// Its size in bytes when it was indexed.
    pub size: u64,
    /// When it was stored, in milliseconds since the epoch, if the listing said.
    pub last_modified_ms: Option<i64>,
    /// Its ETag when it was indexed (empty where the server's listings carry none).
    pub etag: String,
    /// What kind of document it is.
    pub kind: DocumentKind,
}

/// A page of results.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct SearchPage {
    /// The documents found, best first.
    pub hits: Vec<SearchHit>,
    /// A full build has finished: documents not found are not in the bucket (as of that build).
    pub complete: bool,
    /// Documents in the index.
    pub indexed: u64,
}

/// How much the index knows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct IndexState {
    /// Documents in the index.
    pub documents: u64,
    /// A full build has finished at least once.
    pub complete: bool,
    /// When the last full build finished, in milliseconds since the epoch.
    pub built_at_ms: Option<i64>,
}

/// The search index of one connection.
pub struct SearchIndex {
    db: Mutex<Connection>,
    file: PathBuf,
    /// A digest of each folder's last one-level listing, so a re-listing that changed nothing
    /// (the live view re-lists every few seconds) costs no write.
    listings: Mutex<std::collections::HashMap<String, u64>>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex").field("file", &self.file).finish_non_exhaustive()
    }
}

impl SearchIndex {
    /// Opens (or creates) the index of `connection` in `<data>/index/`. A file that is damaged or
    /// from another version of Coffer is replaced by an empty index.
    pub fn open(data: &Path, connection: &str) -> Result<Self> {
        let dir = data.join("index");
        crate::coffer::private_dir(&dir)?;
        let file = dir.join(file_name(connection));
        let db = blocking(|| open_or_replace(&file))?;
        Ok(Self { db: Mutex::new(db), file, listings: Mutex::default() })
    }

    /// Indexes every document of the connection, a page at a time as the listing arrives, then
    /// forgets documents the listing did not show and marks the index complete. `progress` gets
    /// the number of documents listed so far. Returns how many documents the listing held.
    pub async fn build(&self, bucket: &Bucket, progress: &(dyn Fn(u64) + Sync)) -> Result<u64> {
        let generation = self.write(next_generation)?;
        let mut listed = 0u64;
        let mut failed = None;
        bucket
            .list_pages_in_background(&Prefix::root(), Depth::Recursive, |page| {
                if failed.is_some() {
                    return;
                }
                match self.write(|tx| upsert_all(tx, &page, generation)) {
                    Ok(()) => {
                        listed += page.len() as u64;
                        progress(listed);
                    }
                    Err(e) => failed = Some(e),
                }
            })
            .await?;
        if let Some(e) = failed {
            return Err(e);
        }
        self.write(|tx| finish_build(tx, generation))?;
        Ok(listed)
    }

    /// Brings `folder` up to date from a one-level listing of it (documents and sub-folders):
    /// its documents are updated, those no longer listed are forgotten, and so is everything
    /// under a sub-folder that is no longer listed. Other sub-folders' contents stay as they are.
    ///
    /// The folder's rows are read once and compared here, so only what changed is written: a
    /// statement per listed document cost half a second for a folder of 100,000.
    pub fn replace_folder(&self, folder: &Prefix, entries: &[Entry]) -> Result<()> {
        let folder = folder.as_str();
        let listed_folders: HashSet<&str> = entries.iter().filter(|e| e.is_folder).map(|e| e.key.as_str()).collect();
        self.write(|tx| {
            let generation = current_generation(tx)?;
            let mut indexed = rows_in_folder(tx, folder)?;
            let changed = entries.iter().filter(|e| !e.is_folder && parent(&e.key) == folder).filter(|e| {
                // Removed as it is seen: what is left afterwards was not listed.
                indexed.remove(e.key.as_str()).is_none_or(|row| !row.is_as(e, generation))
            });
            upsert_all(tx, changed, generation)?;
            for key in indexed.keys() {
                tx.prepare_cached("DELETE FROM documents WHERE key = ?1")?.execute([key])?;
            }
            for sub in sub_folders(tx, folder)? {
                if !listed_folders.contains(sub.as_str()) {
                    delete_under(tx, &sub)?;
                }
            }
            Ok(())
        })
    }

    /// [`SearchIndex::replace_folder`], skipped when the listing is the same as the last one seen.
    pub fn note_listing(&self, folder: &Prefix, entries: &[Entry]) -> Result<()> {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        entries.hash(&mut hasher);
        let digest = hasher.finish();
        let mut listings = self.listings.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if listings.get(folder.as_str()) == Some(&digest) {
            return Ok(());
        }
        self.replace_folder(folder, entries)?;
        listings.insert(folder.as_str().to_owned(), digest);
        Ok(())
    }

    /// Adds or updates documents (folder entries are ignored), after an upload or a listing.
    pub fn upsert(&self, entries: &[Entry]) -> Result<()> {
        self.write(|tx| {
            let generation = current_generation(tx)?;
            upsert_all(tx, entries, generation)
        })
    }

    /// Forgets documents; a key ending in `/` forgets everything under that folder.
    pub fn remove(&self, keys: &[String]) -> Result<()> {
        self.write(|tx| {
            for key in keys {
                if key.ends_with('/') {
                    delete_under(tx, key)?;
                } else {
                    tx.prepare_cached("DELETE FROM documents WHERE key = ?1")?.execute([key])?;
                }
            }
            Ok(())
        })
    }

    /// Documents matching `query`, best first: a name equal to the text, then names starting with
    /// it, then the rest, each by name. Any text is safe to pass; it is never read as query syntax.
    pub fn search(&self, query: &SearchQuery, limit: usize, offset: usize) -> Result<SearchPage> {
        let words = words(&query.text);
        if words.len() > MAX_WORDS {
            return Err(Error::search_too_many_words(MAX_WORDS));
        }
        let folder = match query.folder.as_deref() {
            Some(folder) => Prefix::new(folder)?,
            None => Prefix::root(),
        };
        // No name is longer than a key, so a longer word cannot match anything.
        let impossible = words.iter().any(|w| w.len() > MAX_KEY_BYTES);
        let (sql, values) = search_sql(query, &words, &folder, limit, offset);
        self.read(|db| {
            let hits = if impossible {
                Vec::new()
            } else {
                let mut statement = db.prepare_cached(&sql)?;
                let rows = statement.query_map(params_from_iter(values.iter()), hit_from_row)?;
                rows.collect::<rusqlite::Result<Vec<_>>>()?
            };
            let state = state_of(db)?;
            Ok(SearchPage { hits, complete: state.complete, indexed: state.documents })
        })
    }

    /// How many documents the index holds and whether a full build has finished.
    pub fn state(&self) -> Result<IndexState> {
        self.read(state_of)
    }

    fn db(&self) -> MutexGuard<'_, Connection> {
        self.db.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `call` in one write transaction (so a page of a build is all or nothing).
    fn write<T>(&self, mut call: impl FnMut(&Transaction<'_>) -> rusqlite::Result<T>) -> Result<T> {
        self.read(|db| {
            let tx = db.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let out = call(&tx)?;
            tx.commit()?;
            Ok(out)
        })
    }

    /// Runs `call` on the database. If the file turns out to be damaged, it is replaced by an empty
    /// index and `call` runs again there: a search then finds less, but never fails for good.
    fn read<T>(&self, mut call: impl FnMut(&mut Connection) -> rusqlite::Result<T>) -> Result<T> {
        blocking(|| {
            let mut db = self.db();
            match call(&mut db) {
                Err(e) if damaged(&e) => {
                    tracing::warn!("the search index {} was damaged ({e}); starting it again", self.file.display());
                    // The damaged file must be closed before it is deleted.
                    *db = Connection::open_in_memory().map_err(index_error)?;
                    *db = replace(&self.file)?;
                    call(&mut db).map_err(index_error)
                }
                result => result.map_err(index_error),
            }
        })
    }
}

/// A file name for `connection` that is safe on every file system whatever the name holds
/// (slashes, spaces, any script), readable where it can be, and unique through a hash of the
/// whole name.
fn file_name(connection: &str) -> String {
    let readable: String = connection
        .chars()
        .filter(char::is_ascii)
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
        .take(40)
        .collect();
    let digest = Md5::digest(connection.as_bytes());
    let hash: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("{readable}-{hash}.sqlite3")
}

fn open_or_replace(file: &Path) -> Result<Connection> {
    match connect(file) {
        Ok(Some(db)) => Ok(db),
        Ok(None) => replace(file),
        Err(e) if damaged(&e) => {
            tracing::warn!("the search index {} was damaged ({e}); starting it again", file.display());
            replace(file)
        }
        Err(e) => Err(index_error(e)),
    }
}

/// Deletes the index file (and its write-ahead log, which belongs to it) and starts an empty one.
fn replace(file: &Path) -> Result<Connection> {
    for suffix in ["", "-wal", "-shm"] {
        let mut path = file.as_os_str().to_owned();
        path.push(suffix);
        let path = PathBuf::from(path);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(Error::local_io(&path, &e)),
            _ => {}
        }
    }
    connect(file).map_err(index_error)?.ok_or_else(|| index_error_text("a new index file has an unknown version"))
}

/// Opens the file and creates the schema in a new one; `None` for a file of another version.
fn connect(file: &Path) -> rusqlite::Result<Option<Connection>> {
    let mut db = Connection::open(file)?;
    db.busy_timeout(Duration::from_secs(10))?;
    // A cache can lose its last writes in a power cut at no cost: it is refreshed anyway.
    db.pragma_update(None, "journal_mode", "WAL")?;
    db.pragma_update(None, "synchronous", "NORMAL")?;
    let tx = db.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    match version {
        0 => tx.execute_batch(SCHEMA)?,
        SCHEMA_VERSION if schema_intact(&tx) => {}
        _ => return Ok(None),
    }
    tx.commit()?;
    Ok(Some(db))
}

/// Whether a failure comes from the file itself, so replacing it helps. Nothing else counts (not
/// another process holding the file busy, not a full disk): the file would be deleted for nothing.
fn damaged(e: &rusqlite::Error) -> bool {
    use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase};
    matches!(e.sqlite_error_code(), Some(NotADatabase | DatabaseCorrupt))
}

/// Whether the tables are what this version expects (a file can claim the version and lack them).
fn schema_intact(tx: &Transaction<'_>) -> bool {
    [
        "SELECT id, key, name, folder, size, last_modified_ms, etag, kind, generation FROM documents",
        "SELECT rowid FROM names",
        "SELECT key, value FROM meta",
    ]
    .iter()
    .all(|sql| tx.prepare(&format!("{sql} LIMIT 0")).is_ok())
}

fn next_generation(tx: &Transaction<'_>) -> rusqlite::Result<i64> {
    tx.query_row("UPDATE meta SET value = value + 1 WHERE key = 'generation' RETURNING value", [], |row| row.get(0))
}

fn current_generation(tx: &Transaction<'_>) -> rusqlite::Result<i64> {
    tx.query_row("SELECT value FROM meta WHERE key = 'generation'", [], |row| row.get(0))
}

fn finish_build(tx: &Transaction<'_>, generation: i64) -> rusqlite::Result<()> {
    tx.execute("DELETE FROM documents WHERE generation < ?1", [generation])?;
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('built_at_ms', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [now_ms()],
    )?;
    Ok(())
}

fn upsert_all<'a>(
    tx: &Transaction<'_>,
    entries: impl IntoIterator<Item = &'a Entry>,
    generation: i64,
) -> rusqlite::Result<()> {
    let mut insert = tx.prepare_cached(UPSERT)?;
    for entry in entries.into_iter().filter(|e| !e.is_folder) {
        // The name and folder come from the key, so a row's name never changes once stored.
        let name = entry.key.rsplit('/').next().unwrap_or_default();
        insert.execute(params![
            entry.key,
            name,
            parent(&entry.key),
            clamp(entry.size),
            entry.last_modified_ms,
            entry.etag,
            DocumentKind::of(name).as_str(),
            generation,
        ])?;
    }
    Ok(())
}

/// The folder holding `key`: `""` at the top, otherwise ending in `/`.
fn parent(key: &str) -> &str {
    key.rfind('/').map_or("", |i| &key[..=i])
}

/// The smallest text after every key under `folder` (which ends in `/`): keys compare byte by
/// byte, and `0` is the byte after `/`, so `[folder, end)` is exactly what lies under it.
fn folder_end(folder: &str) -> String {
    format!("{}0", folder.strip_suffix('/').unwrap_or(folder))
}

fn delete_under(tx: &Transaction<'_>, folder: &str) -> rusqlite::Result<()> {
    tx.prepare_cached("DELETE FROM documents WHERE key >= ?1 AND key < ?2")?
        .execute(params![folder, folder_end(folder)])?;
    Ok(())
}

/// What the index holds of one document, to compare with a listing.
struct Row {
    size: i64,
    last_modified_ms: Option<i64>,
    etag: String,
    generation: i64,
}

impl Row {
    /// Whether the row already says what `entry` says, as of `generation` ([`UPSERT`]'s test).
    fn is_as(&self, entry: &Entry, generation: i64) -> bool {
        self.size == clamp(entry.size)
            && self.last_modified_ms == entry.last_modified_ms
            && self.etag == entry.etag
            && self.generation >= generation
    }
}

fn rows_in_folder(tx: &Transaction<'_>, folder: &str) -> rusqlite::Result<HashMap<String, Row>> {
    let mut statement =
        tx.prepare_cached("SELECT key, size, last_modified_ms, etag, generation FROM documents WHERE folder = ?1")?;
    statement
        .query_map([folder], |row| {
            let fields =
                Row { size: row.get(1)?, last_modified_ms: row.get(2)?, etag: row.get(3)?, generation: row.get(4)? };
            Ok((row.get(0)?, fields))
        })?
        .collect()
}

/// The indexed sub-folders directly in `folder`, found by jumping from one to the next through
/// the folder index, so a folder with a huge tree below costs one lookup per sub-folder.
fn sub_folders(tx: &Transaction<'_>, folder: &str) -> rusqlite::Result<Vec<String>> {
    let mut next = tx.prepare_cached(
        "SELECT folder FROM documents WHERE folder > ?1 AND (?2 IS NULL OR folder < ?2) ORDER BY folder LIMIT 1",
    )?;
    // The top holds every folder: there is nothing to stop before.
    let end = (!folder.is_empty()).then(|| folder_end(folder));
    let mut after = folder.to_owned();
    let mut found = Vec::new();
    while let Some(deeper) = next.query_row(params![after, end], |row| row.get::<_, String>(0)).optional()? {
        let Some(rest) = deeper.get(folder.len()..) else { break };
        let Some(slash) = rest.find('/') else { break };
        let sub = format!("{folder}{}", &rest[..=slash]);
        // No folder equals `folder_end(sub)` (folders end in `/`), so `>` skips the whole sub-folder.
        after = folder_end(&sub);
        found.push(sub);
    }
    Ok(found)
}

/// The words of a search: control characters separate words like spaces, since no name holds one.
fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| c.is_whitespace() || c.is_control()).filter(|w| !w.is_empty()).collect()
}

/// One FTS5 string per word: quoted, so the text is never read as query syntax (`AND`, `*`, `-`,
/// `(`, column filters), and the words are ANDed by sitting side by side.
fn fts_match(words: &[&str]) -> String {
    words.iter().map(|w| format!("\"{}\"", w.replace('"', "\"\""))).collect::<Vec<_>>().join(" ")
}

fn like_pattern(word: &str) -> String {
    let escaped = word.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// The statement and its values for `query`. Only fixed SQL is composed; everything the person
/// typed goes in as a bound value.
fn search_sql(
    query: &SearchQuery,
    words: &[&str],
    folder: &Prefix,
    limit: usize,
    offset: usize,
) -> (String, Vec<Value>) {
    let mut values: Vec<Value> = Vec::new();
    let mut bind = |value: Value| {
        values.push(value);
        format!("?{}", values.len())
    };
    let mut conditions: Vec<String> = Vec::new();
    // Trigrams find words of three or more characters; shorter ones have no trigram to look up.
    let (long, short): (Vec<&str>, Vec<&str>) = words.iter().partition(|w| w.chars().count() >= 3);
    if !long.is_empty() {
        conditions.push(format!("id IN (SELECT rowid FROM names WHERE names MATCH {})", bind(fts_match(&long).into())));
    }
    for word in short {
        conditions.push(format!("name LIKE {} ESCAPE '\\'", bind(like_pattern(word).into())));
    }
    if let Some(kind) = query.kind {
        conditions.push(format!("kind = {}", bind(kind.as_str().to_owned().into())));
    }
    if let Some(after) = query.modified_after_ms {
        conditions.push(format!("last_modified_ms >= {}", bind(after.into())));
    }
    if let Some(before) = query.modified_before_ms {
        conditions.push(format!("last_modified_ms < {}", bind(before.into())));
    }
    if let Some(min) = query.min_size {
        conditions.push(format!("size >= {}", bind(clamp(min).into())));
    }
    if let Some(max) = query.max_size {
        conditions.push(format!("size <= {}", bind(clamp(max).into())));
    }
    if !folder.is_root() {
        let (from, to) = (bind(folder.as_str().to_owned().into()), bind(folder_end(folder.as_str()).into()));
        conditions.push(format!("key >= {from} AND key < {to}"));
    }
    let mut sql = format!("SELECT {HIT_COLUMNS} FROM documents");
    if !conditions.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&conditions.join(" AND "));
    }
    if words.is_empty() {
        sql.push_str(" ORDER BY name COLLATE NOCASE, key");
    } else {
        // `substr` rather than `LIKE 'text%'`: nothing in the text needs escaping.
        let text = bind(words.join(" ").into());
        sql.push_str(&format!(
            " ORDER BY CASE WHEN name = {text} COLLATE NOCASE THEN 0 \
             WHEN substr(name, 1, length({text})) = {text} COLLATE NOCASE THEN 1 ELSE 2 END, \
             name COLLATE NOCASE, key"
        ));
    }
    let (limit, offset) = (bind(clamp(limit as u64).into()), bind(clamp(offset as u64).into()));
    sql.push_str(&format!(" LIMIT {limit} OFFSET {offset}"));
    (sql, values)
}

fn clamp(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn hit_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<SearchHit> {
    Ok(SearchHit {
        key: row.get(0)?,
        name: row.get(1)?,
        folder: row.get(2)?,
        size: u64::try_from(row.get::<_, i64>(3)?).unwrap_or(0),
        last_modified_ms: row.get(4)?,
        etag: row.get(5)?,
        kind: DocumentKind::parse(&row.get::<_, String>(6)?),
    })
}

fn state_of(db: &mut Connection) -> rusqlite::Result<IndexState> {
    let documents: i64 = db.query_row("SELECT COUNT(*) FROM documents", [], |row| row.get(0))?;
    let built_at_ms: Option<i64> =
        db.query_row("SELECT value FROM meta WHERE key = 'built_at_ms'", [], |row| row.get(0)).optional()?;
    Ok(IndexState { documents: u64::try_from(documents).unwrap_or(0), complete: built_at_ms.is_some(), built_at_ms })
}

fn index_error_text(detail: &str) -> Error {
    Error::index_unusable(detail)
}

fn index_error(e: rusqlite::Error) -> Error {
    index_error_text(&e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn doc(key: &str, size: u64, modified_ms: i64) -> Entry {
        Entry {
            key: key.to_owned(),
            name: key.rsplit('/').next().unwrap().to_owned(),
            is_folder: false,
            size,
            last_modified_ms: Some(modified_ms),
            etag: format!("\"{size}\""),
        }
    }

    fn folder(key: &str) -> Entry {
        Entry {
            key: key.to_owned(),
            name: key.trim_end_matches('/').rsplit('/').next().unwrap().to_owned(),
            is_folder: true,
            size: 0,
            last_modified_ms: None,
            etag: String::new(),
        }
    }

    fn text(text: &str) -> SearchQuery {
        SearchQuery { text: text.to_owned(), ..SearchQuery::default() }
    }

    fn keys(index: &SearchIndex, query: &SearchQuery) -> Vec<String> {
        let page = index.search(query, 100, 0).unwrap_or_else(|e| panic!("searching {query:?}: {e}"));
        page.hits.into_iter().map(|h| h.key).collect()
    }

    /// An index in a fresh folder holding a small tree of documents.
    fn sample() -> (tempfile::TempDir, SearchIndex) {
        let dir = tempfile::tempdir().unwrap();
        let index = SearchIndex::open(dir.path(), "Office / S3 — Über").unwrap();
        index
            .upsert(&[
                doc("Annual Report 2025.pdf", 2_000_000, 1_000),
                doc("reports/2026/report.pdf", 300, 2_000),
                doc("reports/2026/Budget Q1.xlsx", 40_000, 3_000),
                doc("reports/notes.txt", 10, 4_000),
                doc("reports/summary report draft.docx", 5_000, 5_000),
                doc("photos/Über uns/Beach Über.JPG", 3_000_000, 6_000),
                doc("photos/a.png", 100, 7_000),
                doc("music/😀 song.mp3", 4_000_000, 8_000),
            ])
            .unwrap();
        (dir, index)
    }

    #[test]
    fn any_part_of_a_name_finds_it_in_any_case() {
        let (_dir, index) = sample();
        assert_eq!(
            keys(&index, &text("port")),
            vec!["Annual Report 2025.pdf", "reports/2026/report.pdf", "reports/summary report draft.docx",]
        );
        assert_eq!(keys(&index, &text("BUDGET")), vec!["reports/2026/Budget Q1.xlsx"]);
        assert_eq!(keys(&index, &text("beach über.jpg")), vec!["photos/Über uns/Beach Über.JPG"]);
        assert!(keys(&index, &text("notes")).contains(&"reports/notes.txt".to_owned()));
        assert!(keys(&index, &text("2026")).is_empty(), "folders are not part of the name");
        assert!(keys(&index, &text("nothing like it")).is_empty());
    }

    #[test]
    fn every_word_must_appear() {
        let (_dir, index) = sample();
        assert_eq!(keys(&index, &text("report draft")), vec!["reports/summary report draft.docx"]);
        assert_eq!(keys(&index, &text("  draft   summary ")), vec!["reports/summary report draft.docx"]);
        assert!(keys(&index, &text("report budget")).is_empty());
        assert_eq!(
            keys(&index, &text("q1 budget")),
            vec!["reports/2026/Budget Q1.xlsx"],
            "a short word and a long one"
        );
    }

    #[test]
    fn one_and_two_characters_still_match() {
        let (_dir, index) = sample();
        assert_eq!(keys(&index, &text("q1")), vec!["reports/2026/Budget Q1.xlsx"]);
        assert_eq!(keys(&index, &text("😀")), vec!["music/😀 song.mp3"]);
        let x = keys(&index, &text("x"));
        assert_eq!(x, vec!["reports/2026/Budget Q1.xlsx", "reports/notes.txt", "reports/summary report draft.docx"]);
        assert!(keys(&index, &text("%")).is_empty(), "LIKE wildcards are literal");
        assert!(keys(&index, &text("_")).is_empty());
    }

    #[test]
    fn exact_names_come_first_then_names_starting_with_the_text() {
        let dir = tempfile::tempdir().unwrap();
        let index = SearchIndex::open(dir.path(), "c").unwrap();
        index
            .upsert(&[
                doc("a/old plan.txt", 1, 1),
                doc("b/plan.txt", 1, 1),
                doc("c/Plan.txt", 1, 1),
                doc("d/plans.txt", 1, 1),
                doc("e/a plan.txt", 1, 1),
            ])
            .unwrap();
        let found = keys(&index, &text("plan.txt"));
        assert_eq!(found.len(), 4);
        assert_eq!(&found[..2], ["b/plan.txt", "c/Plan.txt"].map(String::from), "exact, in any case");
        assert_eq!(&found[2..], ["e/a plan.txt", "a/old plan.txt"].map(String::from), "then by name");
        assert_eq!(
            keys(&index, &text("plan")),
            vec!["b/plan.txt", "c/Plan.txt", "d/plans.txt", "e/a plan.txt", "a/old plan.txt"]
        );
        let page = index.search(&text("plan"), 2, 2).unwrap();
        assert_eq!(page.hits.iter().map(|h| h.key.as_str()).collect::<Vec<_>>(), vec!["d/plans.txt", "e/a plan.txt"]);
        assert_eq!(page.indexed, 5);
    }

    #[test]
    fn filters_narrow_the_results() {
        let (_dir, index) = sample();
        let query = |q: SearchQuery| keys(&index, &q);
        assert_eq!(
            query(SearchQuery { kind: Some(DocumentKind::Image), ..SearchQuery::default() }),
            vec!["photos/a.png", "photos/Über uns/Beach Über.JPG"],
            "empty text lists what the filters let through, by name"
        );
        assert_eq!(
            query(SearchQuery { text: "report".into(), kind: Some(DocumentKind::Pdf), ..SearchQuery::default() }),
            vec!["reports/2026/report.pdf", "Annual Report 2025.pdf"]
        );
        assert_eq!(
            query(SearchQuery { min_size: Some(3_000_000), ..SearchQuery::default() }),
            vec!["photos/Über uns/Beach Über.JPG", "music/😀 song.mp3"]
        );
        assert_eq!(
            query(SearchQuery { min_size: Some(100), max_size: Some(300), ..SearchQuery::default() }),
            vec!["photos/a.png", "reports/2026/report.pdf"]
        );
        assert_eq!(
            query(SearchQuery {
                modified_after_ms: Some(3_000),
                modified_before_ms: Some(5_000),
                ..SearchQuery::default()
            }),
            vec!["reports/2026/Budget Q1.xlsx", "reports/notes.txt"]
        );
        let under = |f: &str| query(SearchQuery { folder: Some(f.into()), ..SearchQuery::default() });
        assert_eq!(under("reports/2026"), vec!["reports/2026/Budget Q1.xlsx", "reports/2026/report.pdf"]);
        assert_eq!(under("reports/").len(), 4, "at any depth");
        assert_eq!(under("").len(), 8, "the top is everything");
        assert!(under("report").is_empty(), "a folder is matched whole, not as a prefix of names");
        let hit = index.search(&text("beach"), 1, 0).unwrap().hits.remove(0);
        assert_eq!(
            hit,
            SearchHit {
                key: "photos/Über uns/Beach Über.JPG".into(),
                name: "Beach Über.JPG".into(),
                folder: "photos/Über uns/".into(),
                size: 3_000_000,
                last_modified_ms: Some(6_000),
                etag: "\"3000000\"".into(),
                kind: DocumentKind::Image,
            }
        );
    }

    #[test]
    fn a_folder_listing_replaces_what_the_index_held_for_it() {
        let (_dir, index) = sample();
        // `reports/` now holds notes.txt (changed) and a new file; the summary and 2026/ are gone.
        index
            .replace_folder(
                &Prefix::new("reports").unwrap(),
                &[folder("reports/2027/"), doc("reports/notes.txt", 99, 9_000), doc("reports/new.txt", 1, 9_000)],
            )
            .unwrap();
        let under = |f: &str| keys(&index, &SearchQuery { folder: Some(f.into()), ..SearchQuery::default() });
        assert_eq!(under("reports"), vec!["reports/new.txt", "reports/notes.txt"]);
        assert_eq!(index.search(&text("notes"), 1, 0).unwrap().hits[0].size, 99, "updated");
        // `photos/` still lists `Über uns/`: its contents stay, though this listing does not show them.
        index.replace_folder(&Prefix::new("photos").unwrap(), &[folder("photos/Über uns/")]).unwrap();
        assert_eq!(under("photos"), vec!["photos/Über uns/Beach Über.JPG"]);
        // The top: `music/` is gone, the top-level document too, `photos/` and `reports/` stay.
        index.replace_folder(&Prefix::root(), &[folder("photos/"), folder("reports/")]).unwrap();
        assert_eq!(under(""), vec!["photos/Über uns/Beach Über.JPG", "reports/new.txt", "reports/notes.txt"]);
    }

    #[test]
    fn a_document_changed_in_any_one_field_is_updated_and_an_unchanged_one_kept() {
        let (_dir, index) = sample();
        let found = |name: &str| index.search(&text(name), 1, 0).unwrap().hits.remove(0);
        let before = found("notes");
        let mut same = doc(&before.key, before.size, before.last_modified_ms.unwrap());
        same.etag.clone_from(&before.etag);
        index.upsert(std::slice::from_ref(&same)).unwrap();
        assert_eq!(found("notes"), before);

        let mut tagged = same.clone();
        tagged.etag = "\"other\"".to_owned();
        index.upsert(std::slice::from_ref(&tagged)).unwrap();
        assert_eq!(found("notes").etag, "\"other\"", "a new ETag alone");
        let mut touched = tagged.clone();
        touched.last_modified_ms = Some(before.last_modified_ms.unwrap() + 1);
        index.upsert(std::slice::from_ref(&touched)).unwrap();
        assert_eq!(found("notes").last_modified_ms, touched.last_modified_ms, "a new date alone");
        let mut undated = touched.clone();
        undated.last_modified_ms = None;
        index.upsert(std::slice::from_ref(&undated)).unwrap();
        assert_eq!(found("notes").last_modified_ms, None, "a date gone");
    }

    #[test]
    fn a_folder_listing_writes_each_changed_field_and_what_a_running_build_has_not_seen() {
        let (_dir, index) = sample();
        let reports = Prefix::new("reports").unwrap();
        let mut notes = doc("reports/notes.txt", 10, 4_000);
        let summary = doc("reports/summary report draft.docx", 5_000, 5_000);
        let listing = |notes: &Entry| [folder("reports/2026/"), notes.clone(), summary.clone()];
        let changes: [fn(&mut Entry); 4] = [
            |e| e.size += 1,
            |e| e.etag = "\"other\"".to_owned(),
            |e| e.last_modified_ms = Some(1),
            |e| e.last_modified_ms = None,
        ];
        for change in changes {
            change(&mut notes);
            index.replace_folder(&reports, &listing(&notes)).unwrap();
            let hit = index.search(&text("notes"), 1, 0).unwrap().hits.remove(0);
            assert_eq!((hit.size, &hit.etag, hit.last_modified_ms), (notes.size, &notes.etag, notes.last_modified_ms));
        }

        // A build starts; the folder is listed, unchanged, before the build gets to it. The build's
        // sweep (it saw nothing else) keeps what that listing saw.
        let generation = index.write(next_generation).unwrap();
        index.replace_folder(&reports, &listing(&notes)).unwrap();
        index.write(|tx| finish_build(tx, generation)).unwrap();
        assert_eq!(
            keys(&index, &SearchQuery::default()),
            vec!["reports/notes.txt", "reports/summary report draft.docx"]
        );
    }

    #[test]
    fn sub_folders_are_told_apart_from_similar_names() {
        let dir = tempfile::tempdir().unwrap();
        let index = SearchIndex::open(dir.path(), "c").unwrap();
        index
            .upsert(&[doc("a/b/x.txt", 1, 1), doc("a/b0/y.txt", 1, 1), doc("a/b-c/z.txt", 1, 1), doc("a.txt", 1, 1)])
            .unwrap();
        index.replace_folder(&Prefix::new("a").unwrap(), &[folder("a/b0/"), folder("a/b-c/")]).unwrap();
        assert_eq!(keys(&index, &SearchQuery::default()), vec!["a.txt", "a/b0/y.txt", "a/b-c/z.txt"]);
        index.remove(&["a/b-c/".to_owned()]).unwrap();
        assert_eq!(keys(&index, &SearchQuery::default()), vec!["a.txt", "a/b0/y.txt"]);
    }

    #[test]
    fn removing_a_folder_key_removes_everything_under_it() {
        let (_dir, index) = sample();
        index.remove(&["reports/".to_owned(), "photos/a.png".to_owned(), "never/there.txt".to_owned()]).unwrap();
        assert_eq!(
            keys(&index, &SearchQuery::default()),
            vec!["Annual Report 2025.pdf", "photos/Über uns/Beach Über.JPG", "music/😀 song.mp3"]
        );
        assert!(keys(&index, &text("report.pdf")).is_empty(), "and from the name index too");
        assert_eq!(index.state().unwrap().documents, 3);
    }

    #[test]
    fn no_text_is_read_as_query_syntax() {
        let (_dir, index) = sample();
        for hostile in [
            "\"",
            "\"\"\"",
            "*",
            "***",
            "AND",
            "OR",
            "NOT",
            "report AND",
            "(",
            "((",
            "(report",
            "-x",
            "-report",
            "name:x",
            "^re",
            "NEAR(a b)",
            "Über",
            "über",
            "😀",
            "😀😀😀",
            "'; DROP TABLE documents; --",
            "\\",
            "%_%",
            "a\u{0}b",
            "re\"port",
            "{name}: x",
            "+",
            ".",
            "..",
            "   ",
        ] {
            if let Err(e) = index.search(&text(hostile), 10, 0) {
                panic!("{hostile:?} failed: {e}");
            }
        }
        assert_eq!(keys(&index, &text("über")), vec!["photos/Über uns/Beach Über.JPG"], "case folds beyond ASCII");
        assert_eq!(keys(&index, &text("uber")), vec!["photos/Über uns/Beach Über.JPG"], "and accents are ignored");
        assert_eq!(keys(&index, &text("😀 s")), vec!["music/😀 song.mp3"]);
        assert_eq!(keys(&index, &text("2025.pdf\"")), Vec::<String>::new());
        assert_eq!(index.state().unwrap().documents, 8, "nothing was dropped");
        let many = vec!["x"; MAX_WORDS + 1].join(" ");
        assert_eq!(index.search(&text(&many), 10, 0).unwrap_err().kind(), ErrorKind::InvalidInput);
        assert!(keys(&index, &text(&"a".repeat(MAX_KEY_BYTES + 1))).is_empty());
    }

    #[test]
    fn kinds_come_from_extensions() {
        for (name, kind) in [
            ("a.PDF", DocumentKind::Pdf),
            ("letter.docx", DocumentKind::Word),
            ("old.doc", DocumentKind::Word),
            ("t.csv", DocumentKind::Spreadsheet),
            ("deck.pptx", DocumentKind::Presentation),
            ("IMG_1.HEIC", DocumentKind::Image),
            ("read me.md", DocumentKind::Text),
            ("backup.tar.gz", DocumentKind::Archive),
            ("voice.m4a", DocumentKind::Audio),
            ("clip.mov", DocumentKind::Video),
            ("Makefile", DocumentKind::Other),
            ("x.unknown", DocumentKind::Other),
        ] {
            assert_eq!(DocumentKind::of(name), kind, "{name}");
        }
        for kind in DocumentKind::ALL {
            assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{}\"", kind.as_str()));
            assert_eq!(DocumentKind::parse(kind.as_str()), kind);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_query_arrives_as_the_window_sends_it() {
        let query: SearchQuery =
            serde_json::from_str(r#"{"text":"plan","kind":"spreadsheet","modifiedAfterMs":null,"modifiedBeforeMs":5,"minSize":null,"maxSize":9,"folder":"a/"}"#)
                .unwrap();
        assert_eq!(query.kind, Some(DocumentKind::Spreadsheet));
        assert_eq!((query.modified_before_ms, query.max_size, query.folder.as_deref()), (Some(5), Some(9), Some("a/")));
        let dir = tempfile::tempdir().unwrap();
        let index = std::sync::Arc::new(SearchIndex::open(dir.path(), "c").unwrap());
        let page = tokio::spawn({
            let index = index.clone();
            async move { index.search(&query, 10, 0) }
        });
        assert!(page.await.unwrap().unwrap().hits.is_empty(), "usable from async code behind an Arc");
    }

    #[test]
    fn state_says_whether_a_build_finished() {
        let (_dir, index) = sample();
        assert_eq!(index.state().unwrap(), IndexState { documents: 8, complete: false, built_at_ms: None });
        let generation = index.write(next_generation).unwrap();
        index.write(|tx| upsert_all(tx, &[doc("reports/notes.txt", 10, 4_000)], generation)).unwrap();
        index.upsert(&[doc("uploaded meanwhile.txt", 1, 1)]).unwrap();
        index.write(|tx| finish_build(tx, generation)).unwrap();
        let state = index.state().unwrap();
        assert!(state.complete && state.built_at_ms.is_some());
        assert_eq!(
            keys(&index, &SearchQuery::default()),
            vec!["reports/notes.txt", "uploaded meanwhile.txt"],
            "a build forgets what it did not see, but not what was added while it ran"
        );
        assert!(index.search(&text("x"), 1, 0).unwrap().complete);
    }

    #[test]
    fn connection_names_make_safe_distinct_file_names() {
        let names = ["Office / S3", "Office _ S3", "../../etc", "Über 😀", "", &"x".repeat(300)];
        let files: HashSet<String> = names.iter().map(|n| file_name(n)).collect();
        assert_eq!(files.len(), names.len());
        for file in &files {
            assert!(file.len() < 80 && file.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)), "{file}");
        }
    }

    #[test]
    fn a_damaged_index_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let index = SearchIndex::open(dir.path(), "c").unwrap();
        index.upsert(&[doc("a.txt", 1, 1)]).unwrap();
        let file = index.file.clone();
        drop(index);
        std::fs::write(&file, vec![0x5a; 64 * 1024]).unwrap();
        let index = SearchIndex::open(dir.path(), "c").unwrap();
        assert_eq!(index.state().unwrap(), IndexState { documents: 0, complete: false, built_at_ms: None });
        index.upsert(&[doc("b.txt", 1, 1)]).unwrap();
        assert_eq!(keys(&index, &text("b.t")), vec!["b.txt"]);
        drop(index);

        // A file of the right version whose tables are missing is no better.
        let db = Connection::open(&file).unwrap();
        db.execute_batch("DROP TABLE names; PRAGMA user_version = 1;").unwrap();
        drop(db);
        let index = SearchIndex::open(dir.path(), "c").unwrap();
        assert_eq!(index.state().unwrap().documents, 0);
        assert!(keys(&index, &text("b.t")).is_empty());
    }

    /// Not a test: `cargo test -p coffer-engine --release --lib search_100k_measure -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn search_100k_measure() {
        let dir = tempfile::tempdir().unwrap();
        let index = SearchIndex::open(dir.path(), "measure").unwrap();
        let words = ["invoice", "report", "contract", "scan", "budget", "minutes", "photo", "draft", "final", "memo"];
        let exts = ["pdf", "docx", "xlsx", "jpg", "txt"];
        let entries: Vec<Entry> = (0..100_000u64)
            .map(|i| {
                let key = format!(
                    "dept-{}/{}/{} {} {i:06}.{}",
                    i % 17,
                    2000 + i % 25,
                    words[(i % 10) as usize],
                    words[(i / 10 % 10) as usize],
                    exts[(i % 5) as usize]
                );
                doc(&key, i * 37, i as i64)
            })
            .collect();
        let started = std::time::Instant::now();
        for chunk in entries.chunks(1000) {
            index.upsert(chunk).unwrap();
        }
        println!("indexed 100,000 entries in {:?}", started.elapsed());
        let mut times = Vec::new();
        let mut found = 0;
        for _ in 0..20 {
            let started = std::time::Instant::now();
            found = index.search(&text("port"), 50, 0).unwrap().hits.len();
            times.push(started.elapsed());
        }
        times.sort();
        println!("median of 20 searches for 'port' (limit 50, {found} hits): {:?}", times[10]);
        let mut times = Vec::new();
        for _ in 0..20 {
            let started = std::time::Instant::now();
            index.search(&text("0421"), 50, 0).unwrap();
            times.push(started.elapsed());
        }
        times.sort();
        println!("median of 20 searches for '0421' (limit 50): {:?}", times[10]);
    }
}
