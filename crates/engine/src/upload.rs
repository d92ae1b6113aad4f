//! Uploads: one file, or every file under a folder, optionally recorded in the [`Journal`] so an
//! interrupted upload resumes where it stopped.
//!
//! Memory is bounded by a byte budget shared by every request of a run, whatever the file size or
//! count: small files are read whole, large ones a part at a time, and a body is read only once its
//! bytes fit in the budget. Reading each body into memory before sending it lets every request
//! carry a checksum the server verifies (CRC32C where the server proves it checks it, Content-MD5
//! otherwise), and lets the engine notice a file that changes under it: the file is compared with
//! its first `stat` after the last byte is read, and a changed file is never completed. Transient
//! failures are retried request by request (a failed part alone), with backoff, for as long as
//! [`UploadOptions::retry_for`]; a multipart upload that is cancelled or finally fails is aborted.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, ChecksumMode, CompletedMultipartUpload, CompletedPart};
use base64::Engine as _;
use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use md5::{Digest, Md5};
use serde::Serialize;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::bucket::Bucket;
use crate::error::{Error, ErrorKind, Result};
use crate::journal::{Journal, JournalEntry, RecordedPart};
use crate::key::{ObjectKey, Prefix};

const MIB: u64 = 1024 * 1024;
/// S3 allows at most this many parts in one multipart upload.
const MAX_PARTS: u64 = 10_000;

/// How uploads are split, how much runs at once, and how long failures are retried.
#[derive(Clone, Debug)]
pub struct UploadOptions {
    /// Files of at least this size are sent in parts.
    pub multipart_threshold: u64,
    /// Size of each part (raised automatically so a file needs at most 10,000 parts).
    pub part_size: u64,
    /// Parts of one file sent at the same time.
    pub parts_in_flight: usize,
    /// Files sent at the same time.
    pub files_in_flight: usize,
    /// Bytes of file content held in memory at once, across every request of a run.
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

/// How far an upload has come. Sent after every completed request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub files_done: u64,
    pub files_total: u64,
    /// Requests waiting to be retried after a transient failure (the server may be unreachable).
    pub retrying: u64,
}

/// A stored object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Uploaded {
    pub key: ObjectKey,
    pub size: u64,
    pub etag: String,
    /// Parts that were already on the server from an interrupted run and were not sent again.
    pub parts_resumed: u64,
    /// The file had changed since it was queued, so its upload started again from the beginning.
    pub restarted: bool,
}

/// A file of a folder upload that could not be stored.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadFailure {
    pub path: PathBuf,
    pub error: Error,
}

/// What a folder upload stored and what it could not.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FolderUpload {
    pub uploaded: Vec<Uploaded>,
    pub failed: Vec<UploadFailure>,
}

/// Counts bytes and files across concurrent requests and reports each change.
pub(crate) struct Tracker<'a> {
    bytes_done: AtomicU64,
    files_done: AtomicU64,
    bytes_total: AtomicU64,
    files_total: AtomicU64,
    retrying: AtomicU64,
    report: &'a (dyn Fn(Progress) + Sync),
}

impl<'a> Tracker<'a> {
    pub(crate) fn new(bytes_total: u64, files_total: u64, report: &'a (dyn Fn(Progress) + Sync)) -> Self {
        Self {
            bytes_done: AtomicU64::new(0),
            files_done: AtomicU64::new(0),
            bytes_total: AtomicU64::new(bytes_total),
            files_total: AtomicU64::new(files_total),
            retrying: AtomicU64::new(0),
            report,
        }
    }

    pub(crate) fn add(&self, bytes: u64, files: u64) {
        self.bytes_done.fetch_add(bytes, Ordering::Relaxed);
        self.files_done.fetch_add(files, Ordering::Relaxed);
        self.send();
    }

    /// A file whose size changed since it was counted (restarted) moves the total with it.
    pub(crate) fn resize(&self, old: u64, new: u64) {
        self.bytes_total.fetch_add(new, Ordering::Relaxed);
        self.bytes_total.fetch_sub(old, Ordering::Relaxed);
    }

    fn retrying(&self, delta: i64) {
        if delta >= 0 {
            self.retrying.fetch_add(delta as u64, Ordering::Relaxed);
        } else {
            self.retrying.fetch_sub(delta.unsigned_abs(), Ordering::Relaxed);
        }
        self.send();
    }

    fn send(&self) {
        (self.report)(Progress {
            bytes_done: self.bytes_done.load(Ordering::Relaxed),
            bytes_total: self.bytes_total.load(Ordering::Relaxed),
            files_done: self.files_done.load(Ordering::Relaxed),
            files_total: self.files_total.load(Ordering::Relaxed),
            retrying: self.retrying.load(Ordering::Relaxed),
        });
    }
}

/// The concurrency and memory limits of one run, shared by all its files.
pub(crate) struct Limits {
    memory: Semaphore,
    memory_kib: u32,
    parts_in_flight: usize,
    retry_for: Duration,
}

impl Limits {
    pub(crate) fn new(options: &UploadOptions) -> Self {
        let kib = u32::try_from(options.memory_budget.div_ceil(1024)).unwrap_or(u32::MAX).max(1);
        Self {
            memory: Semaphore::new(kib as usize),
            memory_kib: kib,
            parts_in_flight: options.parts_in_flight.max(1),
            retry_for: options.retry_for,
        }
    }

    /// Waits until `len` bytes fit in the budget; a body larger than the whole budget waits for all of it.
    async fn reserve(&self, len: u64) -> tokio::sync::SemaphorePermit<'_> {
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
            return Err(Error::invalid(format!("'{}' is a folder; upload it as a folder.", path.display())));
        }
        if !meta.is_file() {
            return Err(Error::invalid(format!("'{}' is not a regular file.", path.display())));
        }
        let modified = meta.modified().map_err(|e| Error::local_io(path, &e))?;
        Ok(Self { size: meta.len(), modified })
    }

    async fn ensure_unchanged(&self, path: &Path) -> Result<()> {
        if Self::take(path).await? == *self {
            Ok(())
        } else {
            Err(Error::new(
                ErrorKind::Io,
                format!(
                    "'{}' changed while it was being uploaded; nothing was stored — upload it again once it is saved.",
                    path.display()
                ),
            ))
        }
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

/// Which checksum a server verifies for us. Learnt from the first upload: a server that checks
/// `x-amz-checksum-crc32c` echoes it back, and then CRC32C alone (cheap) replaces MD5 (slow).
#[derive(Debug, Default)]
pub(crate) struct IntegrityMode(AtomicU8);

const UNKNOWN: u8 = 0;
const CRC32C: u8 = 1;
const MD5: u8 = 2;

impl IntegrityMode {
    pub(crate) fn crc32c() -> Self {
        Self(AtomicU8::new(CRC32C))
    }

    fn get(&self) -> u8 {
        self.0.load(Ordering::Relaxed)
    }

    /// Notes what the server echoed for a body we sent with this CRC32C.
    fn learn(&self, sent: &str, echoed: Option<&str>) {
        self.settle(if echoed == Some(sent) { CRC32C } else { MD5 });
    }

    /// The first answer wins; later ones agree with it on any sane server.
    fn settle(&self, mode: u8) {
        let _ = self.0.compare_exchange(UNKNOWN, mode, Ordering::Relaxed, Ordering::Relaxed);
    }
}

/// A body read from disk with the checksums the request needs.
struct Body {
    bytes: Bytes,
    crc32c: u32,
    md5: Option<[u8; 16]>,
}

impl Body {
    fn crc_base64(&self) -> String {
        b64(&self.crc32c.to_be_bytes())
    }

    fn md5_base64(&self) -> Option<String> {
        self.md5.map(|m| b64(&m))
    }
}

/// An upload of one file, and where it stands in the journal if it is recorded there.
pub(crate) struct FileJob<'a> {
    pub(crate) path: &'a Path,
    pub(crate) key: &'a ObjectKey,
    pub(crate) snapshot: Snapshot,
    pub(crate) journal: Option<(&'a Journal, &'a JournalEntry)>,
}

/// One run of uploads: the bucket, its limits and progress, and the cancel switch.
pub(crate) struct Run<'a> {
    pub(crate) bucket: &'a Bucket,
    pub(crate) options: &'a UploadOptions,
    pub(crate) limits: &'a Limits,
    pub(crate) tracker: Tracker<'a>,
    pub(crate) cancel: &'a CancellationToken,
}

impl Bucket {
    /// Uploads the file at `path` to `key`, replacing any object there.
    pub async fn upload_file(
        &self,
        path: &Path,
        key: &ObjectKey,
        options: &UploadOptions,
        progress: &(dyn Fn(Progress) + Sync),
        cancel: &CancellationToken,
    ) -> Result<Uploaded> {
        let snapshot = Snapshot::take(path).await?;
        let limits = Limits::new(options);
        let run =
            Run { bucket: self, options, limits: &limits, tracker: Tracker::new(snapshot.size, 1, progress), cancel };
        let uploaded = run.upload(FileJob { path, key, snapshot, journal: None }).await?;
        run.tracker.add(0, 1);
        Ok(uploaded)
    }

    /// Uploads every file under `folder` to `dest/<folder name>/<relative path>`, several at a time.
    /// Files that fail are reported and the rest go on; cancelling stops them all.
    pub async fn upload_folder(
        &self,
        folder: &Path,
        dest: &Prefix,
        options: &UploadOptions,
        progress: &(dyn Fn(Progress) + Sync),
        cancel: &CancellationToken,
    ) -> Result<FolderUpload> {
        let meta = tokio::fs::metadata(folder).await.map_err(|e| Error::local_io(folder, &e))?;
        if !meta.is_dir() {
            return Err(Error::invalid(format!("'{}' is a file, not a folder.", folder.display())));
        }
        let base = dest.child(&folder_name(folder)?)?;
        let folder_owned = folder.to_owned();
        let files = tokio::task::spawn_blocking(move || scan(&folder_owned)).await.expect("scanning does not panic")?;

        let mut report = FolderUpload::default();
        let mut jobs = Vec::with_capacity(files.len());
        let mut bytes_total = 0;
        for (path, relative, snapshot) in files {
            match base.join(&relative) {
                Ok(key) => {
                    bytes_total += snapshot.size;
                    jobs.push((path, key, snapshot));
                }
                Err(error) => report.failed.push(UploadFailure { path, error }),
            }
        }
        let limits = Limits::new(options);
        let run = Run {
            bucket: self,
            options,
            limits: &limits,
            tracker: Tracker::new(bytes_total, jobs.len() as u64, progress),
            cancel,
        };
        run.tracker.add(0, 0);
        let run = &run;
        let mut results = futures::stream::iter(jobs)
            .map(|(path, key, snapshot)| async move {
                let result = run.upload(FileJob { path: &path, key: &key, snapshot, journal: None }).await;
                if result.is_ok() {
                    run.tracker.add(0, 1);
                }
                (path, result)
            })
            .buffer_unordered(options.files_in_flight.max(1));
        while let Some((path, result)) = results.next().await {
            match result {
                Ok(done) => report.uploaded.push(done),
                Err(e) if e.kind() == ErrorKind::Cancelled => return Err(e),
                Err(error) => report.failed.push(UploadFailure { path, error }),
            }
        }
        report.uploaded.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(report)
    }
}

impl Bucket {
    /// Aborts a multipart upload, best effort: one that is already gone needs no abort, and a
    /// failure here must not hide the error that led to it.
    pub(crate) async fn abort_upload(&self, full_key: &str, upload_id: &str) {
        let request = self.client.abort_multipart_upload().bucket(&self.conn.bucket).key(full_key).upload_id(upload_id);
        let _ = request.send().await;
    }
}

impl Run<'_> {
    /// Uploads one file. With a journal entry, a multipart upload it records is resumed: the parts
    /// the server confirms (ListParts on that UploadId, which needs no bucket-wide permission) are
    /// kept, the rest are sent. Cancelled or failed multipart uploads are aborted.
    pub(crate) async fn upload(&self, job: FileJob<'_>) -> Result<Uploaded> {
        if self.cancel.is_cancelled() {
            return Err(Error::cancelled());
        }
        let bucket = self.bucket;
        let full_key = bucket.full_key(job.key)?;
        if job.snapshot.size < self.options.multipart_threshold.max(1) {
            return self.put_whole(&job, &full_key).await;
        }
        let (upload_id, crc_mode, part_size, kept) = match self.existing_upload(&job, &full_key).await? {
            Some(existing) => existing,
            None => self.create_upload(&job, &full_key).await?,
        };
        let result = until_cancelled(
            self.cancel,
            self.send_parts_and_complete(&job, &full_key, &upload_id, crc_mode, part_size, kept),
        )
        .await;
        if result.is_err() {
            // Best effort: if the abort fails too, the first error is the one worth reporting.
            bucket.abort_upload(&full_key, &upload_id).await;
            if let Some((journal, entry)) = job.journal {
                // The next attempt starts a fresh upload; the aborted one cannot be continued.
                journal.restart(entry.id, job.snapshot.size, job.snapshot.modified)?;
            }
        }
        result
    }

    async fn put_whole(&self, job: &FileJob<'_>, full_key: &str) -> Result<Uploaded> {
        let bucket = self.bucket;
        let ctx = bucket.ctx(Some(job.key.as_str()));
        let size = job.snapshot.size;
        let _memory = self.limits.reserve(size).await;
        let mode = bucket.integrity.get();
        let body = until_cancelled(self.cancel, read_body(job.path, 0, size, mode != CRC32C)).await?;
        job.snapshot.ensure_unchanged(job.path).await?;
        if let Some((journal, entry)) = job.journal {
            journal.set_state(entry.id, crate::journal::EntryState::Running, None)?;
        }
        let output = self
            .retrying(|| {
                let mut request = bucket
                    .client
                    .put_object()
                    .bucket(&bucket.conn.bucket)
                    .key(full_key)
                    .content_type(content_type(job.path))
                    .metadata("mtime", job.snapshot.mtime_metadata())
                    .set_content_md5(body.md5_base64())
                    .body(ByteStream::from(body.bytes.clone()));
                if mode != MD5 {
                    request = request.checksum_crc32_c(body.crc_base64());
                }
                async move { request.customize().disable_payload_signing().send().await.map_err(|e| ctx.sdk(e)) }
            })
            .await?;
        if mode == UNKNOWN {
            bucket.integrity.learn(&body.crc_base64(), output.checksum_crc32_c.as_deref());
        }
        let etag = output.e_tag.unwrap_or_default();
        // The server verified the checksum we sent; an MD5 ETag is checked too where there is one.
        if body.md5.filter(|_| looks_like_md5(&etag)).is_some_and(|md5| unquote(&etag) != hex(&md5)) {
            return Err(mismatch(job.path, job.key));
        }
        self.tracker.add(size, 0);
        Ok(Uploaded { key: job.key.clone(), size, etag, parts_resumed: 0, restarted: false })
    }

    /// The multipart upload the journal recorded for this file, with the parts the server still
    /// has; `None` if there is none to continue (never started, expired, or the file changed).
    async fn existing_upload(
        &self,
        job: &FileJob<'_>,
        full_key: &str,
    ) -> Result<Option<(String, bool, u64, Vec<RecordedPart>)>> {
        let Some((journal, entry)) = job.journal else { return Ok(None) };
        let (Some(upload_id), Some(part_size)) = (&entry.upload_id, entry.part_size) else { return Ok(None) };
        let bucket = self.bucket;
        let ctx = bucket.ctx(Some(job.key.as_str()));
        let mut on_server = std::collections::HashMap::new();
        let mut marker: Option<String> = None;
        loop {
            let page = self
                .retrying(|| {
                    let request = bucket
                        .client
                        .list_parts()
                        .bucket(&bucket.conn.bucket)
                        .key(full_key)
                        .upload_id(upload_id)
                        .set_part_number_marker(marker.clone());
                    async move { request.send().await.map_err(|e| ctx.sdk(e)) }
                })
                .await;
            let page = match page {
                Ok(page) => page,
                // Expired or aborted on the server: start over.
                Err(e) if e.kind() == ErrorKind::NotFound => {
                    journal.restart(entry.id, job.snapshot.size, job.snapshot.modified)?;
                    return Ok(None);
                }
                Err(e) => return Err(e),
            };
            for part in page.parts() {
                if let Some(n) = part.part_number {
                    on_server.insert(n, (part.e_tag().map(|e| unquote(e).to_owned()), part.size.unwrap_or(-1)));
                }
            }
            marker = page.next_part_number_marker.clone();
            if !page.is_truncated.unwrap_or(false) || marker.is_none() {
                break;
            }
        }
        let crc_mode = entry.algorithm.as_deref() == Some("crc32c");
        let kept = journal
            .parts(entry.id)?
            .into_iter()
            // A server that lists no ETags (some do not) is trusted on the size; completion then
            // checks our recorded ETags against what it stored.
            .filter(|p| {
                on_server.get(&p.number).is_some_and(|(etag, size)| {
                    *size == p.size as i64 && etag.as_deref().is_none_or(|e| e == unquote(&p.etag))
                })
            })
            .collect();
        Ok(Some((upload_id.clone(), crc_mode, part_size, kept)))
    }

    async fn create_upload(&self, job: &FileJob<'_>, full_key: &str) -> Result<(String, bool, u64, Vec<RecordedPart>)> {
        let bucket = self.bucket;
        let ctx = bucket.ctx(Some(job.key.as_str()));
        // An upload declares its checksum when it is created. A server that takes CRC32C says so in
        // its answer (x-amz-checksum-algorithm); one that does not gets MD5 instead.
        let mode = bucket.integrity.get();
        let create = |algorithm: Option<ChecksumAlgorithm>| {
            self.retrying(move || {
                let request = bucket
                    .client
                    .create_multipart_upload()
                    .bucket(&bucket.conn.bucket)
                    .key(full_key)
                    .content_type(content_type(job.path))
                    .metadata("mtime", job.snapshot.mtime_metadata())
                    .set_checksum_algorithm(algorithm.clone());
                async move { request.send().await.map_err(|e| ctx.sdk(e)) }
            })
        };
        let asked = (mode != MD5).then_some(ChecksumAlgorithm::Crc32C);
        let created = match until_cancelled(self.cancel, create(asked.clone())).await {
            // A server that rejects the header outright is an MD5 server.
            Err(e) if mode == UNKNOWN && e.kind() == ErrorKind::InvalidInput => {
                bucket.integrity.settle(MD5);
                until_cancelled(self.cancel, create(None)).await?
            }
            other => other?,
        };
        let crc_mode = asked.is_some() && created.checksum_algorithm == Some(ChecksumAlgorithm::Crc32C);
        if mode == UNKNOWN {
            bucket.integrity.settle(if crc_mode { CRC32C } else { MD5 });
        }
        let upload_id = created.upload_id.ok_or_else(|| {
            Error::new(ErrorKind::Server, "The server started a multipart upload without an upload ID.")
        })?;
        let part_size = part_size_for(job.snapshot.size, self.options.part_size);
        if let Some((journal, entry)) = job.journal {
            journal.set_upload(entry.id, &upload_id, part_size, if crc_mode { "crc32c" } else { "md5" })?;
        }
        Ok((upload_id, crc_mode, part_size, Vec::new()))
    }

    async fn send_parts_and_complete(
        &self,
        job: &FileJob<'_>,
        full_key: &str,
        upload_id: &str,
        crc_mode: bool,
        part_size: u64,
        kept: Vec<RecordedPart>,
    ) -> Result<Uploaded> {
        let bucket = self.bucket;
        let size = job.snapshot.size;
        let count = size.div_ceil(part_size);
        let ctx = bucket.ctx(Some(job.key.as_str()));
        let parts_resumed = kept.len() as u64;
        let resumed_bytes: u64 = kept.iter().map(|p| p.size).sum();
        self.tracker.add(resumed_bytes, 0);
        let have: std::collections::HashSet<i32> = kept.iter().map(|p| p.number).collect();
        let missing = (0..count).filter(|i| !have.contains(&(i32::try_from(i + 1).expect("at most 10,000 parts"))));
        let sent: Vec<RecordedPart> = futures::stream::iter(missing)
            .map(|index| async move {
                let offset = index * part_size;
                let len = part_size.min(size - offset);
                let number = i32::try_from(index + 1).expect("at most 10,000 parts");
                let _memory = self.limits.reserve(len).await;
                let learning = bucket.integrity.get() == UNKNOWN;
                let body = read_body(job.path, offset, len, !crc_mode).await?;
                let output = self
                    .retrying(|| {
                        let mut request = bucket
                            .client
                            .upload_part()
                            .bucket(&bucket.conn.bucket)
                            .key(full_key)
                            .upload_id(upload_id)
                            .part_number(number)
                            .set_content_md5(body.md5_base64())
                            .body(ByteStream::from(body.bytes.clone()));
                        if crc_mode || learning {
                            request = request.checksum_crc32_c(body.crc_base64());
                        }
                        async move {
                            request.customize().disable_payload_signing().send().await.map_err(|e| ctx.sdk(e))
                        }
                    })
                    .await?;
                if learning {
                    bucket.integrity.learn(&body.crc_base64(), output.checksum_crc32_c.as_deref());
                }
                let etag = output.e_tag.unwrap_or_default();
                let checksum = if crc_mode {
                    format!("crc32c:{}", body.crc_base64())
                } else {
                    format!("md5:{}", body.md5_base64().unwrap_or_default())
                };
                let part = RecordedPart { number, size: len, etag, checksum };
                if let Some((journal, entry)) = job.journal {
                    journal.record_part(entry.id, &part)?;
                }
                self.tracker.add(len, 0);
                Ok::<_, Error>(part)
            })
            .buffer_unordered(self.limits.parts_in_flight)
            .try_collect()
            .await?;
        job.snapshot.ensure_unchanged(job.path).await?;

        let mut parts = kept;
        parts.extend(sent);
        parts.sort_by_key(|p| p.number);
        let completed: Vec<CompletedPart> = parts
            .iter()
            .map(|p| {
                CompletedPart::builder()
                    .part_number(p.number)
                    .e_tag(&p.etag)
                    .set_checksum_crc32_c(if crc_mode {
                        p.checksum.strip_prefix("crc32c:").map(str::to_owned)
                    } else {
                        None
                    })
                    .build()
            })
            .collect();
        let output = self
            .retrying(|| {
                let request = bucket
                    .client
                    .complete_multipart_upload()
                    .bucket(&bucket.conn.bucket)
                    .key(full_key)
                    .upload_id(upload_id)
                    .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(completed.clone())).build());
                async move { request.send().await.map_err(|e| ctx.sdk(e)) }
            })
            .await?;
        let etag = output.e_tag.clone().unwrap_or_default();
        self.verify_stored(job, full_key, &parts, crc_mode, &etag).await?;
        Ok(Uploaded { key: job.key.clone(), size, etag, parts_resumed, restarted: false })
    }

    /// Checks the completed object against what was read from disk: its size, and its composite
    /// CRC32C or its multipart ETag (the MD5 of the parts' MD5s), whichever the server keeps.
    async fn verify_stored(
        &self,
        job: &FileJob<'_>,
        full_key: &str,
        parts: &[RecordedPart],
        crc_mode: bool,
        etag: &str,
    ) -> Result<()> {
        let bucket = self.bucket;
        let ctx = bucket.ctx(Some(job.key.as_str()));
        let head = self
            .retrying(|| {
                let request = bucket
                    .client
                    .head_object()
                    .bucket(&bucket.conn.bucket)
                    .key(full_key)
                    .checksum_mode(ChecksumMode::Enabled);
                async move { request.send().await.map_err(|e| ctx.sdk(e)) }
            })
            .await?;
        if head.content_length.unwrap_or(-1) != job.snapshot.size as i64 {
            return Err(mismatch(job.path, job.key));
        }
        let decoded: Vec<Vec<u8>> = parts
            .iter()
            .filter_map(|p| p.checksum.split_once(':').map(|(_, v)| v))
            .filter_map(|v| base64::engine::general_purpose::STANDARD.decode(v).ok())
            .collect();
        if decoded.len() != parts.len() {
            return Err(mismatch(job.path, job.key));
        }
        let joined = decoded.concat();
        if crc_mode {
            let want = format!("{}-{}", b64(&crc32c::crc32c(&joined).to_be_bytes()), parts.len());
            if head.checksum_crc32_c.as_deref().is_some_and(|got| got != want) {
                return Err(mismatch(job.path, job.key));
            }
        } else if looks_like_md5(etag) {
            let want = format!("{}-{}", hex(&Md5::digest(&joined)), parts.len());
            if unquote(etag) != want {
                return Err(mismatch(job.path, job.key));
            }
        }
        Ok(())
    }

    /// Sends a request until it succeeds, fails for a reason that will not change, or transient
    /// failures have gone on for longer than the options allow. Backoff doubles from 250 ms to 15 s.
    async fn retrying<T, F, Fut>(&self, mut send: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let started = std::time::Instant::now();
        let mut wait = Duration::from_millis(250);
        loop {
            match until_cancelled(self.cancel, send()).await {
                Err(e) if e.is_transient() && started.elapsed() + wait <= self.limits.retry_for => {
                    tracing::warn!("retrying in {wait:?}: {e}");
                    self.tracker.retrying(1);
                    let slept = until_cancelled(self.cancel, async {
                        tokio::time::sleep(wait).await;
                        Ok(())
                    })
                    .await;
                    self.tracker.retrying(-1);
                    slept?;
                    wait = (wait * 2).min(Duration::from_secs(15));
                }
                other => return other,
            }
        }
    }
}

fn mismatch(path: &Path, key: &ObjectKey) -> Error {
    Error::new(
        ErrorKind::Server,
        format!("The server stored '{key}' differently from '{}' as read from disk; upload it again.", path.display()),
    )
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn unquote(etag: &str) -> &str {
    etag.trim_matches('"')
}

/// An ETag of the form S3 computes from MD5s: 32 hex digits, optionally `-<parts>`.
pub(crate) fn looks_like_md5(etag: &str) -> bool {
    let etag = unquote(etag);
    let hash = etag.split_once('-').map_or(etag, |(h, n)| if n.bytes().all(|b| b.is_ascii_digit()) { h } else { "" });
    hash.len() == 32 && hash.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Reads exactly `len` bytes at `offset` with their CRC32C (and MD5 if asked), off the async threads.
async fn read_body(path: &Path, offset: u64, len: u64, with_md5: bool) -> Result<Body> {
    let path = Arc::new(path.to_owned());
    let shown = Arc::clone(&path);
    tokio::task::spawn_blocking(move || {
        use std::io::{Read, Seek, SeekFrom};
        let mut file = std::fs::File::open(&*path)?;
        file.seek(SeekFrom::Start(offset))?;
        let mut buf = vec![0; usize::try_from(len).expect("parts fit in memory")];
        file.read_exact(&mut buf)?;
        let crc32c = crc32c::crc32c(&buf);
        let md5 = with_md5.then(|| Md5::digest(&buf).into());
        Ok(Body { bytes: Bytes::from(buf), crc32c, md5 })
    })
    .await
    .expect("reading does not panic")
    .map_err(|e: std::io::Error| Error::local_io(&shown, &e))
}

/// Runs `work` unless `cancel` fires first; dropping `work` stops its requests.
pub(crate) async fn until_cancelled<T>(cancel: &CancellationToken, work: impl Future<Output = Result<T>>) -> Result<T> {
    tokio::select! {
        biased;
        () = cancel.cancelled() => Err(Error::cancelled()),
        result = work => result,
    }
}

fn part_size_for(size: u64, wanted: u64) -> u64 {
    let least = size.div_ceil(MAX_PARTS);
    wanted.max(least).max(5 * MIB).div_ceil(MIB) * MIB
}

pub(crate) fn folder_name(folder: &Path) -> Result<String> {
    let canonical = std::fs::canonicalize(folder).map_err(|e| Error::local_io(folder, &e))?;
    canonical.file_name().and_then(|n| n.to_str()).map(str::to_owned).ok_or_else(|| {
        Error::invalid(format!("'{}' has no usable folder name; upload the files inside it instead.", folder.display()))
    })
}

/// Every regular file under `folder` with its `/`-separated relative path, sorted.
pub(crate) fn scan(folder: &Path) -> Result<Vec<(PathBuf, String, Snapshot)>> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(folder).follow_links(true).sort_by_file_name() {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(folder).to_owned();
            match e.into_io_error() {
                Some(io) => Error::local_io(&path, &io),
                None => Error::new(ErrorKind::Io, format!("'{}' links back into itself.", path.display())),
            }
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let meta =
            entry.metadata().map_err(|e| Error::new(ErrorKind::Io, format!("'{}': {e}", entry.path().display())))?;
        let relative = entry.path().strip_prefix(folder).expect("walkdir yields paths under its root");
        let Some(relative) = relative.to_str() else {
            return Err(Error::invalid(format!("'{}' has a name that is not valid Unicode.", entry.path().display())));
        };
        let relative = relative.replace(std::path::MAIN_SEPARATOR, "/");
        let modified = meta.modified().map_err(|e| Error::local_io(entry.path(), &e))?;
        files.push((entry.path().to_owned(), relative, Snapshot { size: meta.len(), modified }));
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_never_exceed_the_limit_or_go_below_five_mib() {
        assert_eq!(part_size_for(100 * MIB, 8 * MIB), 8 * MIB);
        assert_eq!(part_size_for(100 * MIB, MIB), 5 * MIB, "S3 refuses parts under 5 MiB except the last");
        let huge = 5 * 1024 * 1024 * MIB; // 5 TiB, the S3 object limit
        assert!(huge.div_ceil(part_size_for(huge, 8 * MIB)) <= MAX_PARTS);
    }

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
}
