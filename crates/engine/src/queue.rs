//! The upload queue: the one way a file is uploaded, by the CLI, the app and the tests alike.
//!
//! Files are recorded in the [`Journal`] as a folder is walked ([`Queue::enqueue`]), then run a
//! batch at a time ([`Queue::run`]), several files at once, reading ids back from the journal a page
//! at a time. The one design decision that matters: **nothing about a queued file is held in
//! memory.** The journal id is the transfer id; cancelling, retrying and resuming all act on the
//! journal, and only the files actually in flight have anything in memory (a cancel switch). So a
//! folder of any size costs the same, and whatever the process was doing when it died is picked up
//! by the next one with [`Queue::claim_unfinished`].

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use futures::StreamExt;
use tokio_util::sync::CancellationToken;

use crate::bucket::Bucket;
use crate::checksum::{looks_like_md5, md5_file, unquote};
use crate::error::{Error, ErrorKind, Result};
use crate::journal::{BatchInfo, Journal, JournalEntry, NewEntry};
use crate::key::Prefix;
use crate::seen::SeenKeys;
use crate::upload::{Events, FileJob, FileOutcome, Limits, Run, Snapshot, UploadFailure, UploadOptions, Uploaded};
use crate::walk::{Found, walk};

/// Files recorded in one transaction while a folder is walked.
const CHUNK: usize = 1_000;
/// Entries read back from the journal at a time.
const PAGE: usize = 256;

/// A file or folder to upload, and the name it is stored under in the destination folder.
#[derive(Clone, Debug)]
pub struct Item {
    /// The local file or folder.
    pub path: PathBuf,
    /// The name it is stored under in the destination folder.
    pub name: String,
}

impl Item {
    /// An item stored under its own name.
    pub fn named_as_is(path: PathBuf) -> Result<Self> {
        let name = local_name(&path)?;
        Ok(Self { path, name })
    }
}

/// What [`Queue::enqueue`] recorded, and what it could not.
#[derive(Clone, Debug)]
pub struct Enqueued {
    /// The batch, with its files and bytes.
    pub batch: BatchInfo,
    /// Files that will not be uploaded (unreadable, a link out of the folder, a name S3 cannot
    /// take), each with the reason.
    pub refused: Vec<UploadFailure>,
}

/// The journal plus the limits every upload of this process shares.
pub struct Queue {
    journal: Arc<Journal>,
    options: UploadOptions,
    limits: Limits,
    /// The cancel switch of each file in flight; nothing else is kept per file.
    running: Mutex<HashMap<u64, CancellationToken>>,
}

impl Queue {
    /// A queue over `journal` with these limits, shared by every run of this process.
    pub fn new(journal: Arc<Journal>, options: UploadOptions) -> Self {
        Self { limits: Limits::new(&options), journal, options, running: Mutex::default() }
    }

    /// The journal the queue reads and writes.
    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// Records `items` (folders with every file under them) as one batch for upload to `dest` in
    /// `bucket`: a folder goes to `dest/<its name>/…`. What each destination key holds now is
    /// recorded too, so a resumed or retried file never replaces a document changed since. Files
    /// are recorded as they are walked, a chunk at a time; nothing is sent yet.
    pub async fn enqueue(
        &self,
        bucket: &Bucket,
        dest: &Prefix,
        label: &str,
        is_folder: bool,
        items: Vec<Item>,
    ) -> Result<Enqueued> {
        let (mut folders, mut files) = (Vec::new(), Vec::new());
        for item in &items {
            // A name S3 cannot take is refused when recorded, with the file it belongs to.
            if item.path.is_dir() {
                folders.extend(dest.child(&item.name).ok());
            } else {
                files.extend(dest.join(&item.name).ok());
            }
        }
        let seen = bucket.seen(&folders, &files).await?;
        let journal = Arc::clone(&self.journal);
        let (connection, dest, label) = (bucket.connection().name.clone(), dest.clone(), label.to_owned());
        tokio::task::spawn_blocking(move || record(&journal, &connection, &dest, &label, is_folder, &items, &seen))
            .await
            .expect("recording does not panic")
    }

    /// Takes over the entries of processes that died (crashed, killed, switched off) and returns the
    /// batches this process now has entries in; run each with [`Queue::run`]. Failed entries stay
    /// failed until retried.
    pub fn claim_unfinished(&self) -> Result<Vec<BatchInfo>> {
        self.journal.claim_orphans()
    }

    /// Puts a failed file back in the queue; a running one is refused.
    pub fn retry(&self, id: u64) -> Result<()> {
        self.journal.requeue(id)
    }

    /// Puts every failed file of `batch` back in the queue; returns how many.
    pub fn retry_failed(&self, batch: u64) -> Result<u64> {
        self.journal.requeue_failed(batch)
    }

    /// Cancels file `id`: a running upload is stopped (and its run reports it cancelled); a waiting
    /// or failed one leaves the journal at once and is returned.
    pub fn cancel(&self, id: u64) -> Result<Option<JournalEntry>> {
        // Held while the journal entry goes, so a run cannot take the file in between.
        let running = self.running.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(token) = running.get(&id) {
            token.cancel();
            return Ok(None);
        }
        let entry = self.journal.get(id)?;
        if entry.is_some() {
            self.journal.remove(id)?;
        }
        Ok(entry)
    }

    /// Uploads the queued files of `batch` that belong to this process, several at a time, until
    /// none is left, and reports each through `events`. A file that fails stays in the journal
    /// (marked failed) and the others go on; cancelling stops them all and leaves the files not yet
    /// started queued.
    pub async fn run(
        &self,
        bucket: &Bucket,
        batch: u64,
        events: &dyn Events,
        cancel: &CancellationToken,
    ) -> Result<()> {
        let run = Run { bucket, options: &self.options, limits: &self.limits, events };
        let run = &run;
        let in_flight = self.options.files_in_flight.max(1);
        let mut page = VecDeque::new();
        let mut after = 0;
        let mut failure = None;
        let mut running = futures::stream::FuturesUnordered::new();
        loop {
            while failure.is_none() && running.len() < in_flight && !cancel.is_cancelled() {
                if page.is_empty() {
                    match self.journal.queued(batch, after, PAGE) {
                        Ok(ids) => page.extend(ids),
                        Err(e) => failure = Some(e),
                    }
                }
                let Some(id) = page.pop_front() else { break };
                after = id;
                running.push(self.upload_entry(run, id, cancel));
            }
            match running.next().await {
                Some(Ok(())) => {}
                // The journal failed: finish what runs, then report it.
                Some(Err(e)) => failure = failure.or(Some(e)),
                None => break,
            }
        }
        match failure {
            Some(e) => Err(e),
            None if cancel.is_cancelled() => Err(Error::cancelled()),
            None => Ok(()),
        }
    }

    /// Takes one file from the queue and uploads it. Only a journal failure is an error here; how
    /// the upload went is reported through `events`.
    async fn upload_entry(&self, run: &Run<'_>, id: u64, cancel: &CancellationToken) -> Result<()> {
        let _slot = self.limits.files.acquire().await.expect("never closed");
        let token = cancel.child_token();
        self.lock_running().insert(id, token.clone());
        let claimed = self.journal.claim(id);
        let entry = match claimed {
            Ok(Some(entry)) => entry,
            // Cancelled, or taken by another run, before its turn came.
            other => {
                self.lock_running().remove(&id);
                return other.map(drop);
            }
        };
        run.events.started(&entry);
        let result = self.upload_claimed(run, &entry, &token).await;
        self.lock_running().remove(&id);
        let recorded = match &result {
            Ok(_) => self.journal.remove(id),
            Err(e) if e.kind() == ErrorKind::Cancelled => self.journal.remove(id),
            Err(e) => self.journal.fail(id, e.message()),
        };
        let journal_failed = recorded.as_ref().err().cloned();
        let result = match recorded {
            Ok(()) => result,
            Err(journal_error) => result.and(Err(journal_error)),
        };
        run.events.ended(FileOutcome { id, path: entry.path, key: entry.key, result });
        journal_failed.map_or(Ok(()), Err)
    }

    async fn upload_claimed(
        &self,
        run: &Run<'_>,
        entry: &JournalEntry,
        cancel: &CancellationToken,
    ) -> Result<Uploaded> {
        let snapshot = Snapshot::take(&entry.path).await?;
        let mut entry = entry.clone();
        let restarted = snapshot.size != entry.size || snapshot.modified != entry.modified;
        if restarted {
            // The file is not what was queued: whatever was sent of it is worthless.
            if let (Some(upload_id), Ok(full_key)) = (&entry.upload_id, run.bucket.full_key(&entry.key)) {
                run.bucket.abort_upload(&full_key, upload_id).await;
            }
            self.journal.restart(entry.id, snapshot.size, snapshot.modified)?;
            run.events.resized(entry.id, entry.size, snapshot.size);
            entry =
                self.journal.get(entry.id)?.ok_or_else(|| Error::new(ErrorKind::NotFound, "The upload vanished."))?;
        } else if entry.sent && entry.upload_id.is_none() && already_stored(run.bucket, &entry, snapshot).await? {
            // A single request had gone through just before the crash: don't send it twice.
            run.events.bytes(entry.id, snapshot.size);
            return Ok(Uploaded {
                key: entry.key.clone(),
                size: snapshot.size,
                etag: String::new(),
                parts_resumed: 0,
                restarted: false,
            });
        }
        let uploaded = run.upload(FileJob { journal: &self.journal, entry: &entry, snapshot }, cancel).await?;
        Ok(Uploaded { restarted, ..uploaded })
    }

    fn lock_running(&self) -> std::sync::MutexGuard<'_, HashMap<u64, CancellationToken>> {
        self.running.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
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
    let digest = tokio::task::spawn_blocking(move || md5_file(&path))
        .await
        .expect("hashing does not panic")
        .map_err(|e| Error::local_io(&entry.path, &e))?;
    Ok(unquote(&info.etag) == digest)
}

/// Walks `items` and records every file in chunks, so nothing the size of a folder is held.
fn record(
    journal: &Journal,
    connection: &str,
    dest: &Prefix,
    label: &str,
    is_folder: bool,
    items: &[Item],
    seen: &SeenKeys,
) -> Result<Enqueued> {
    let id = journal.new_batch(connection, label, is_folder)?;
    let mut refused = Vec::new();
    let mut chunk = Vec::with_capacity(CHUNK);
    for item in items {
        let meta = match std::fs::metadata(&item.path) {
            Ok(meta) => meta,
            Err(e) => {
                refused.push(UploadFailure { path: item.path.clone(), error: Error::local_io(&item.path, &e) });
                continue;
            }
        };
        if meta.is_dir() {
            let base = dest.child(&item.name)?;
            walk(&item.path, |found| {
                match found {
                    Found::File { path, relative, size, modified } => match base.join(&relative) {
                        Ok(key) => chunk.push(NewEntry { path, seen: seen.get(&key), key, size, modified }),
                        Err(error) => refused.push(UploadFailure { path, error }),
                    },
                    Found::Skipped { path, error } => refused.push(UploadFailure { path, error }),
                }
                if chunk.len() == CHUNK {
                    journal.add(id, chunk.drain(..))?;
                }
                Ok(())
            })?;
        } else {
            // A file that cannot be read now is still recorded: it fails on its own when its turn
            // comes, with its own message.
            let modified = meta.modified().unwrap_or(std::time::UNIX_EPOCH);
            match dest.join(&item.name) {
                Ok(key) => {
                    chunk.push(NewEntry {
                        path: item.path.clone(),
                        seen: seen.get(&key),
                        key,
                        size: meta.len(),
                        modified,
                    });
                }
                Err(error) => refused.push(UploadFailure { path: item.path.clone(), error }),
            }
        }
    }
    journal.add(id, chunk.drain(..))?;
    let batch = journal.batch(id)?.ok_or_else(|| Error::new(ErrorKind::Io, "The batch vanished from the journal."))?;
    Ok(Enqueued { batch, refused })
}

/// A dropped or picked path's own name (for a folder given as `.` or `dir/..`, its real name).
pub(crate) fn local_name(path: &Path) -> Result<String> {
    let named = match path.file_name() {
        Some(name) => Some(name.to_owned()),
        None => std::fs::canonicalize(path).ok().and_then(|p| p.file_name().map(ToOwned::to_owned)),
    };
    named.and_then(|n| n.to_str().map(str::to_owned)).ok_or_else(|| {
        Error::invalid(format!("'{}' has no usable name; upload what is inside it instead.", path.display()))
    })
}
