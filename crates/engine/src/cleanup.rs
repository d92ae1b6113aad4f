//! Cleaning up multipart uploads that nothing will ever finish: parts a server keeps (and bills)
//! for an upload whose process died and whose journal entry is gone.
//!
//! The one design decision that matters: **only what nobody can still finish is aborted.** An
//! upload the journal records may be resumed, and one started recently may belong to a colleague's
//! Coffer uploading right now; both are left alone. Finding uploads needs ListMultipartUploads,
//! which some keys may not call and some servers do not offer; then only the journal's own record
//! is trusted, and the person is told.

use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::bucket::Bucket;
use crate::error::Result;
use crate::journal::Journal;

/// What a clean-up found and did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Cleanup {
    /// Keys whose abandoned uploads were aborted, relative to the connection's prefix.
    pub aborted: Vec<String>,
    /// Uploads left alone because the journal may still resume them, or they are recent.
    pub kept: u64,
    /// Whether the server listed its unfinished uploads; if not, nothing could be checked there.
    pub listed: bool,
}

impl Bucket {
    /// Aborts the multipart uploads under the connection's prefix that started more than
    /// `older_than` before `now` and that `journal` does not record.
    pub async fn clean_up(&self, journal: &Journal, older_than: Duration, now: SystemTime) -> Result<Cleanup> {
        let recorded = journal.upload_ids(&self.conn.name)?;
        let mut cleanup = Cleanup { listed: true, ..Cleanup::default() };
        let (mut key_marker, mut upload_id_marker) = (None, None);
        loop {
            let page = self
                .client
                .list_multipart_uploads()
                .bucket(&self.conn.bucket)
                .prefix(self.conn.prefix.as_str())
                .set_key_marker(key_marker.take())
                .set_upload_id_marker(upload_id_marker.take())
                .send()
                .await;
            let page = match page {
                Ok(page) => page,
                Err(e) => {
                    tracing::warn!("'{}' lists no unfinished uploads: {}", self.conn.name, self.ctx(None).sdk(e));
                    cleanup.listed = false;
                    return Ok(cleanup);
                }
            };
            for upload in page.uploads.unwrap_or_default() {
                let (Some(key), Some(upload_id)) = (upload.key, upload.upload_id) else { continue };
                let started = upload.initiated.and_then(|t| SystemTime::try_from(t).ok());
                let old = started.is_some_and(|t| now.duration_since(t).is_ok_and(|age| age >= older_than));
                if !old || recorded.contains(&upload_id) {
                    cleanup.kept += 1;
                    continue;
                }
                self.abort_upload(&key, &upload_id).await;
                cleanup.aborted.push(self.relative(&key).to_owned());
            }
            if page.is_truncated != Some(true) {
                return Ok(cleanup);
            }
            key_marker = page.next_key_marker;
            upload_id_marker = page.next_upload_id_marker;
        }
    }
}
