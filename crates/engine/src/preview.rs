//! Reading part of a document for a preview, and what the details panel shows about it.
//!
//! The design decision that matters: **a preview reads ranges, never the whole document unasked.**
//! A PDF viewer asks for the bytes it needs (the first pages of a 500 MB PDF cost a few requests),
//! an image or a text file is read up to a cap, and nothing is written to disk.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::bucket::Bucket;
use crate::error::{Error, Result};
use crate::key::ObjectKey;

/// The most one read returns: a viewer wanting more asks again.
pub const MAX_READ: u64 = 16 * 1024 * 1024;

impl Bucket {
    /// Up to `length` bytes of `key` from `start` (at most [`MAX_READ`]); fewer at the end of the
    /// document, none past it.
    pub async fn read_range(&self, key: &ObjectKey, start: u64, length: u64) -> Result<Vec<u8>> {
        let length = length.min(MAX_READ);
        if length == 0 {
            return Ok(Vec::new());
        }
        let full = self.full_key(key)?;
        let ctx = self.ctx(Some(key.as_str()));
        let range = format!("bytes={start}-{}", start + length - 1);
        let object = match self.client.get_object().bucket(&self.conn.bucket).key(&full).range(range).send().await {
            Ok(object) => object,
            // Asking past the end: there is nothing more to read.
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 416) => return Ok(Vec::new()),
            Err(e) => return Err(ctx.sdk(e)),
        };
        // A server that ignores Range sends everything from the start: skip to `start`, and stop
        // reading once `length` bytes are in hand, however large the document.
        let mut skip = if object.content_range.is_none() { start } else { 0 };
        let want = usize::try_from(length).unwrap_or(usize::MAX);
        let mut body = object.body;
        let mut bytes = Vec::new();
        while bytes.len() < want {
            let next = body.try_next().await.map_err(|e| Error::read_interrupted(key, e))?;
            let Some(chunk) = next else { break };
            let from = usize::try_from(skip.min(chunk.len() as u64)).unwrap_or(0);
            skip -= from as u64;
            let rest = &chunk[from..];
            bytes.extend_from_slice(&rest[..rest.len().min(want - bytes.len())]);
        }
        Ok(bytes)
    }
}

/// A share link made from this computer, as remembered for the details panel (never the link
/// itself: it is a password to the document until it expires).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct SharedLink {
    /// When it was made, in milliseconds since the epoch.
    pub made_at_ms: u64,
    /// When it stops working, in milliseconds since the epoch.
    pub expires_at_ms: u64,
}

#[derive(Serialize, Deserialize)]
struct ShareRecord {
    connection: String,
    key: String,
    #[serde(flatten)]
    link: SharedLink,
}

/// The share links made from this computer (`shared-links.json` in the data folder); expired
/// ones are dropped as new ones are added.
#[derive(Clone, Debug)]
pub struct ShareLog {
    path: PathBuf,
}

impl ShareLog {
    /// The log in `data`.
    pub fn new(data: &Path) -> Self {
        Self { path: data.join("shared-links.json") }
    }

    fn all(&self) -> Vec<ShareRecord> {
        std::fs::read(&self.path).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok()).unwrap_or_default()
    }

    /// Remembers a link to `key` of `connection`.
    pub fn record(&self, connection: &str, key: &str, link: SharedLink) -> Result<()> {
        let mut all = self.all();
        all.retain(|r| r.link.expires_at_ms > link.made_at_ms);
        all.push(ShareRecord { connection: connection.to_owned(), key: key.to_owned(), link });
        let text = serde_json::to_string_pretty(&all).expect("records serialise");
        crate::coffer::save_file(&self.path, &text)
    }

    /// Links to `key` of `connection` still working at `now_ms`, newest first.
    pub fn links(&self, connection: &str, key: &str, now_ms: u64) -> Vec<SharedLink> {
        let mut links: Vec<SharedLink> = self
            .all()
            .into_iter()
            .filter(|r| r.connection == connection && r.key == key && r.link.expires_at_ms > now_ms)
            .map(|r| r.link)
            .collect();
        links.sort_by_key(|l| std::cmp::Reverse(l.made_at_ms));
        links
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_share_log_keeps_working_links_per_document() {
        let dir = tempfile::tempdir().unwrap();
        let log = ShareLog::new(dir.path());
        assert!(log.links("c", "a.pdf", 0).is_empty(), "nothing before anything is shared");
        log.record("c", "a.pdf", SharedLink { made_at_ms: 1_000, expires_at_ms: 5_000 }).unwrap();
        log.record("c", "a.pdf", SharedLink { made_at_ms: 2_000, expires_at_ms: 90_000 }).unwrap();
        log.record("other", "a.pdf", SharedLink { made_at_ms: 2_000, expires_at_ms: 90_000 }).unwrap();
        log.record("c", "b.pdf", SharedLink { made_at_ms: 3_000, expires_at_ms: 90_000 }).unwrap();
        let at = |now| log.links("c", "a.pdf", now).iter().map(|l| l.made_at_ms).collect::<Vec<_>>();
        assert_eq!(at(4_000), vec![2_000, 1_000], "newest first, this connection and document only");
        assert_eq!(at(6_000), vec![2_000], "an expired link is not shown");
        log.record("c", "b.pdf", SharedLink { made_at_ms: 10_000, expires_at_ms: 20_000 }).unwrap();
        assert!(
            !std::fs::read_to_string(dir.path().join("shared-links.json")).unwrap().contains("5000"),
            "expired ones are dropped"
        );
    }
}
