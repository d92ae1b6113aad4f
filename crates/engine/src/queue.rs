//! Uploads that survive crashes: what `coffer put`, `coffer resume` and the desktop app run.
//!
//! Every file is recorded in the [`Journal`] before any of its bytes are sent, then uploaded from
//! there, page by page, and removed once the server holds it (or the user cancels it). The one
//! design decision that matters: **a file is identified by its journal entry, not by a path held in
//! memory**, so whatever the process was doing when it died can be picked up by the next one with
//! [`Queue::claim_unfinished`], and a folder of any size costs the same memory.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures::StreamExt;
use md5::{Digest, Md5};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::bucket::Bucket;
use crate::error::{Error, ErrorKind, Result};
use crate::journal::{EntryState, Journal, JournalEntry, NewEntry};
use crate::key::{ObjectKey, Prefix};
use crate::upload::{
    FileJob, Limits, Progress, Run, Snapshot, Tracker, UploadFailure, UploadOptions, Uploaded, folder_name, hex,
    looks_like_md5, unquote,
};

/// Files recorded in one transaction while a folder is walked.
const CHUNK: usize = 1_000;
/// Entries read back from the journal at a time.
const PAGE: usize = 256;

/// Files recorded together by [`Queue::enqueue`]: a range of journal ids.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Batch {
    pub connection: String,
    pub first: u64,
    pub last: u64,
    pub files: u64,
    pub bytes: u64,
    /// Files that cannot be uploaded at all (a name S3 cannot take), reported instead of queued.
    pub refused: Vec<UploadFailure>,
}

/// How one file of a batch ended.
#[derive(Debug)]
pub struct FileOutcome {
    pub id: u64,
    pub path: PathBuf,
    pub key: ObjectKey,
    pub result: Result<Uploaded>,
}

/// The journal plus the limits every upload of this process shares.
pub struct Queue {
    journal: Arc<Journal>,
    options: UploadOptions,
    limits: Limits,
}

impl Queue {
    pub fn new(journal: Arc<Journal>, options: UploadOptions) -> Self {
        Self { limits: Limits::new(&options), journal, options }
    }

    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    pub fn options(&self) -> &UploadOptions {
        &self.options
    }

    /// Records files (and every file under folders) for upload to `dest` through `connection`.
    /// Folders go to `dest/<folder name>/…`. Nothing is sent yet.
    pub async fn enqueue(&self, connection: &str, paths: Vec<PathBuf>, dest: &Prefix) -> Result<Batch> {
        let journal = Arc::clone(&self.journal);
        let connection = connection.to_owned();
        let dest = dest.clone();
        tokio::task::spawn_blocking(move || record(&journal, &connection, &paths, &dest))
            .await
            .expect("recording does not panic")
    }

    /// Records files whose keys were already chosen (the app resolves name conflicts first).
    pub fn enqueue_keys(&self, connection: &str, files: Vec<(PathBuf, ObjectKey)>) -> Result<Vec<u64>> {
        let mut entries = Vec::with_capacity(files.len());
        for (path, key) in files {
            // A file that cannot be read now is still recorded: it fails on its own when its turn
            // comes, with its own message, instead of failing the whole batch here.
            let (size, modified) = std::fs::metadata(&path)
                .and_then(|meta| Ok((meta.len(), meta.modified()?)))
                .unwrap_or((0, std::time::UNIX_EPOCH));
            entries.push(NewEntry { path, key, size, modified });
        }
        self.journal.add(connection, entries)
    }

    /// Takes over the entries of processes that died (crashed, killed, switched off) and returns
    /// the connections they belong to; run each with [`Queue::run`] over `0..=u64::MAX`.
    pub fn claim_unfinished(&self) -> Result<Vec<String>> {
        self.journal.claim_orphans()?;
        self.journal.connections()
    }

    /// Uploads this process's entries for `bucket`'s connection with ids in `first..=last`,
    /// several at a time, and reports each file as it ends. A file that fails stays in the journal
    /// (marked failed) and the others go on; cancelling stops them all.
    #[allow(clippy::too_many_arguments)]
    pub async fn run(
        &self,
        bucket: &Bucket,
        first: u64,
        last: u64,
        progress: &(dyn Fn(Progress) + Sync),
        on_file: &(dyn Fn(FileOutcome) + Sync),
        cancel: &CancellationToken,
    ) -> Result<()> {
        let connection = bucket.connection().name.clone();
        let (files, bytes) = self.journal.totals(&connection, first, last)?;
        let run = Run {
            bucket,
            options: &self.options,
            limits: &self.limits,
            tracker: Tracker::new(bytes, files, progress),
            cancel,
        };
        run.tracker.add(0, 0);
        let run = &run;
        let mut ids =
            Pager { journal: &self.journal, connection: &connection, first, last, after: 0, page: Vec::new() };
        let mut failure = None;
        let mut running = futures::stream::FuturesUnordered::new();
        loop {
            // Keep `files_in_flight` uploads going, reading ids from the journal as needed.
            while running.len() < self.options.files_in_flight.max(1) {
                let id = match ids.next() {
                    Ok(Some(id)) => id,
                    Ok(None) => break,
                    Err(e) => {
                        // The journal failed: finish what runs, then report it.
                        failure = Some(e);
                        break;
                    }
                };
                running.push(async move {
                    let outcome = self.upload_entry(run, id).await;
                    if outcome.result.is_ok() {
                        run.tracker.add(0, 1);
                    }
                    outcome
                });
            }
            match running.next().await {
                Some(outcome) => {
                    let cancelled = matches!(&outcome.result, Err(e) if e.kind() == ErrorKind::Cancelled);
                    on_file(outcome);
                    if cancelled && cancel.is_cancelled() {
                        // Let the others notice the cancel too, then stop.
                        while let Some(outcome) = running.next().await {
                            on_file(outcome);
                        }
                        return Err(Error::cancelled());
                    }
                }
                None => break,
            }
        }
        failure.map_or(Ok(()), Err)
    }

    /// Uploads one journal entry, with its own progress, sharing this queue's limits.
    pub async fn upload_one(
        &self,
        bucket: &Bucket,
        id: u64,
        progress: &(dyn Fn(Progress) + Sync),
        cancel: &CancellationToken,
    ) -> Result<Uploaded> {
        let size = self.journal.get(id)?.map_or(0, |e| e.size);
        let run = Run {
            bucket,
            options: &self.options,
            limits: &self.limits,
            tracker: Tracker::new(size, 1, progress),
            cancel,
        };
        let outcome = self.upload_entry(&run, id).await;
        if outcome.result.is_ok() {
            run.tracker.add(0, 1);
        }
        outcome.result
    }

    async fn upload_entry(&self, run: &Run<'_>, id: u64) -> FileOutcome {
        let entry = match self.journal.get(id) {
            Ok(Some(entry)) => entry,
            Ok(None) => {
                let error = Error::new(ErrorKind::NotFound, "That upload is no longer queued.");
                return FileOutcome {
                    id,
                    path: PathBuf::new(),
                    key: ObjectKey::new("-").expect("valid"),
                    result: Err(error),
                };
            }
            Err(error) => {
                return FileOutcome {
                    id,
                    path: PathBuf::new(),
                    key: ObjectKey::new("-").expect("valid"),
                    result: Err(error),
                };
            }
        };
        let result = self.upload_recorded(run, &entry).await;
        let recorded = match &result {
            Ok(_) => self.journal.remove(id),
            Err(e) if e.kind() == ErrorKind::Cancelled => self.journal.remove(id),
            Err(e) => self.journal.set_state(id, EntryState::Failed, Some(e.message())),
        };
        let result = match recorded {
            Ok(()) => result,
            Err(journal_error) => result.and(Err(journal_error)),
        };
        FileOutcome { id, path: entry.path, key: entry.key, result }
    }

    async fn upload_recorded(&self, run: &Run<'_>, entry: &JournalEntry) -> Result<Uploaded> {
        let snapshot = Snapshot::take(&entry.path).await?;
        let mut entry = entry.clone();
        let restarted = snapshot.size != entry.size || snapshot.modified != entry.modified;
        if restarted {
            // The file is not what was queued: whatever was sent of it is worthless.
            if let (Some(upload_id), Ok(full_key)) = (&entry.upload_id, run.bucket.full_key(&entry.key)) {
                run.bucket.abort_upload(&full_key, upload_id).await;
            }
            self.journal.restart(entry.id, snapshot.size, snapshot.modified)?;
            run.tracker.resize(entry.size, snapshot.size);
            entry =
                self.journal.get(entry.id)?.ok_or_else(|| Error::new(ErrorKind::NotFound, "The upload vanished."))?;
        } else if entry.state == EntryState::Running
            && entry.upload_id.is_none()
            && already_stored(run.bucket, &entry, snapshot).await?
        {
            // A single request had gone through just before the crash: don't send it twice.
            run.tracker.add(snapshot.size, 0);
            return Ok(Uploaded {
                key: entry.key.clone(),
                size: snapshot.size,
                etag: String::new(),
                parts_resumed: 0,
                restarted: false,
            });
        }
        let job = FileJob { path: &entry.path, key: &entry.key, snapshot, journal: Some((&self.journal, &entry)) };
        let uploaded = run.upload(job).await?;
        Ok(Uploaded { restarted, ..uploaded })
    }
}

/// Reads a run's ids from the journal a page at a time.
struct Pager<'a> {
    journal: &'a Journal,
    connection: &'a str,
    first: u64,
    last: u64,
    after: u64,
    /// The current page, reversed so the next id is popped from the end.
    page: Vec<u64>,
}

impl Pager<'_> {
    fn next(&mut self) -> Result<Option<u64>> {
        if self.page.is_empty() {
            self.page = self.journal.page(self.connection, self.first, self.last, self.after, PAGE)?;
            self.page.reverse();
        }
        let next = self.page.pop();
        if let Some(id) = next {
            self.after = id;
        }
        Ok(next)
    }
}

/// Whether the object for a small file was fully stored before the process stopped: same size,
/// same recorded mtime, and an ETag equal to the file's MD5.
async fn already_stored(bucket: &Bucket, entry: &JournalEntry, snapshot: Snapshot) -> Result<bool> {
    let info = match bucket.stat(&entry.key).await {
        Ok(info) => info,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    let same_file = info.size == snapshot.size
        && info.file_modified_ms
            == snapshot.modified.duration_since(std::time::UNIX_EPOCH).ok().map(|d| d.as_millis() as i64);
    if !same_file || !looks_like_md5(&info.etag) {
        return Ok(false);
    }
    let path = entry.path.clone();
    let digest = tokio::task::spawn_blocking(move || std::fs::read(&path).map(|bytes| hex(&Md5::digest(bytes))))
        .await
        .expect("hashing does not panic")
        .map_err(|e| Error::local_io(&entry.path, &e))?;
    Ok(unquote(&info.etag) == digest)
}

/// Walks `paths` and records every file in chunks, so nothing the size of the folder is held.
fn record(journal: &Journal, connection: &str, paths: &[PathBuf], dest: &Prefix) -> Result<Batch> {
    let mut batch = Batch { connection: connection.to_owned(), ..Batch::default() };
    let mut chunk = Vec::with_capacity(CHUNK);
    let flush = |chunk: &mut Vec<NewEntry>, batch: &mut Batch| -> Result<()> {
        if chunk.is_empty() {
            return Ok(());
        }
        let ids = journal.add(connection, chunk.drain(..))?;
        if batch.first == 0 {
            batch.first = ids[0];
        }
        batch.last = *ids.last().expect("not empty");
        Ok(())
    };
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| Error::local_io(path, &e))?;
        if meta.is_dir() {
            let base = dest.child(&folder_name(path)?)?;
            // Unsorted: sorting would hold a whole directory listing in memory, and order does not
            // matter to an upload.
            for entry in walkdir::WalkDir::new(path).follow_links(true) {
                let entry = entry.map_err(|e| walk_error(path, e))?;
                if !entry.file_type().is_file() {
                    continue;
                }
                let file = entry.path();
                let relative = file.strip_prefix(path).expect("walkdir yields paths under its root");
                let key = relative
                    .to_str()
                    .ok_or_else(|| {
                        Error::invalid(format!("'{}' has a name that is not valid Unicode.", file.display()))
                    })
                    .and_then(|r| base.join(&r.replace(std::path::MAIN_SEPARATOR, "/")));
                let meta = entry.metadata().map_err(|e| walk_error(file, e))?;
                match key {
                    Ok(key) => chunk.push(new_entry(file, key, &meta)?),
                    Err(error) => batch.refused.push(UploadFailure { path: file.to_owned(), error }),
                }
                if chunk.len() == CHUNK {
                    flush(&mut chunk, &mut batch)?;
                }
            }
        } else {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .ok_or_else(|| Error::invalid(format!("'{}' has no usable file name.", path.display())))?;
            match dest.join(name) {
                Ok(key) => chunk.push(new_entry(path, key, &meta)?),
                Err(error) => batch.refused.push(UploadFailure { path: path.clone(), error }),
            }
        }
    }
    flush(&mut chunk, &mut batch)?;
    if batch.first != 0 {
        (batch.files, batch.bytes) = journal.totals(connection, batch.first, batch.last)?;
    }
    Ok(batch)
}

fn new_entry(path: &Path, key: ObjectKey, meta: &std::fs::Metadata) -> Result<NewEntry> {
    let modified = meta.modified().map_err(|e| Error::local_io(path, &e))?;
    Ok(NewEntry { path: path.to_owned(), key, size: meta.len(), modified })
}

fn walk_error(root: &Path, e: walkdir::Error) -> Error {
    let path = e.path().unwrap_or(root).to_owned();
    match e.into_io_error() {
        Some(io) => Error::local_io(&path, &io),
        None => Error::new(ErrorKind::Io, format!("'{}' links back into itself.", path.display())),
    }
}
