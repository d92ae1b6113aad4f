//! Facts about one object, and multipart uploads left unfinished in the bucket.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::bucket::Bucket;
use crate::error::Result;
use crate::key::{ObjectKey, Prefix};

/// What the server knows about one object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectInfo {
    pub key: ObjectKey,
    pub size: u64,
    pub content_type: Option<String>,
    pub etag: String,
    pub last_modified_ms: Option<i64>,
    /// The local file's modification time when it was uploaded (`x-amz-meta-mtime`), in
    /// milliseconds since the epoch.
    pub file_modified_ms: Option<i64>,
}

impl ObjectInfo {
    pub fn file_modified(&self) -> Option<SystemTime> {
        Some(UNIX_EPOCH + Duration::from_millis(u64::try_from(self.file_modified_ms?).ok()?))
    }
}

/// A multipart upload that was started and neither completed nor aborted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnfinishedUpload {
    pub key: String,
    pub upload_id: String,
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
        Ok(ObjectInfo {
            key: key.clone(),
            size: head.content_length.unwrap_or(0).max(0) as u64,
            content_type: head.content_type,
            etag: head.e_tag.unwrap_or_default(),
            last_modified_ms: head.last_modified.and_then(|t| t.to_millis().ok()),
            file_modified_ms,
        })
    }

    /// Multipart uploads under `folder` that were never completed or aborted. Needs the
    /// ListBucketMultipartUploads permission.
    pub async fn unfinished_uploads(&self, folder: &Prefix) -> Result<Vec<UnfinishedUpload>> {
        let mut found = Vec::new();
        let mut key_marker = None;
        let mut upload_id_marker = None;
        loop {
            let page = self
                .client
                .list_multipart_uploads()
                .bucket(&self.conn.bucket)
                .prefix(self.full_prefix(folder))
                .set_key_marker(key_marker.take())
                .set_upload_id_marker(upload_id_marker.take())
                .send()
                .await
                .map_err(|e| self.ctx(None).sdk(e))?;
            for upload in page.uploads.unwrap_or_default() {
                if let (Some(key), Some(upload_id)) = (upload.key, upload.upload_id) {
                    found.push(UnfinishedUpload { key: self.relative(&key).to_owned(), upload_id });
                }
            }
            if page.is_truncated != Some(true) {
                return Ok(found);
            }
            key_marker = page.next_key_marker;
            upload_id_marker = page.next_upload_id_marker;
        }
    }
}
