//! Facts about one object.

use serde::Serialize;

use crate::bucket::Bucket;
use crate::error::Result;
use crate::key::ObjectKey;

/// What the server knows about one object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ObjectInfo {
    /// The key asked about.
    #[ts(type = "string")]
    pub key: ObjectKey,
    /// Its size in bytes.
    pub size: u64,
    /// The stored Content-Type.
    pub content_type: Option<String>,
    /// The ETag, quoted as the server sends it.
    pub etag: String,
    /// When it was stored, in milliseconds since the epoch.
    pub last_modified_ms: Option<i64>,
    /// The local file's modification time when it was uploaded (`x-amz-meta-mtime`), in
    /// milliseconds since the epoch.
    pub file_modified_ms: Option<i64>,
    /// Who uploaded it, where Coffer (or anyone setting `x-amz-meta-uploaded-by`) recorded it.
    pub uploaded_by: Option<String>,
    /// A checksum of the whole content, where the server has one: `CRC32C …` (and the other
    /// S3 checksums), or `MD5 …` from an ETag that is one (a single-part upload).
    pub checksum: Option<String>,
}

impl Bucket {
    /// The object's size, type and times; `NotFound` if there is none.
    pub async fn stat(&self, key: &ObjectKey) -> Result<ObjectInfo> {
        let full = self.full_key(key)?;
        let head = self
            .client
            .head_object()
            .bucket(&self.conn.bucket)
            .key(full)
            // Servers return the stored checksum only when asked; those that keep none ignore it.
            .checksum_mode(aws_sdk_s3::types::ChecksumMode::Enabled)
            .send()
            .await
            .map_err(|e| self.ctx(Some(key.as_str())).sdk(e))?;
        let file_modified_ms = head
            .metadata
            .as_ref()
            .and_then(|m| m.get("mtime"))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite())
            .map(|s| (s * 1000.0) as i64);
        let uploaded_by = head
            .metadata
            .as_ref()
            .and_then(|m| m.get(crate::uploader::UPLOADED_BY))
            .map(|v| crate::uploader::decode(v))
            .filter(|v| !v.is_empty());
        let named = [
            ("CRC64NVME", &head.checksum_crc64_nvme),
            ("CRC32C", &head.checksum_crc32_c),
            ("CRC32", &head.checksum_crc32),
            ("SHA256", &head.checksum_sha256),
            ("SHA1", &head.checksum_sha1),
        ];
        let etag = head.e_tag.unwrap_or_default();
        // Under SSE-KMS an ETag is not the content's MD5, even when it looks like one.
        let kms = head.server_side_encryption.as_ref().is_some_and(|s| s.as_str().starts_with("aws:kms"));
        let md5 = Some(etag.trim_matches('"'))
            .filter(|e| !kms && e.len() == 32 && e.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(|e| format!("MD5 {e}"));
        // A multipart upload's checksum is of its parts' checksums ("…-3"): said so, not passed off
        // as the whole content's.
        let current = |v: &&String| crate::checksum::is_current(v, Some(&etag), head.checksum_type.as_ref());
        let checksum = named
            .iter()
            .find_map(|(name, value)| {
                value.as_ref().filter(current).map(|v| match v.split_once('-') {
                    Some((sum, parts)) => format!("{name} {sum} (of {parts} parts' checksums)"),
                    None => format!("{name} {v}"),
                })
            })
            .or(md5);
        Ok(ObjectInfo {
            key: key.clone(),
            size: head.content_length.unwrap_or(0).max(0) as u64,
            content_type: head.content_type,
            checksum,
            etag,
            last_modified_ms: head.last_modified.and_then(|t| t.to_millis().ok()),
            file_modified_ms,
            uploaded_by,
        })
    }
}

/// Who uploaded one document, for the dashboard's "Added by" column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Uploader {
    /// The key asked about.
    pub key: String,
    /// The recorded uploader; `None` where nobody was recorded or the document is gone.
    pub uploaded_by: Option<String>,
}

/// HEAD requests in flight at once for [`Bucket::uploaders`].
const HEADS_IN_FLIGHT: usize = 8;

impl Bucket {
    /// Who uploaded each of `keys`. Listings carry no metadata, so this asks for each document
    /// (a few at a time); the page asks only for the rows it shows.
    pub async fn uploaders(&self, keys: Vec<ObjectKey>) -> Vec<Uploader> {
        use futures::StreamExt;
        futures::stream::iter(keys)
            .map(|key| {
                let bucket = self.clone();
                async move {
                    let uploaded_by = bucket.stat(&key).await.ok().and_then(|info| info.uploaded_by);
                    Uploader { key: String::from(key), uploaded_by }
                }
            })
            .buffered(HEADS_IN_FLIGHT)
            .collect()
            .await
    }
}
