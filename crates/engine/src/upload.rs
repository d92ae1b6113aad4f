//! Uploads: one file, or every file under a folder.
//!
//! Memory is bounded by `parts_in_flight × part_size` per file, whatever the file size: small files
//! are read whole (below the multipart threshold), large ones a part at a time. Reading each part
//! into memory before sending it lets every request carry a Content-MD5 the server verifies, and
//! lets the engine notice a file that changes under it: it is compared with its first `stat` after
//! the last byte is read, and a changed file is never completed. Any failure or cancellation after
//! CreateMultipartUpload aborts the upload so no parts are left behind.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use base64::Engine as _;
use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use md5::{Digest, Md5};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::bucket::Bucket;
use crate::error::{Error, ErrorKind, Result};
use crate::key::{ObjectKey, Prefix};

const MIB: u64 = 1024 * 1024;
/// S3 allows at most this many parts in one multipart upload.
const MAX_PARTS: u64 = 10_000;

/// How uploads are split and how much runs at once.
#[derive(Clone, Debug)]
pub struct UploadOptions {
    /// Files of at least this size are sent in parts.
    pub multipart_threshold: u64,
    /// Size of each part (raised automatically so a file needs at most 10,000 parts).
    pub part_size: u64,
    /// Parts of one file sent at the same time.
    pub parts_in_flight: usize,
    /// Files of a folder sent at the same time.
    pub files_in_flight: usize,
}

impl Default for UploadOptions {
    fn default() -> Self {
        Self { multipart_threshold: 16 * MIB, part_size: 8 * MIB, parts_in_flight: 4, files_in_flight: 8 }
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
}

/// A stored object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Uploaded {
    pub key: ObjectKey,
    pub size: u64,
    pub etag: String,
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
struct Tracker<'a> {
    bytes_done: AtomicU64,
    files_done: AtomicU64,
    bytes_total: u64,
    files_total: u64,
    report: &'a (dyn Fn(Progress) + Sync),
}

impl Tracker<'_> {
    fn add(&self, bytes: u64, files: u64) {
        let bytes_done = self.bytes_done.fetch_add(bytes, Ordering::Relaxed) + bytes;
        let files_done = self.files_done.fetch_add(files, Ordering::Relaxed) + files;
        (self.report)(Progress {
            bytes_done,
            bytes_total: self.bytes_total,
            files_done,
            files_total: self.files_total,
        });
    }
}

/// What the engine saw of a local file before reading it; compared again after.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Snapshot {
    pub(crate) size: u64,
    modified: SystemTime,
}

impl Snapshot {
    async fn take(path: &Path) -> Result<Self> {
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
    fn mtime_metadata(&self) -> String {
        let since = self.modified.duration_since(UNIX_EPOCH).unwrap_or_default();
        format!("{}.{:09}", since.as_secs(), since.subsec_nanos())
    }
}

/// The Content-Type for a file name; office formats included.
pub fn content_type(path: &Path) -> String {
    mime_guess::from_path(path).first_or_octet_stream().essence_str().to_owned()
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
        let tracker = Tracker {
            bytes_done: AtomicU64::new(0),
            files_done: AtomicU64::new(0),
            bytes_total: snapshot.size,
            files_total: 1,
            report: progress,
        };
        let uploaded = self.upload_snapshot(path, snapshot, key, options, &tracker, cancel).await?;
        tracker.add(0, 1);
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
        let name = folder_name(folder)?;
        let base = dest.child(&name)?;
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
        let tracker = Tracker {
            bytes_done: AtomicU64::new(0),
            files_done: AtomicU64::new(0),
            bytes_total,
            files_total: jobs.len() as u64,
            report: progress,
        };
        tracker.add(0, 0);
        let tracker = &tracker;
        let mut results = futures::stream::iter(jobs)
            .map(|(path, key, snapshot)| async move {
                let result = self.upload_snapshot(&path, snapshot, &key, options, tracker, cancel).await;
                if result.is_ok() {
                    tracker.add(0, 1);
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

    async fn upload_snapshot(
        &self,
        path: &Path,
        snapshot: Snapshot,
        key: &ObjectKey,
        options: &UploadOptions,
        tracker: &Tracker<'_>,
        cancel: &CancellationToken,
    ) -> Result<Uploaded> {
        let full_key = self.full_key(key)?;
        if snapshot.size < options.multipart_threshold.max(1) {
            let body = until_cancelled(cancel, read_range(path, 0, snapshot.size)).await?;
            snapshot.ensure_unchanged(path).await?;
            let request = self
                .client
                .put_object()
                .bucket(&self.conn.bucket)
                .key(&full_key)
                .content_md5(md5_base64(&body))
                .content_type(content_type(path))
                .metadata("mtime", snapshot.mtime_metadata())
                .body(ByteStream::from(body))
                .send();
            let output =
                until_cancelled(cancel, async { request.await.map_err(|e| self.ctx(Some(key.as_str())).sdk(e)) })
                    .await?;
            tracker.add(snapshot.size, 0);
            return Ok(Uploaded { key: key.clone(), size: snapshot.size, etag: output.e_tag.unwrap_or_default() });
        }

        let ctx = self.ctx(Some(key.as_str()));
        let created = until_cancelled(cancel, async {
            self.client
                .create_multipart_upload()
                .bucket(&self.conn.bucket)
                .key(&full_key)
                .content_type(content_type(path))
                .metadata("mtime", snapshot.mtime_metadata())
                .send()
                .await
                .map_err(|e| ctx.sdk(e))
        })
        .await?;
        let upload_id = created.upload_id.ok_or_else(|| {
            Error::new(ErrorKind::Server, "The server started a multipart upload without an upload ID.")
        })?;

        let result = until_cancelled(
            cancel,
            self.send_parts_and_complete(path, snapshot, &full_key, key, &upload_id, options, tracker),
        )
        .await;
        if result.is_err() {
            // Best effort: if the abort fails too, the first error is the one worth reporting.
            let _ = self
                .client
                .abort_multipart_upload()
                .bucket(&self.conn.bucket)
                .key(&full_key)
                .upload_id(&upload_id)
                .send()
                .await;
        }
        result
    }

    #[allow(clippy::too_many_arguments)]
    async fn send_parts_and_complete(
        &self,
        path: &Path,
        snapshot: Snapshot,
        full_key: &str,
        key: &ObjectKey,
        upload_id: &str,
        options: &UploadOptions,
        tracker: &Tracker<'_>,
    ) -> Result<Uploaded> {
        let part_size = part_size_for(snapshot.size, options.part_size);
        let count = snapshot.size.div_ceil(part_size);
        let ctx = self.ctx(Some(key.as_str()));
        let mut parts: Vec<CompletedPart> = futures::stream::iter(0..count)
            .map(|index| async move {
                let offset = index * part_size;
                let len = part_size.min(snapshot.size - offset);
                let body = read_range(path, offset, len).await?;
                let number = i32::try_from(index + 1).expect("at most 10,000 parts");
                let output = self
                    .client
                    .upload_part()
                    .bucket(&self.conn.bucket)
                    .key(full_key)
                    .upload_id(upload_id)
                    .part_number(number)
                    .content_md5(md5_base64(&body))
                    .body(ByteStream::from(body))
                    .send()
                    .await
                    .map_err(|e| ctx.sdk(e))?;
                tracker.add(len, 0);
                Ok::<_, Error>(CompletedPart::builder().part_number(number).set_e_tag(output.e_tag).build())
            })
            .buffer_unordered(options.parts_in_flight.max(1))
            .try_collect()
            .await?;
        snapshot.ensure_unchanged(path).await?;
        parts.sort_by_key(|p| p.part_number);
        let output = self
            .client
            .complete_multipart_upload()
            .bucket(&self.conn.bucket)
            .key(full_key)
            .upload_id(upload_id)
            .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts)).build())
            .send()
            .await
            .map_err(|e| ctx.sdk(e))?;
        Ok(Uploaded { key: key.clone(), size: snapshot.size, etag: output.e_tag.unwrap_or_default() })
    }
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

fn md5_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Md5::digest(bytes))
}

/// Reads exactly `len` bytes at `offset`; a file that got shorter is reported as changed.
async fn read_range(path: &Path, offset: u64, len: u64) -> Result<Bytes> {
    let path = Arc::new(path.to_owned());
    let shown = Arc::clone(&path);
    tokio::task::spawn_blocking(move || {
        use std::io::{Read, Seek, SeekFrom};
        let mut file = std::fs::File::open(&*path)?;
        file.seek(SeekFrom::Start(offset))?;
        let mut buf = vec![0; usize::try_from(len).expect("parts fit in memory")];
        file.read_exact(&mut buf)?;
        Ok(Bytes::from(buf))
    })
    .await
    .expect("reading does not panic")
    .map_err(|e: std::io::Error| Error::local_io(&shown, &e))
}

fn folder_name(folder: &Path) -> Result<String> {
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
