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
use std::time::{SystemTime, UNIX_EPOCH};

use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::bucket::Bucket;
use crate::checksum::{looks_like_md5, md5_file, unquote};
use crate::error::{Error, ErrorKind, Result};
use crate::journal::{BatchInfo, Journal, JournalEntry, NewEntry};
use crate::key::{ObjectKey, Prefix};
use crate::seen::{Seen, SeenKeys};
use crate::upload::{Events, FileJob, FileOutcome, Limits, Run, Snapshot, UploadFailure, UploadOptions, Uploaded};
use crate::walk::{Found, walk};

/// Files recorded in one transaction while a folder is walked.
const CHUNK: usize = 1_000;
/// Entries read back from the journal at a time.
const PAGE: usize = 256;
/// Stored documents are told to the search index this many at a time (one transaction each).
const INDEX_BATCH: usize = 256;

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

/// What to do with a file whose name is already taken in the bucket when it is queued.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
pub enum OnConflict {
    /// Refuse that file with a message; the others go on. Nothing is replaced unasked.
    #[default]
    Refuse,
    /// Replace the document, but only the version seen now: a later change by someone else wins.
    Replace,
    /// Store it beside the document as "name (1).ext".
    KeepBoth,
    /// Leave the document alone and skip the file.
    Skip,
}

/// What [`Queue::enqueue`] recorded, and what it could not.
#[derive(Clone, Debug)]
pub struct Enqueued {
    /// The batch, with its files and bytes.
    pub batch: BatchInfo,
    /// Files that will not be uploaded (unreadable, a link out of the folder, a name S3 cannot
    /// take, a taken name under [`OnConflict::Refuse`]), each with the reason.
    pub refused: Vec<UploadFailure>,
    /// Files left out because their name was taken, under [`OnConflict::Skip`].
    pub skipped: u64,
    /// Files stored under another name than their own (two of one name in the batch, or
    /// [`OnConflict::KeepBoth`]): the file and the key it goes to.
    pub renamed: Vec<(PathBuf, ObjectKey)>,
}

/// The journal plus the limits every upload of this process shares.
pub struct Queue {
    journal: Arc<Journal>,
    options: UploadOptions,
    limits: Limits,
    /// The cancel switch of each file in flight; nothing else is kept per file.
    running: Mutex<HashMap<u64, CancellationToken>>,
    /// Recorded with every document as its uploader; a run takes the name current when it starts.
    uploaded_by: std::sync::RwLock<String>,
}

impl Queue {
    /// A queue over `journal` with these limits, shared by every run of this process.
    pub fn new(journal: Arc<Journal>, options: UploadOptions) -> Self {
        Self {
            limits: Limits::new(&options),
            journal,
            options,
            running: Mutex::default(),
            uploaded_by: std::sync::RwLock::new(crate::uploader::default_name()),
        }
    }

    /// Who later runs record as the uploader (the person's display name).
    pub fn set_uploaded_by(&self, name: &str) {
        *self.uploaded_by.write().unwrap_or_else(std::sync::PoisonError::into_inner) = name.to_owned();
    }

    /// The journal the queue reads and writes.
    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// Records `items` (folders with every file under them) as one batch for upload to `dest` in
    /// `bucket`: a folder goes to `dest/<its name>/…`. What each destination key holds now is
    /// recorded too, and every write insists on it, so nothing changed since is overwritten; a name
    /// taken now is handled as `on_conflict` says. Two items of one name never overwrite each
    /// other: the later ones are numbered. Files are recorded as they are walked, a chunk at a
    /// time; nothing is sent yet.
    pub async fn enqueue(
        &self,
        bucket: &Bucket,
        dest: &Prefix,
        label: &str,
        is_folder: bool,
        mut items: Vec<Item>,
        on_conflict: OnConflict,
    ) -> Result<Enqueued> {
        let mut renamed = Vec::new();
        let mut names = std::collections::HashSet::new();
        for item in &mut items {
            let folder = item.path.is_dir();
            let mut n = 0;
            while !names.insert(if n == 0 { item.name.clone() } else { numbered(&item.name, n, folder) }) {
                n += 1;
            }
            if n > 0 {
                item.name = numbered(&item.name, n, folder);
                renamed.extend(dest.join(&item.name).ok().map(|key| (item.path.clone(), key)));
            }
        }
        let (mut folders, mut files) = (Vec::new(), Vec::new());
        for item in &items {
            // A name S3 cannot take is refused when recorded, with the file it belongs to.
            if item.path.is_dir() {
                folders.extend(dest.child(&item.name).ok());
            } else {
                files.extend(dest.join(&item.name).ok());
            }
        }
        // Numbering needs every name of the folder, not just the files' own.
        let seen = bucket.seen(&folders, &files, on_conflict == OnConflict::KeepBoth).await?;
        let journal = Arc::clone(&self.journal);
        let (connection, dest, label) = (bucket.connection().name.clone(), dest.clone(), label.to_owned());
        let mut enqueued = tokio::task::spawn_blocking(move || {
            record(&journal, &connection, &dest, &label, is_folder, &items, &Placing::new(&seen, on_conflict))
        })
        .await
        .expect("recording does not panic")?;
        renamed.append(&mut enqueued.renamed);
        enqueued.renamed = renamed;
        Ok(enqueued)
    }

    /// Records one file as a batch that replaces `key`, but only in the state `seen` (a document
    /// edited in place, as it was opened or last saved): a change by anyone else since is refused
    /// with [`ErrorKind::AlreadyExists`] when the batch runs.
    pub async fn enqueue_save(&self, bucket: &Bucket, path: &Path, key: &ObjectKey, seen: Seen) -> Result<Enqueued> {
        let journal = Arc::clone(&self.journal);
        let connection = bucket.connection().name.clone();
        let item = Item { path: path.to_owned(), name: key.name().to_owned() };
        let key = key.clone();
        tokio::task::spawn_blocking(move || {
            let seen = SeenKeys::one(&key, seen);
            record(
                &journal,
                &connection,
                &key.folder(),
                key.name(),
                false,
                &[item],
                &Placing::new(&seen, OnConflict::Replace),
            )
        })
        .await
        .expect("recording does not panic")
    }

    /// Who runs record as the uploader now.
    pub fn uploaded_by(&self) -> String {
        self.uploaded_by.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
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
        let uploaded_by = self.uploaded_by.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        let run = Run {
            bucket,
            uploaded_by: &uploaded_by,
            options: &self.options,
            limits: &self.limits,
            events,
            stored: std::sync::Mutex::default(),
        };
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
        run.tell_index(0);
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
        if let Ok(uploaded) = &result {
            run.stored.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(crate::list::Entry::stored(
                &uploaded.key,
                uploaded.size,
                &uploaded.etag,
            ));
            run.tell_index(INDEX_BATCH);
        }
        let recorded = match &result {
            Ok(_) => self.journal.remove(id),
            Err(e) if e.kind() == ErrorKind::Cancelled => self.journal.remove(id),
            Err(e) => self.journal.fail(id, e),
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
            entry = self.journal.get(entry.id)?.ok_or_else(Error::upload_gone)?;
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

/// Where a file goes, given what its key holds and the batch's policy.
enum Placed {
    Record(ObjectKey, Seen),
    Skip,
    Refuse(Error),
    Renamed(ObjectKey),
}

struct Placing<'a> {
    seen: &'a SeenKeys,
    on_conflict: OnConflict,
    /// Keys given to renamed files, so two renamed files never get the same number.
    given: Mutex<std::collections::HashSet<String>>,
}

impl<'a> Placing<'a> {
    fn new(seen: &'a SeenKeys, on_conflict: OnConflict) -> Self {
        Self { seen, on_conflict, given: Mutex::default() }
    }

    fn place(&self, key: ObjectKey) -> Placed {
        let seen = self.seen.get(&key);
        // A key given to a renamed file of this batch is as taken as one in the bucket.
        let given = self.given.lock().unwrap_or_else(std::sync::PoisonError::into_inner).contains(key.as_str());
        if seen == Seen::Absent && !given {
            return Placed::Record(key, seen);
        }
        match self.on_conflict {
            OnConflict::Replace => Placed::Record(key, seen),
            OnConflict::Skip => Placed::Skip,
            OnConflict::Refuse => Placed::Refuse(Error::not_replaced(key)),
            OnConflict::KeepBoth => {
                let mut given = self.given.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                let folder = key.folder();
                // "a (1).txt" taken goes on as "a (2).txt", not "a (1) (1).txt".
                let name = unnumbered(key.name());
                for n in 1..10_000 {
                    let Ok(candidate) = folder.join(&numbered(&name, n, false)) else { break };
                    if self.seen.get(&candidate) == Seen::Absent && given.insert(candidate.as_str().to_owned()) {
                        return Placed::Renamed(candidate);
                    }
                }
                Placed::Refuse(Error::no_free_name_here(key))
            }
        }
    }
}

/// Walks `items` and records every file in chunks, so nothing the size of a folder is held.
fn record(
    journal: &Journal,
    connection: &str,
    dest: &Prefix,
    label: &str,
    is_folder: bool,
    items: &[Item],
    placing: &Placing<'_>,
) -> Result<Enqueued> {
    let id = journal.new_batch(connection, label, is_folder)?;
    let mut refused = Vec::new();
    let mut renamed = Vec::new();
    let mut skipped = 0;
    let mut chunk = Vec::with_capacity(CHUNK);
    let mut add =
        |path: PathBuf, key: Result<ObjectKey>, size: u64, modified: SystemTime, chunk: &mut Vec<NewEntry>| {
            let key = match key {
                Ok(key) => key,
                Err(error) => return refused.push(UploadFailure { path, error }),
            };
            match placing.place(key) {
                Placed::Record(key, seen) => chunk.push(NewEntry { path, key, size, modified, seen }),
                Placed::Renamed(key) => {
                    renamed.push((path.clone(), key.clone()));
                    chunk.push(NewEntry { path, key, size, modified, seen: Seen::Absent });
                }
                Placed::Skip => skipped += 1,
                Placed::Refuse(error) => refused.push(UploadFailure { path, error }),
            }
        };
    for item in items {
        let meta = match std::fs::metadata(&item.path) {
            Ok(meta) => meta,
            Err(e) => {
                add(item.path.clone(), Err(Error::local_io(&item.path, &e)), 0, UNIX_EPOCH, &mut chunk);
                continue;
            }
        };
        if meta.is_dir() {
            let base = dest.child(&item.name)?;
            walk(&item.path, |found| {
                match found {
                    Found::File { path, relative, size, modified } => {
                        add(path, base.join(&relative), size, modified, &mut chunk);
                    }
                    Found::Skipped { path, error } => add(path, Err(error), 0, UNIX_EPOCH, &mut chunk),
                }
                if chunk.len() == CHUNK {
                    journal.add(id, chunk.drain(..))?;
                }
                Ok(())
            })?;
        } else {
            // A file that cannot be read now is still recorded: it fails on its own when its turn
            // comes, with its own message.
            let modified = meta.modified().unwrap_or(UNIX_EPOCH);
            add(item.path.clone(), dest.join(&item.name), meta.len(), modified, &mut chunk);
        }
    }
    journal.add(id, chunk.drain(..))?;
    let batch = journal.batch(id)?.ok_or_else(Error::upload_gone)?;
    Ok(Enqueued { batch, refused, skipped, renamed })
}

/// "report (2).pdf" → "report.pdf": the name a numbered copy was numbered from.
fn unnumbered(name: &str) -> String {
    let (stem, ext) = match name.rfind('.').filter(|&i| i > 0) {
        Some(dot) => name.split_at(dot),
        None => (name, ""),
    };
    let base = stem
        .strip_suffix(')')
        .and_then(|s| s.rsplit_once(" ("))
        .filter(|(_, n)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        .map_or(stem, |(base, _)| base);
    format!("{base}{ext}")
}

/// "report.pdf" → "report (n).pdf"; folders and names without an extension get the number at the end.
pub(crate) fn numbered(name: &str, n: u32, is_folder: bool) -> String {
    match name.rfind('.').filter(|&i| i > 0 && !is_folder) {
        Some(dot) => format!("{} ({n}){}", &name[..dot], &name[dot..]),
        None => format!("{name} ({n})"),
    }
}

/// A dropped or picked path's own name (for a folder given as `.` or `dir/..`, its real name).
pub(crate) fn local_name(path: &Path) -> Result<String> {
    let named = match path.file_name() {
        Some(name) => Some(name.to_owned()),
        None => std::fs::canonicalize(path).ok().and_then(|p| p.file_name().map(ToOwned::to_owned)),
    };
    named.and_then(|n| n.to_str().map(str::to_owned)).ok_or_else(|| Error::no_usable_name(path.display()))
}

#[cfg(test)]
mod tests {
    use super::unnumbered;

    #[test]
    fn numbered_copies_are_numbered_from_their_original() {
        assert_eq!(unnumbered("a (1).txt"), "a.txt");
        assert_eq!(unnumbered("report (12).pdf"), "report.pdf");
        assert_eq!(unnumbered("README (3)"), "README");
        assert_eq!(unnumbered("plan (draft).pdf"), "plan (draft).pdf");
        assert_eq!(unnumbered("a ().txt"), "a ().txt");
        assert_eq!(unnumbered("plain.txt"), "plain.txt");
    }
}
