//! Downloading an object to a local file.
//!
//! The object is fetched in ranges, several at once, into a temporary file in the target folder,
//! which is renamed over the target only when complete, so a failed or cancelled download never
//! leaves a partial document behind.
//! When the local name comes from a key, [`safe_path`] guarantees it stays inside the folder the
//! user chose, whatever the key says.

use std::path::{Component, Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use tokio_util::sync::CancellationToken;

use crate::bucket::Bucket;
use crate::error::{Error, ErrorKind, Result};
use crate::key::ObjectKey;
use crate::retry::{Retry, until_cancelled};
use crate::upload::Progress;

/// Objects are fetched in ranges of this size, several at once.
const RANGE: u64 = 64 * 1024 * 1024;
const RANGES_IN_FLIGHT: usize = 6;
/// Bytes gathered from the network before each write to disk: small enough to still be in the
/// CPU's cache when written (4 MiB made the kernel's copy to the page cache twice as slow), big
/// enough that the writes' own cost stays small.
const WRITE_BATCH: usize = 256 * 1024;
/// How long a download's requests are retried while the server is unreachable or busy.
const RETRY_FOR: Duration = Duration::from_secs(2 * 60);

/// The local path for `relative_key` inside `folder`; never outside it.
///
/// Leading `/`, empty and `.` segments are dropped; a `..` segment is refused.
///
/// ```
/// use std::path::Path;
/// use coffer_engine::safe_path;
/// let dir = Path::new("/home/ana/Downloads");
/// assert_eq!(safe_path(dir, "a/b.pdf").unwrap(), dir.join("a").join("b.pdf"));
/// assert_eq!(safe_path(dir, "/etc/x").unwrap(), dir.join("etc").join("x"));
/// assert!(safe_path(dir, "../../x").is_err());
/// assert!(safe_path(dir, "a/../../b").is_err());
/// assert!(safe_path(dir, "").is_err());
/// ```
pub fn safe_path(folder: &Path, relative_key: &str) -> Result<PathBuf> {
    let mut path = folder.to_owned();
    let mut pushed = false;
    for segment in relative_key.split('/') {
        // Each segment must be one plain file name on this OS too (no `\`, drive letters, NULs).
        let mut components = Path::new(segment).components();
        match (components.next(), components.next()) {
            (None, _) | (Some(Component::CurDir), None) => {}
            (Some(Component::Normal(name)), None) if !segment.contains('\0') => {
                path.push(name);
                pushed = true;
            }
            _ => {
                return Err(Error::invalid(format!(
                    "The key '{relative_key}' would be saved outside the chosen folder; it was not downloaded."
                )));
            }
        }
    }
    if !pushed {
        return Err(Error::invalid(format!("The key '{relative_key}' has no file name to save under.")));
    }
    Ok(path)
}

/// What a download stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Downloaded {
    /// Bytes written.
    pub size: u64,
    /// The version downloaded (its ETag, quoted as the server sends it; empty if it sent none).
    pub etag: String,
}

impl Bucket {
    /// Downloads `key` to the file `target`, replacing it. Parent folders are created.
    pub async fn download(
        &self,
        key: &ObjectKey,
        target: &Path,
        progress: &(dyn Fn(Progress) + Sync),
        cancel: &CancellationToken,
    ) -> Result<Downloaded> {
        if target.is_dir() {
            return Err(Error::invalid(format!("'{}' is a folder; choose a file name to save to.", target.display())));
        }
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        tokio::fs::create_dir_all(&dir).await.map_err(|e| Error::local_io(&dir, &e))?;
        let full = self.full_key(key)?;
        let ctx = self.ctx(Some(key.as_str()));
        let (done, retrying) = (AtomicU64::new(0), AtomicU64::new(0));
        let total = AtomicU64::new(0);
        let send_progress = |files_done| {
            progress(Progress {
                bytes_done: done.load(Ordering::Relaxed),
                bytes_total: total.load(Ordering::Relaxed),
                files_done,
                files_total: 1,
                retrying: retrying.load(Ordering::Relaxed),
                ..Progress::default()
            })
        };
        let waiting = |w: bool| {
            if w {
                retrying.fetch_add(1, Ordering::Relaxed);
            } else {
                retrying.fetch_sub(1, Ordering::Relaxed);
            }
            send_progress(0);
        };
        let retry = Retry { cancel, retry_for: RETRY_FOR, waiting: &waiting };
        let head = retry
            .send(|| {
                let request = self.client.head_object().bucket(&self.conn.bucket).key(&full);
                async move { request.send().await.map_err(|e| ctx.sdk(e)) }
            })
            .await?;
        total.store(u64::try_from(head.content_length.unwrap_or(0)).unwrap_or(0), Ordering::Relaxed);
        let total = total.load(Ordering::Relaxed);
        let mtime = head.metadata.as_ref().and_then(|m| m.get("mtime")).and_then(|v| parse_mtime(v));
        let etag = head.e_tag.clone();

        // Dropped (and removed) on every early return, so no partial file is left.
        let temp = tempfile::Builder::new()
            .prefix(".coffer-download-")
            .tempfile_in(&dir)
            .map_err(|e| Error::local_io(&dir, &e))?;
        let file = Arc::new(temp.reopen().map_err(|e| Error::local_io(temp.path(), &e))?);
        file.set_len(total).map_err(|e| Error::local_io(temp.path(), &e))?;
        let report = |bytes: u64| {
            done.fetch_add(bytes, Ordering::Relaxed);
            send_progress(0);
        };
        // Ranges of one object, several at a time, each written where it belongs; every range is
        // pinned to the ETag seen first, so an object replaced meanwhile fails instead of mixing.
        let ranges = total.div_ceil(RANGE).max(1);
        let fetch = futures::stream::iter(0..ranges)
            .map(|i| {
                let (file, report, etag) = (Arc::clone(&file), &report, etag.as_deref());
                let (start, end) = (i * RANGE, ((i + 1) * RANGE).min(total));
                let (full, ctx, temp_path, retry) = (&full, ctx, temp.path(), &retry);
                async move {
                    let output = retry
                        .send(|| {
                            let mut request = self
                                .client
                                .get_object()
                                .bucket(&self.conn.bucket)
                                .key(full)
                                .set_if_match(etag.map(str::to_owned));
                            if ranges > 1 {
                                request = request.range(format!("bytes={start}-{}", end - 1));
                            }
                            async move { request.send().await.map_err(|e| ctx.sdk(e)) }
                        })
                        .await?;
                    let mut body = output.body;
                    let mut offset = start;
                    // Chunks as hyper hands them over, written together in one `pwritev` once
                    // WRITE_BATCH bytes are in: no copy into a buffer of ours, and the bytes are
                    // still in the CPU's cache when the kernel copies them to the page cache.
                    let mut chunks: Vec<Bytes> = Vec::new();
                    let mut pending = 0;
                    loop {
                        let chunk = body.try_next().await.map_err(|_| {
                            Error::new(
                                ErrorKind::Unreachable,
                                format!("The download of '{key}' was interrupted; try again."),
                            )
                        })?;
                        let last = chunk.is_none();
                        if let Some(chunk) = chunk {
                            pending += chunk.len();
                            chunks.push(chunk);
                        }
                        if pending >= WRITE_BATCH || (last && pending > 0) {
                            let len = pending as u64;
                            if offset + len > end {
                                return Err(Error::new(
                                    ErrorKind::Server,
                                    format!("The server sent more of '{key}' than asked for."),
                                ));
                            }
                            crate::journal::blocking(|| write_all_at(&file, &chunks, offset))
                                .map_err(|e| Error::local_io(temp_path, &e))?;
                            chunks.clear();
                            pending = 0;
                            offset += len;
                            report(len);
                        }
                        if last {
                            break;
                        }
                    }
                    if offset != end {
                        return Err(Error::new(
                            ErrorKind::Unreachable,
                            format!(
                                "The download of '{key}' stopped after {} of {total} bytes; try again.",
                                offset - start
                            ),
                        ));
                    }
                    Ok::<_, Error>(())
                }
            })
            .buffer_unordered(RANGES_IN_FLIGHT)
            .try_collect::<()>();
        until_cancelled(cancel, fetch).await?;
        // No fsync: the object is still on the server, so a power cut can cost a download but
        // never a document, and forcing a gigabyte to disk would double the wait.
        drop(file);
        if let Some(mtime) = mtime {
            // Keeping the original modification time is a courtesy; failing to is not an error.
            let _ = temp.as_file().set_modified(mtime);
        }
        temp.persist(target).map_err(|e| Error::local_io(target, &e.error))?;
        send_progress(1);
        Ok(Downloaded { size: done.load(Ordering::Relaxed), etag: etag.unwrap_or_default() })
    }
}

/// Writes every byte of `chunks` at `offset`, one vectored write at a time.
#[cfg(unix)]
fn write_all_at(file: &std::fs::File, chunks: &[Bytes], mut offset: u64) -> std::io::Result<()> {
    let mut slices: Vec<std::io::IoSlice<'_>> = chunks.iter().map(|c| std::io::IoSlice::new(c)).collect();
    let mut slices = &mut slices[..];
    while !slices.is_empty() {
        let written = rustix::io::pwritev(file, slices, offset)?;
        if written == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        offset += written as u64;
        std::io::IoSlice::advance_slices(&mut slices, written);
    }
    Ok(())
}

#[cfg(windows)]
fn write_all_at(file: &std::fs::File, chunks: &[Bytes], mut offset: u64) -> std::io::Result<()> {
    for chunk in chunks {
        let mut bytes = &chunk[..];
        while !bytes.is_empty() {
            let n = std::os::windows::fs::FileExt::seek_write(file, bytes, offset)?;
            bytes = &bytes[n..];
            offset += n as u64;
        }
    }
    Ok(())
}

fn parse_mtime(value: &str) -> Option<std::time::SystemTime> {
    let seconds: f64 = value.trim().parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| UNIX_EPOCH + Duration::from_secs_f64(seconds))
}
