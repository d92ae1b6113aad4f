//! Share links: presigned GET URLs anyone can open until they expire.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_s3::presigning::PresigningConfig;
use serde::Serialize;

use crate::bucket::Bucket;
use crate::error::{Error, Result};
use crate::key::ObjectKey;

/// How long a link lives when the caller does not say.
pub const DEFAULT_EXPIRY: Duration = Duration::from_secs(24 * 3600);
/// The longest SigV4 allows; longer requests are clamped to it.
pub const MAX_EXPIRY: Duration = Duration::from_secs(7 * 24 * 3600);

/// A presigned link to one document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ShareLink {
    /// The presigned URL.
    pub url: String,
    /// The expiry actually granted (after clamping), in seconds.
    pub expires_in_secs: u64,
    /// When the link stops working, in milliseconds since the epoch.
    pub expires_at_ms: u64,
}

impl Bucket {
    /// A link to `key` valid for `expires_in` (clamped to 1 second … 7 days). Checks first that the
    /// object exists, so nobody is sent a link to nothing.
    pub async fn share_link(&self, key: &ObjectKey, expires_in: Duration, now: SystemTime) -> Result<ShareLink> {
        let expires_in = expires_in.clamp(Duration::from_secs(1), MAX_EXPIRY);
        let full = self.full_key(key)?;
        let ctx = self.ctx(Some(key.as_str()));
        self.client.head_object().bucket(&self.conn.bucket).key(&full).send().await.map_err(|e| ctx.sdk(e))?;
        let config =
            PresigningConfig::builder().start_time(now).expires_in(expires_in).build().map_err(Error::link_too_long)?;
        let request = self
            .client
            .get_object()
            .bucket(&self.conn.bucket)
            .key(&full)
            .presigned(config)
            .await
            .map_err(|e| ctx.sdk(e))?;
        let expires_at = now + expires_in;
        Ok(ShareLink {
            url: request.uri().to_owned(),
            expires_in_secs: expires_in.as_secs(),
            expires_at_ms: expires_at.duration_since(UNIX_EPOCH).unwrap_or_default().as_millis() as u64,
        })
    }
}
