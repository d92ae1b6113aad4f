//! Uploading one journal entry: the body read from disk with its checksum, a single PutObject for a
//! small file, a multipart upload ([`crate::multipart`]) for a large one.
//!
//! Memory is bounded by a byte budget shared by every request of a [`crate::Queue`], whatever the
//! file size or count: small files are read whole, large ones a part at a time, and a body is read
//! only once its bytes fit in the budget. Reading each body into memory before sending it lets every
//! request carry a checksum the server verifies, and lets the engine notice a file that changes
//! under it: the file is compared with its first `stat` after the last byte is read, and a changed
//! file is never completed.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_s3::primitives::ByteStream;
use serde::Serialize;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::bucket::Bucket;
use crate::checksum::{Body, Checksum, looks_like_md5, unquote};
use crate::conditional::Precondition;
use crate::error::{Error, ErrorKind, Result};
use crate::journal::{Journal, JournalEntry};
use crate::key::ObjectKey;
use crate::retry::{Retry, until_cancelled};
use crate::uploader::UPLOADED_BY;

pub(crate) const MIB: u64 = 1024 * 1024;

/// How uploads are split, how much runs at once, and how long failures are retried.
#[derive(Clone, Debug)]
pub struct UploadOptions {
    /// Files of at least this size are sent in parts.
    pub multipart_threshold: u64,
    /// Size of each part (raised automatically so a file needs at most 10,000 parts).
    pub part_size: u64,
    /// Parts of one file sent at the same time.
    pub parts_in_flight: usize,
    /// Files sent at the same time, across every batch of the queue.
    pub files_in_flight: usize,
    /// Bytes of file content held in memory at once, across every request of the queue.
    pub memory_budget: u64,
    /// How long a request that keeps failing for a transient reason (server gone, timeouts, 5xx,
    /// SlowDown) is retried before the upload gives up.
    pub retry_for: Duration,
}

impl Default for UploadOptions {
    fn default() -> Self {
        Self {
            multipart_threshold: 16 * MIB,
            part_size: 16 * MIB,
            parts_in_flight: 4,
            files_in_flight: 64,
            memory_budget: 64 * MIB,
            retry_for: Duration::from_secs(10 * 60),
        }
    }
}

/// S3's largest part.
const MAX_PART: u64 = 5 * 1024 * MIB;

impl UploadOptions {
    /// Refuses settings no upload could honour: a part larger than S3 allows or than the memory
    /// budget can hold, or nothing allowed in flight.
    pub fn validate(self) -> Result<Self> {
        if self.part_size > MAX_PART {
            return Err(Error::part_too_large());
        }
        if self.part_size > self.memory_budget {
            return Err(Error::part_over_budget(self.part_size / MIB, self.memory_budget / MIB));
        }
        if self.files_in_flight == 0 || self.parts_in_flight == 0 || self.memory_budget == 0 {
            return Err(Error::nothing_in_flight());
        }
        Ok(self)
    }
}

/// How far a transfer (or a run of them) has come.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Bytes the server has acknowledged.
    pub bytes_done: u64,
    /// Bytes to send in all.
    pub bytes_total: u64,
    /// Files stored.
    pub files_done: u64,
    /// Files that failed.
    pub files_failed: u64,
    /// Files to send in all.
    pub files_total: u64,
    /// Requests waiting to be retried after a transient failure (the server may be unreachable).
    pub retrying: u64,
}

/// A stored object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Uploaded {
    /// Where it was stored.
    pub key: ObjectKey,
    /// Its size in bytes.
    pub size: u64,
    /// The ETag the server gave it.
    pub etag: String,
    /// Parts that were already on the server from an interrupted run and were not sent again.
    pub parts_resumed: u64,
    /// The file had changed since it was queued, so its upload started again from the beginning.
    pub restarted: bool,
}

/// A file that could not be queued or stored.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadFailure {
    /// The local file.
    pub path: PathBuf,
    /// Why it was not stored.
    pub error: Error,
}

/// How one file of a run ended.
#[derive(Clone, Debug)]
pub struct FileOutcome {
    /// The file's journal id, which is its transfer id.
    pub id: u64,
    /// The local file.
    pub path: PathBuf,
    /// Where it goes.
    pub key: ObjectKey,
    /// What it stored, or why not.
    pub result: Result<Uploaded>,
}

/// What a run reports as it goes. Every method has a default that ignores it.
pub trait Events: Sync {
    /// File `id` was taken from the queue and is about to be sent.
    fn started(&self, _entry: &JournalEntry) {}
    /// The server acknowledged `bytes` more of file `id` (or they were found already stored).
    fn bytes(&self, _id: u64, _bytes: u64) {}
    /// File `id` turned out `new` bytes long instead of the `old` it was queued with.
    fn resized(&self, _id: u64, _old: u64, _new: u64) {}
    /// A request of file `id` started (`true`) or stopped (`false`) waiting to be retried.
    fn waiting(&self, _id: u64, _waiting: bool) {}
    /// File `id` ended: stored, failed or cancelled.
    fn ended(&self, _outcome: FileOutcome) {}
}

/// Counts what runs did, for a progress bar or a summary row. Totals are set by the caller from
/// the journal, so nothing here grows with the number of files.
#[derive(Debug, Default)]
pub struct Tally {
    bytes_done: AtomicU64,
    bytes_total: AtomicU64,
    files_done: AtomicU64,
    files_failed: AtomicU64,
    files_total: AtomicU64,
    retrying: AtomicU64,
}

impl Tally {
    /// A count of `files` files and `bytes` bytes, none of them done yet.
    pub fn new(files: u64, bytes: u64) -> Self {
        let tally = Self::default();
        tally.add_total(files, bytes);
        tally
    }

    /// More files joined what is counted.
    pub fn add_total(&self, files: u64, bytes: u64) {
        self.files_total.fetch_add(files, Ordering::Relaxed);
        self.bytes_total.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Where the count stands.
    pub fn progress(&self) -> Progress {
        Progress {
            bytes_done: self.bytes_done.load(Ordering::Relaxed),
            bytes_total: self.bytes_total.load(Ordering::Relaxed),
            files_done: self.files_done.load(Ordering::Relaxed),
            files_failed: self.files_failed.load(Ordering::Relaxed),
            files_total: self.files_total.load(Ordering::Relaxed),
            retrying: self.retrying.load(Ordering::Relaxed),
        }
    }

    /// Files found failed when the count starts (left by an earlier run).
    pub fn add_failed(&self, files: u64) {
        self.files_failed.fetch_add(files, Ordering::Relaxed);
    }

    /// A failed file is retried: it no longer counts as failed.
    pub fn retried(&self, files: u64) {
        sub(&self.files_failed, files);
    }

    /// Files left the count without being sent (cancelled or discarded before they ran).
    pub fn dropped(&self, files: u64, bytes: u64) {
        sub(&self.files_total, files);
        sub(&self.bytes_total, bytes);
    }
}

fn sub(counter: &AtomicU64, n: u64) {
    let _ = counter.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| Some(v.saturating_sub(n)));
}

impl Events for Tally {
    fn bytes(&self, _id: u64, bytes: u64) {
        self.bytes_done.fetch_add(bytes, Ordering::Relaxed);
    }

    fn resized(&self, _id: u64, old: u64, new: u64) {
        self.bytes_total.fetch_add(new, Ordering::Relaxed);
        sub(&self.bytes_total, old);
    }

    fn waiting(&self, _id: u64, waiting: bool) {
        if waiting {
            self.retrying.fetch_add(1, Ordering::Relaxed);
        } else {
            sub(&self.retrying, 1);
        }
    }

    fn ended(&self, outcome: FileOutcome) {
        match &outcome.result {
            Ok(_) => self.files_done.fetch_add(1, Ordering::Relaxed),
            Err(e) if e.kind() == ErrorKind::Cancelled => {
                sub(&self.files_total, 1);
                0
            }
            Err(_) => self.files_failed.fetch_add(1, Ordering::Relaxed),
        };
    }
}

/// The concurrency and memory limits of a queue, shared by all its runs.
pub(crate) struct Limits {
    memory: Semaphore,
    memory_kib: u32,
    pub(crate) files: Semaphore,
    pub(crate) parts_in_flight: usize,
}

impl Limits {
    pub(crate) fn new(options: &UploadOptions) -> Self {
        let kib = u32::try_from(options.memory_budget.div_ceil(1024)).unwrap_or(u32::MAX).max(1);
        Self {
            memory: Semaphore::new(kib as usize),
            memory_kib: kib,
            files: Semaphore::new(options.files_in_flight.max(1)),
            parts_in_flight: options.parts_in_flight.max(1),
        }
    }

    /// Waits until `len` bytes fit in the budget; a body larger than the whole budget waits for all of it.
    pub(crate) async fn reserve(&self, len: u64) -> tokio::sync::SemaphorePermit<'_> {
        let kib = u32::try_from(len.div_ceil(1024)).unwrap_or(u32::MAX).clamp(1, self.memory_kib);
        self.memory.acquire_many(kib).await.expect("the budget is never closed")
    }
}

/// What the engine saw of a local file before reading it; compared again after.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Snapshot {
    pub(crate) size: u64,
    pub(crate) modified: SystemTime,
}

impl Snapshot {
    pub(crate) async fn take(path: &Path) -> Result<Self> {
        let meta = tokio::fs::metadata(path).await.map_err(|e| Error::local_io(path, &e))?;
        if meta.is_dir() {
            return Err(Error::upload_folder_as_folder(path.display()));
        }
        if !meta.is_file() {
            return Err(Error::not_regular_file(path.display()));
        }
        let modified = meta.modified().map_err(|e| Error::local_io(path, &e))?;
        Ok(Self { size: meta.len(), modified })
    }

    pub(crate) async fn ensure_unchanged(&self, path: &Path) -> Result<()> {
        if Self::take(path).await? == *self { Ok(()) } else { Err(Error::changed_while_uploading(path.display())) }
    }

    /// Seconds since the epoch with nanoseconds, the form rclone writes to `x-amz-meta-mtime`.
    pub(crate) fn mtime_metadata(&self) -> String {
        let since = self.modified.duration_since(UNIX_EPOCH).unwrap_or_default();
        format!("{}.{:09}", since.as_secs(), since.subsec_nanos())
    }
}

/// The Content-Type for a file name; office formats included.
pub fn content_type(path: &Path) -> String {
    mime_guess::from_path(path).first_or_octet_stream().essence_str().to_owned()
}

/// One file being uploaded: its journal entry and what was seen of it on disk.
pub(crate) struct FileJob<'a> {
    pub(crate) journal: &'a Journal,
    pub(crate) entry: &'a JournalEntry,
    pub(crate) snapshot: Snapshot,
}

impl FileJob<'_> {
    pub(crate) fn path(&self) -> &Path {
        &self.entry.path
    }

    pub(crate) fn key(&self) -> &ObjectKey {
        &self.entry.key
    }

    /// After a conditional write was refused: whether what is there is this very file, stored by
    /// an attempt whose answer was lost (a retried request then finds its own first try), with its
    /// ETag. Same size and the file's own modification time in the metadata.
    pub(crate) async fn stored_by_an_earlier_attempt(&self, bucket: &Bucket) -> Result<Option<String>> {
        let modified = self.snapshot.modified.duration_since(UNIX_EPOCH).unwrap_or_default();
        let ms = i64::try_from(modified.as_millis()).unwrap_or(i64::MAX);
        match bucket.stat(self.key()).await {
            Ok(info) if info.size == self.snapshot.size && info.file_modified_ms == Some(ms) => Ok(Some(info.etag)),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Right before the request that makes the upload visible: what the destination must hold for
    /// the write to go ahead, so a document a colleague changed since the file was queued is never
    /// replaced. `None` for entries of journals from before this was recorded.
    /// A replace first keeps the version it overwrites in the trash, recorded as replaced by
    /// `uploaded_by`, so it can be undone.
    /// These checks are retried like the write itself: a server that is away for a moment must
    /// not fail a file the write would have waited for.
    pub(crate) async fn precondition(
        &self,
        bucket: &Bucket,
        uploaded_by: &str,
        retry: &Retry<'_>,
    ) -> Result<Option<Precondition>> {
        let Some(seen) = &self.entry.seen else { return Ok(None) };
        // Resumed or retried: an earlier attempt may have stored this very file.
        let ours = self.entry.sent.then(|| {
            let modified = self.snapshot.modified.duration_since(UNIX_EPOCH).unwrap_or_default();
            (self.snapshot.size, i64::try_from(modified.as_millis()).unwrap_or(i64::MAX))
        });
        // Chosen once, so a retry keeps the replaced version in the same trash entry.
        let batch = crate::trash::new_batch(crate::lock::now_ms());
        retry
            .send(|| async {
                let precondition = bucket.precondition(self.key(), seen, ours).await?;
                if matches!(seen, crate::seen::Seen::Present { .. })
                    && self.stored_by_an_earlier_attempt(bucket).await?.is_none()
                {
                    bucket.keep_previous_version(self.key(), uploaded_by, &batch).await?;
                }
                Ok(precondition)
            })
            .await
    }
}

/// What every upload of a run shares: the bucket, the queue's limits, where to report, the cancel
/// switch.
pub(crate) struct Run<'a> {
    pub(crate) bucket: &'a Bucket,
    /// Recorded with every document as its uploader.
    pub(crate) uploaded_by: &'a str,
    pub(crate) options: &'a UploadOptions,
    pub(crate) limits: &'a Limits,
    pub(crate) events: &'a dyn Events,
    /// Documents stored and not yet told to the search index (it is told in batches).
    pub(crate) stored: std::sync::Mutex<Vec<crate::list::Entry>>,
}

impl Run<'_> {
    /// Tells the search index of the documents stored so far, once more than `at_least` wait.
    pub(crate) fn tell_index(&self, at_least: usize) {
        let mut stored = self.stored.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if stored.len() > at_least {
            let entries = std::mem::take(&mut *stored);
            drop(stored);
            self.bucket.note_in_index(|index| index.upsert(&entries));
        }
    }

    /// Uploads one file: a single request below the multipart threshold, a resumable multipart
    /// upload above it.
    pub(crate) async fn upload(&self, job: FileJob<'_>, cancel: &CancellationToken) -> Result<Uploaded> {
        if cancel.is_cancelled() {
            return Err(Error::cancelled());
        }
        let full_key = self.bucket.full_key(job.key())?;
        if job.snapshot.size < self.options.multipart_threshold.max(1) {
            return self.put_whole(&job, &full_key, cancel).await;
        }
        self.multipart(&job, &full_key, cancel).await
    }

    /// The retry policy for one file's requests; `waiting` hears when one waits to be retried.
    pub(crate) fn retry<'r>(&'r self, cancel: &'r CancellationToken, waiting: &'r (dyn Fn(bool) + Sync)) -> Retry<'r> {
        Retry { cancel, retry_for: self.options.retry_for, waiting }
    }

    async fn put_whole(&self, job: &FileJob<'_>, full_key: &str, cancel: &CancellationToken) -> Result<Uploaded> {
        let bucket = self.bucket;
        let ctx = bucket.ctx(Some(job.key().as_str()));
        let size = job.snapshot.size;
        let id = job.entry.id;
        let _memory = self.limits.reserve(size).await;
        let known = bucket.integrity.get();
        let body = until_cancelled(cancel, read_body(job.path(), 0, size, known != Some(Checksum::Crc32c))).await?;
        job.snapshot.ensure_unchanged(job.path()).await?;
        let waiting = |w| self.events.waiting(id, w);
        let retry = self.retry(cancel, &waiting);
        let precondition = job.precondition(bucket, self.uploaded_by, &retry).await?;
        let output = retry
            .send(|| {
                let mut request = bucket
                    .client
                    .put_object()
                    .bucket(&bucket.conn.bucket)
                    .key(full_key)
                    .content_type(content_type(job.path()))
                    .metadata("mtime", job.snapshot.mtime_metadata())
                    .metadata(UPLOADED_BY, crate::uploader::encode(self.uploaded_by))
                    .set_content_md5(body.md5_base64())
                    .body(ByteStream::from(body.bytes.clone()));
                if known != Some(Checksum::Md5) {
                    request = request.checksum_crc32_c(body.crc_base64());
                }
                match &precondition {
                    Some(Precondition::Absent) => request = request.if_none_match("*"),
                    Some(Precondition::Etag(etag)) => request = request.if_match(etag),
                    None => {}
                }
                async move { request.customize().disable_payload_signing().send().await.map_err(|e| ctx.sdk(e)) }
            })
            .await;
        let output = match output {
            Err(e) if e.kind() == ErrorKind::AlreadyExists && precondition.is_some() => {
                return match retry.send(|| job.stored_by_an_earlier_attempt(bucket)).await? {
                    Some(etag) => {
                        self.events.bytes(id, size);
                        Ok(Uploaded { key: job.key().clone(), size, etag, parts_resumed: 0, restarted: false })
                    }
                    None => Err(e),
                };
            }
            other => other?,
        };
        if known.is_none() {
            bucket.integrity.learn(&body.crc_base64(), output.checksum_crc32_c.as_deref());
        }
        let etag = output.e_tag.unwrap_or_default();
        // The server verified the checksum we sent; an MD5 ETag is checked too where there is one.
        if body.md5_hex().filter(|_| looks_like_md5(&etag)).is_some_and(|md5| unquote(&etag) != md5) {
            return Err(mismatch(job));
        }
        self.events.bytes(id, size);
        Ok(Uploaded { key: job.key().clone(), size, etag, parts_resumed: 0, restarted: false })
    }
}

pub(crate) fn mismatch(job: &FileJob<'_>) -> Error {
    Error::stored_differently(job.key(), job.path().display())
}

/// Reads exactly `len` bytes at `offset` with their checksums, off the async threads.
pub(crate) async fn read_body(path: &Path, offset: u64, len: u64, with_md5: bool) -> Result<Body> {
    let owned = path.to_owned();
    tokio::task::spawn_blocking(move || {
        use std::io::{Read, Seek, SeekFrom};
        let mut file = std::fs::File::open(&owned)?;
        file.seek(SeekFrom::Start(offset))?;
        let len = usize::try_from(len).map_err(|_| std::io::Error::other("a part too large"))?;
        let mut buf = crate::allocator::part_buffer(len);
        file.read_exact(&mut buf)?;
        Ok(Body::new(buf, with_md5))
    })
    .await
    .expect("reading does not panic")
    .map_err(|e: std::io::Error| Error::local_io(path, &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn office_documents_get_their_registered_types() {
        let cases = [
            ("a.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            ("a.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            ("a.pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
            ("a.pdf", "application/pdf"),
            ("a.odt", "application/vnd.oasis.opendocument.text"),
            ("a.ods", "application/vnd.oasis.opendocument.spreadsheet"),
            ("a.msg", "application/vnd.ms-outlook"),
            ("a.eml", "message/rfc822"),
            ("a.csv", "text/csv"),
            ("a.txt", "text/plain"),
            ("a.PNG", "image/png"),
            ("a.jpeg", "image/jpeg"),
            ("no-extension", "application/octet-stream"),
        ];
        for (name, want) in cases {
            assert_eq!(content_type(Path::new(name)), want, "Content-Type of {name}");
        }
    }

    #[test]
    fn impossible_settings_are_refused() {
        let ok = UploadOptions::default();
        assert!(ok.clone().validate().is_ok());
        let huge = UploadOptions { part_size: 6 * 1024 * MIB, memory_budget: u64::MAX, ..ok.clone() };
        assert_eq!(huge.validate().unwrap_err().kind(), ErrorKind::InvalidInput, "over 5 GiB");
        let tight = UploadOptions { part_size: 128 * MIB, memory_budget: 64 * MIB, ..ok.clone() };
        assert_eq!(tight.validate().unwrap_err().kind(), ErrorKind::InvalidInput, "larger than the budget");
        let none = UploadOptions { files_in_flight: 0, ..ok };
        assert_eq!(none.validate().unwrap_err().kind(), ErrorKind::InvalidInput);
    }

    #[test]
    fn a_tally_counts_ends_and_cancels() {
        let tally = Tally::new(3, 30);
        let outcome = |result| FileOutcome { id: 1, path: PathBuf::new(), key: ObjectKey::new("a").unwrap(), result };
        tally.bytes(1, 10);
        tally.ended(outcome(Ok(Uploaded {
            key: ObjectKey::new("a").unwrap(),
            size: 10,
            etag: String::new(),
            parts_resumed: 0,
            restarted: false,
        })));
        tally.ended(outcome(Err(Error::name_empty())));
        tally.ended(outcome(Err(Error::cancelled())));
        let p = tally.progress();
        assert_eq!((p.files_done, p.files_failed, p.files_total, p.bytes_done), (1, 1, 2, 10));
        tally.retried(1);
        assert_eq!(tally.progress().files_failed, 0);
    }
}
