//! Downloading an object to a local file.
//!
//! The object is fetched in ranges, several at once, into a temporary file in the target folder,
//! which is renamed over the target only when complete, so a failed or cancelled download never
//! leaves a partial document behind.
//! When the local name comes from a key, [`safe_path`] guarantees it stays inside the folder the
//! user chose, whatever the key says.
//!
//! Every download is checked against a checksum the server stored, computed while the bytes
//! arrive: the object's CRC32C where the server keeps one (Coffer's own uploads, on servers that
//! verify it), otherwise its ETag where that is an MD5. CRC32C comes first because the processor
//! computes it: MD5 of a gigabyte costs two seconds of CPU, CRC32C a few hundredths.
//! A checksum of the whole object is checked from the ranges' CRC32Cs, combined, or for MD5 by
//! hashing the file once more; a checksum of a multipart object's parts needs the part size,
//! which a `HEAD` of part 1 tells, and ranges are then cut on part boundaries.

use std::path::{Component, Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use tokio_util::sync::CancellationToken;

use aws_sdk_s3::operation::head_object::HeadObjectOutput;
use aws_sdk_s3::types::{ChecksumMode, ServerSideEncryption};
use md5::{Digest, Md5};

use crate::bucket::Bucket;
use crate::checksum::{Checksum, b64, composite, hex, is_current, looks_like_md5, md5_file, unquote};
use crate::error::{Error, Result};
use crate::key::ObjectKey;
use crate::retry::{Retry, until_cancelled};
use crate::upload::Progress;

/// Objects are fetched in ranges of this size, several at once.
pub(crate) const RANGE: u64 = 64 * 1024 * 1024;
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
                return Err(Error::download_outside(relative_key));
            }
        }
    }
    if !pushed {
        return Err(Error::download_no_file_name(relative_key));
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
    /// The checksum the server keeps that proved the bytes to be the stored ones (its CRC32C, or
    /// the ETag's MD5); `None` when the object has none that can be recomputed here (encrypted with
    /// KMS and no CRC32C, or uploaded in parts of unknown size).
    pub checked_with: Option<Checksum>,
}

/// How a download proves it received what the server stored.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Proof {
    checksum: Checksum,
    /// The stored value, as the checksum is written: base64 for CRC32C, hex for MD5, with `-N`
    /// when it is a checksum of N parts' checksums.
    stored: String,
    /// The part size (every part but the last) when `stored` is of the parts' checksums.
    part_size: Option<u64>,
}

/// One range's running checksum.
enum Hasher {
    Crc32c(u32),
    Md5(Box<Md5>),
}

impl Hasher {
    fn new(checksum: Checksum) -> Self {
        match checksum {
            Checksum::Crc32c => Self::Crc32c(0),
            Checksum::Md5 => Self::Md5(Box::default()),
        }
    }

    fn update(&mut self, bytes: &[u8]) {
        match self {
            Self::Crc32c(crc) => *crc = crc32c::crc32c_append(*crc, bytes),
            Self::Md5(md5) => md5.update(bytes),
        }
    }

    /// The raw digest: the CRC's four bytes, big-endian as S3 writes them, or the MD5's sixteen.
    fn finish(self) -> Vec<u8> {
        match self {
            Self::Crc32c(crc) => crc.to_be_bytes().to_vec(),
            Self::Md5(md5) => md5.finalize().to_vec(),
        }
    }
}

/// A range's digest: which range, how many bytes, and the raw digest.
type RangeDigest = (u64, u64, Vec<u8>);

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
            return Err(Error::download_target_is_folder(target.display()));
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
                // Servers return the stored CRC32C only when asked; the others ignore the header.
                let request =
                    self.client.head_object().bucket(&self.conn.bucket).key(&full).checksum_mode(ChecksumMode::Enabled);
                async move { request.send().await.map_err(|e| ctx.sdk(e)) }
            })
            .await?;
        total.store(u64::try_from(head.content_length.unwrap_or(0)).unwrap_or(0), Ordering::Relaxed);
        let total = total.load(Ordering::Relaxed);
        let mtime = head.metadata.as_ref().and_then(|m| m.get("mtime")).and_then(|v| parse_mtime(v));
        let etag = head.e_tag.clone();
        let proof = self.proof(&full, &head, total).await;
        let range = proof.as_ref().and_then(|p| p.part_size).unwrap_or(RANGE);

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
        let ranges = total.div_ceil(range).max(1);
        let checksum = proof.as_ref().map(|p| p.checksum);
        let fetch = futures::stream::iter(0..ranges)
            .map(|i| {
                let (file, report, etag) = (Arc::clone(&file), &report, etag.as_deref());
                let (start, end) = (i * range, ((i + 1) * range).min(total));
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
                    let mut hasher = checksum.map(Hasher::new);
                    loop {
                        let chunk = body.try_next().await.map_err(|_| Error::download_interrupted(key))?;
                        let last = chunk.is_none();
                        if let Some(chunk) = chunk {
                            if let Some(hasher) = &mut hasher {
                                hasher.update(&chunk);
                            }
                            pending += chunk.len();
                            chunks.push(chunk);
                        }
                        if pending >= WRITE_BATCH || (last && pending > 0) {
                            let len = pending as u64;
                            if offset + len > end {
                                return Err(Error::server_sent_too_much(key));
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
                        return Err(Error::download_stopped(key, offset - start, total));
                    }
                    Ok::<_, Error>(hasher.map(|h| (i, end - start, h.finish())))
                }
            })
            .buffer_unordered(RANGES_IN_FLIGHT)
            .try_collect::<Vec<_>>();
        let mut digests: Vec<RangeDigest> = until_cancelled(cancel, fetch).await?.into_iter().flatten().collect();
        digests.sort_unstable_by_key(|(i, ..)| *i);
        if let Some(proof) = &proof {
            let computed = match (proof.checksum, proof.part_size) {
                (_, Some(_)) => {
                    let parts: Vec<String> = digests.iter().map(|(.., d)| b64(d)).collect();
                    composite(proof.checksum, &parts.iter().map(String::as_str).collect::<Vec<_>>())
                }
                (Checksum::Crc32c, None) => {
                    let combined = digests.iter().fold(None, |whole: Option<u32>, (_, len, d)| {
                        let crc = u32::from_be_bytes(d[..4].try_into().expect("a CRC32C is four bytes"));
                        let len = usize::try_from(*len).expect("a range fits in memory's address space");
                        Some(whole.map_or(crc, |w| crc32c::crc32c_combine(w, crc, len)))
                    });
                    Some(b64(&combined.unwrap_or(0).to_be_bytes()))
                }
                (Checksum::Md5, None) if digests.len() == 1 => Some(hex(&digests[0].2)),
                // Ranges of a single-part object hash separately, and MD5s do not combine: the whole
                // is hashed once more.
                (Checksum::Md5, None) => {
                    let path = temp.path().to_owned();
                    let hashed =
                        tokio::task::spawn_blocking(move || md5_file(&path)).await.expect("hashing does not panic");
                    Some(hashed.map_err(|e| Error::local_io(temp.path(), &e))?)
                }
            };
            if computed.as_deref() != Some(proof.stored.as_str()) {
                return Err(Error::download_corrupt(key));
            }
        }
        // No fsync: the object is still on the server, so a power cut can cost a download but
        // never a document, and forcing a gigabyte to disk would double the wait.
        drop(file);
        if let Some(mtime) = mtime {
            // Keeping the original modification time is a courtesy; failing to is not an error.
            let _ = temp.as_file().set_modified(mtime);
        }
        temp.persist(target).map_err(|e| Error::local_io(target, &e.error))?;
        send_progress(1);
        Ok(Downloaded {
            size: done.load(Ordering::Relaxed),
            etag: etag.unwrap_or_default(),
            checked_with: proof.map(|p| p.checksum),
        })
    }

    /// The checksum the download is checked against, if the object has one that can be
    /// recomputed here: its CRC32C, else its ETag where that is an MD5 (not under KMS, where it is
    /// no hash of the content). A checksum of parts (`…-N`) needs the part size, which a `HEAD` of
    /// part 1 tells on servers that support it; the other parts are assumed to be that size (but
    /// the last), as every common client makes them, and the sizes must add up.
    async fn proof(&self, full: &str, head: &HeadObjectOutput, total: u64) -> Option<Proof> {
        let encrypted = head.sse_customer_algorithm.is_some()
            || matches!(
                head.server_side_encryption,
                Some(ServerSideEncryption::AwsKms | ServerSideEncryption::AwsKmsDsse)
            );
        let md5 = || head.e_tag.as_deref().filter(|e| !encrypted && looks_like_md5(e)).map(unquote);
        let crc = head.checksum_crc32_c.as_deref();
        let (checksum, stored) = match crc.filter(|c| is_current(c, head.e_tag.as_deref(), head.checksum_type.as_ref()))
        {
            Some(crc) => (Checksum::Crc32c, crc),
            None => (Checksum::Md5, md5()?),
        };
        let Some((_, count)) = stored.split_once('-') else {
            return Some(Proof { checksum, stored: stored.to_owned(), part_size: None });
        };
        let count = count.parse::<u64>().ok()?;
        let first = self.client.head_object().bucket(&self.conn.bucket).key(full).part_number(1).send().await;
        let size = first.ok().and_then(|h| h.content_length).and_then(|l| u64::try_from(l).ok()).unwrap_or(0);
        let fits = size > 0 && count > 0 && (count - 1) * size < total.max(1) && total <= count * size;
        fits.then(|| Proof { checksum, stored: stored.to_owned(), part_size: Some(size) })
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
