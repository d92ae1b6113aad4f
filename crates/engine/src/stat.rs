//! Facts about one object.

use serde::Serialize;

use crate::bucket::Bucket;
use crate::error::Result;
use crate::key::ObjectKey;

/// What the server knows about one object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectInfo {
    /// The key asked about.
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
}
