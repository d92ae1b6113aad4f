//! Multipart uploads: created (or resumed from the journal), parts sent several at a time, completed,
//! and the stored object checked against what was read from disk.
//!
//! The one design decision that matters: **a multipart upload is resumed only from what the server
//! confirms.** The journal records the UploadId before the first part and each part as it is
//! acknowledged; on resume, ListParts on that UploadId (which needs no bucket-wide permission)
//! says which recorded parts the server still has, and only the rest are sent. A cancelled or
//! failed upload is aborted, so nothing half-done is left on the server.

use std::collections::{HashMap, HashSet};

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, ChecksumMode, CompletedMultipartUpload, CompletedPart};
use futures::{StreamExt, TryStreamExt};
use tokio_util::sync::CancellationToken;

use crate::bucket::Bucket;
use crate::checksum::{Checksum, composite, looks_like_md5, unquote};
use crate::conditional::Precondition;
use crate::error::{Error, ErrorKind, Result};
use crate::journal::RecordedPart;
use crate::retry::until_cancelled;
use crate::upload::{FileJob, MIB, Run, Uploaded, content_type, mismatch, read_body};

/// S3 allows at most this many parts in one multipart upload.
const MAX_PARTS: u64 = 10_000;

/// A multipart upload in progress on the server.
pub(crate) struct MultipartUpload {
    pub(crate) upload_id: String,
    /// What each part's body is verified with.
    pub(crate) checksum: Checksum,
    pub(crate) part_size: u64,
    /// Parts already stored (from an earlier run), which are not sent again.
    pub(crate) kept: Vec<RecordedPart>,
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
    /// Sends a file as a multipart upload, continuing the one the journal recorded if the server
    /// still has it. Cancelled or failed uploads are aborted.
    pub(crate) async fn multipart(
        &self,
        job: &FileJob<'_>,
        full_key: &str,
        cancel: &CancellationToken,
    ) -> Result<Uploaded> {
        let upload = match self.resume(job, full_key, cancel).await? {
            Some(upload) => upload,
            None => self.create(job, full_key, cancel).await?,
        };
        let upload_id = upload.upload_id.clone();
        let result = until_cancelled(cancel, self.send_and_complete(job, full_key, upload, cancel)).await;
        if result.is_err() {
            // Best effort: if the abort fails too, the first error is the one worth reporting.
            self.bucket.abort_upload(full_key, &upload_id).await;
            // The next attempt starts a fresh upload; the aborted one cannot be continued.
            job.journal.restart(job.entry.id, job.snapshot.size, job.snapshot.modified)?;
        }
        result
    }

    /// The upload the journal recorded for this file, with the parts the server still has; `None`
    /// if there is none to continue (never started, expired, or aborted).
    async fn resume(
        &self,
        job: &FileJob<'_>,
        full_key: &str,
        cancel: &CancellationToken,
    ) -> Result<Option<MultipartUpload>> {
        let entry = job.entry;
        let (Some(upload_id), Some(part_size), Some(checksum)) = (&entry.upload_id, entry.part_size, entry.checksum)
        else {
            return Ok(None);
        };
        let bucket = self.bucket;
        let ctx = bucket.ctx(Some(job.key().as_str()));
        let waiting = |w| self.events.waiting(entry.id, w);
        let retry = self.retry(cancel, &waiting);
        let mut on_server = HashMap::new();
        let mut marker: Option<String> = None;
        loop {
            let page = retry
                .send(|| {
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
                    job.journal.restart(entry.id, job.snapshot.size, job.snapshot.modified)?;
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
        let kept = job
            .journal
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
        Ok(Some(MultipartUpload { upload_id: upload_id.clone(), checksum, part_size, kept }))
    }

    /// Starts a new upload and records it in the journal before any part is sent. If the record
    /// cannot be written, the upload is aborted at once: an upload the journal does not know of
    /// could never be resumed or cleaned up.
    async fn create(&self, job: &FileJob<'_>, full_key: &str, cancel: &CancellationToken) -> Result<MultipartUpload> {
        let bucket = self.bucket;
        let ctx = bucket.ctx(Some(job.key().as_str()));
        let waiting = |w| self.events.waiting(job.entry.id, w);
        let retry = self.retry(cancel, &waiting);
        // An upload declares its checksum when it is created. A server that takes CRC32C says so in
        // its answer (x-amz-checksum-algorithm); one that does not gets MD5 instead.
        let known = bucket.integrity.get();
        let create = |algorithm: Option<ChecksumAlgorithm>| {
            retry.send_whole(move || {
                let request = bucket
                    .client
                    .create_multipart_upload()
                    .bucket(&bucket.conn.bucket)
                    .key(full_key)
                    .content_type(content_type(job.path()))
                    .metadata("mtime", job.snapshot.mtime_metadata())
                    .metadata(crate::uploader::UPLOADED_BY, crate::uploader::encode(self.uploaded_by))
                    .set_checksum_algorithm(algorithm.clone());
                async move { request.send().await.map_err(|e| ctx.sdk(e)) }
            })
        };
        let asked = (known != Some(Checksum::Md5)).then_some(ChecksumAlgorithm::Crc32C);
        let created = match create(asked.clone()).await {
            // A server that rejects the header outright is an MD5 server.
            Err(e) if known.is_none() && e.kind() == ErrorKind::InvalidInput => {
                bucket.integrity.settle(Checksum::Md5);
                create(None).await?
            }
            other => other?,
        };
        let checksum = if asked.is_some() && created.checksum_algorithm == Some(ChecksumAlgorithm::Crc32C) {
            Checksum::Crc32c
        } else {
            Checksum::Md5
        };
        if known.is_none() {
            bucket.integrity.settle(checksum);
        }
        let upload_id = created.upload_id.ok_or_else(Error::no_upload_id)?;
        let part_size = part_size_for(job.snapshot.size, self.options.part_size);
        // Cancelled while the server was creating it: the upload exists, so it is aborted now
        // rather than left behind.
        let recorded = if cancel.is_cancelled() {
            Err(Error::cancelled())
        } else {
            job.journal.set_upload(job.entry.id, &upload_id, part_size, checksum)
        };
        if let Err(e) = recorded {
            bucket.abort_upload(full_key, &upload_id).await;
            return Err(e);
        }
        Ok(MultipartUpload { upload_id, checksum, part_size, kept: Vec::new() })
    }

    async fn send_and_complete(
        &self,
        job: &FileJob<'_>,
        full_key: &str,
        upload: MultipartUpload,
        cancel: &CancellationToken,
    ) -> Result<Uploaded> {
        let bucket = self.bucket;
        let id = job.entry.id;
        let size = job.snapshot.size;
        let MultipartUpload { upload_id, checksum, part_size, kept } = upload;
        let count = size.div_ceil(part_size);
        let ctx = bucket.ctx(Some(job.key().as_str()));
        let waiting = |w| self.events.waiting(id, w);
        let retry = self.retry(cancel, &waiting);
        let parts_resumed = kept.len() as u64;
        self.events.bytes(id, kept.iter().map(|p| p.size).sum());
        let have: HashSet<i32> = kept.iter().map(|p| p.number).collect();
        let missing = (1..=count).map(part_number).filter(|n| !have.contains(n));
        let (upload_id, retry) = (&upload_id, &retry);
        let sent: Vec<RecordedPart> = futures::stream::iter(missing)
            .map(|number| async move {
                let offset = (number as u64 - 1) * part_size;
                let len = part_size.min(size - offset);
                let _memory = self.limits.reserve(len).await;
                let learning = bucket.integrity.get().is_none();
                let body = read_body(job.path(), offset, len, checksum == Checksum::Md5).await?;
                let output = retry
                    .send(|| {
                        let mut request = bucket
                            .client
                            .upload_part()
                            .bucket(&bucket.conn.bucket)
                            .key(full_key)
                            .upload_id(upload_id)
                            .part_number(number)
                            .set_content_md5(body.md5_base64())
                            .body(ByteStream::from(body.bytes.clone()));
                        if checksum == Checksum::Crc32c || learning {
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
                let part = RecordedPart {
                    number,
                    size: len,
                    etag: output.e_tag.unwrap_or_default(),
                    checksum: body.digest(checksum),
                };
                job.journal.record_part(id, &part)?;
                self.events.bytes(id, len);
                Ok::<_, Error>(part)
            })
            .buffer_unordered(self.limits.parts_in_flight)
            .try_collect()
            .await?;
        job.snapshot.ensure_unchanged(job.path()).await?;
        let precondition = job.precondition(bucket, self.uploaded_by, retry).await?;

        let mut parts = kept;
        parts.extend(sent);
        parts.sort_by_key(|p| p.number);
        let completed: Vec<CompletedPart> = parts
            .iter()
            .map(|p| {
                CompletedPart::builder()
                    .part_number(p.number)
                    .e_tag(&p.etag)
                    .set_checksum_crc32_c((checksum == Checksum::Crc32c).then(|| p.checksum.clone()))
                    .build()
            })
            .collect();
        let output = retry
            .send(|| {
                let mut request = bucket
                    .client
                    .complete_multipart_upload()
                    .bucket(&bucket.conn.bucket)
                    .key(full_key)
                    .upload_id(upload_id)
                    .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(completed.clone())).build());
                match &precondition {
                    Some(Precondition::Absent) => request = request.if_none_match("*"),
                    Some(Precondition::Etag(etag)) => request = request.if_match(etag),
                    None => {}
                }
                async move { request.send().await.map_err(|e| ctx.sdk(e)) }
            })
            .await;
        let etag = match output {
            Ok(output) => output.e_tag.unwrap_or_default(),
            // A retried completion can find its own first try, whose answer was lost.
            Err(e) if e.kind() == ErrorKind::AlreadyExists && precondition.is_some() => {
                retry.send(|| job.stored_by_an_earlier_attempt(bucket)).await?.ok_or(e)?
            }
            Err(e) => return Err(e),
        };
        self.verify(job, full_key, &parts, checksum, &etag, retry).await?;
        Ok(Uploaded { key: job.key().clone(), size, etag, parts_resumed, restarted: false })
    }

    /// Checks the completed object against what was read from disk: its size, and its composite
    /// CRC32C or its multipart ETag (the MD5 of the parts' MD5s), whichever the server keeps.
    async fn verify(
        &self,
        job: &FileJob<'_>,
        full_key: &str,
        parts: &[RecordedPart],
        checksum: Checksum,
        etag: &str,
        retry: &crate::retry::Retry<'_>,
    ) -> Result<()> {
        let bucket = self.bucket;
        let ctx = bucket.ctx(Some(job.key().as_str()));
        let head = retry
            .send(|| {
                let request = bucket
                    .client
                    .head_object()
                    .bucket(&bucket.conn.bucket)
                    .key(full_key)
                    .checksum_mode(ChecksumMode::Enabled);
                async move { request.send().await.map_err(|e| ctx.sdk(e)) }
            })
            .await?;
        if u64::try_from(head.content_length.unwrap_or(-1)).ok() != Some(job.snapshot.size) {
            return Err(mismatch(job));
        }
        let digests: Vec<&str> = parts.iter().map(|p| p.checksum.as_str()).collect();
        let want = composite(checksum, &digests).ok_or_else(|| mismatch(job))?;
        let matches = match checksum {
            Checksum::Crc32c => head.checksum_crc32_c.as_deref().is_none_or(|got| got == want),
            Checksum::Md5 => !looks_like_md5(etag) || unquote(etag) == want,
        };
        if matches { Ok(()) } else { Err(mismatch(job)) }
    }
}

fn part_number(n: u64) -> i32 {
    i32::try_from(n).expect("at most 10,000 parts")
}

/// The part size for a file: as wanted, but at least 5 MiB (the S3 minimum) and large enough that
/// the file needs at most 10,000 parts, in whole MiB.
pub(crate) fn part_size_for(size: u64, wanted: u64) -> u64 {
    let least = size.div_ceil(MAX_PARTS);
    wanted.max(least).max(5 * MIB).div_ceil(MIB).saturating_mul(MIB)
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
        assert!(part_size_for(u64::MAX, u64::MAX) > 0, "no overflow");
    }
}
