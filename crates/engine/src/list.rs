//! Listing a folder, one level or everything under it.
//!
//! Every page is followed, so a folder with more than 1,000 objects is always complete. Keys and
//! folders come back relative to the connection's prefix.
//!
//! A one-level listing is someone looking at a folder, and it has the server first: listings made
//! in the background (the search index's build of the whole bucket) wait before each page while
//! one runs, so indexing a bucket of 100,000 documents never slows the folder on screen.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::bucket::Bucket;
use crate::error::Result;
use crate::key::Prefix;

/// One row of a listing: a document or a folder.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// The full key relative to the connection's prefix; folders end in `/`.
    pub key: String,
    /// The last segment, without a trailing `/`.
    pub name: String,
    /// A folder (a common prefix), not a document.
    pub is_folder: bool,
    /// Zero for folders.
    pub size: u64,
    /// Milliseconds since the epoch; `None` for folders.
    pub last_modified_ms: Option<i64>,
    /// Empty for folders.
    pub etag: String,
}

impl Entry {
    /// A document just stored at `key` by Coffer, as a listing would show it.
    pub(crate) fn stored(key: &crate::key::ObjectKey, size: u64, etag: &str) -> Self {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        Self {
            key: key.to_string(),
            name: key.name().to_owned(),
            is_folder: false,
            size,
            last_modified_ms: i64::try_from(now.as_millis()).ok(),
            etag: etag.to_owned(),
        }
    }

    /// When the object was stored, if known.
    pub fn last_modified(&self) -> Option<SystemTime> {
        let ms = u64::try_from(self.last_modified_ms?).ok()?;
        Some(UNIX_EPOCH + std::time::Duration::from_millis(ms))
    }
}

/// Which part of the tree a listing covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Depth {
    /// The folder's own documents and its sub-folders (as folder entries).
    OneLevel,
    /// Every document under the folder, at any depth; no folder entries.
    Recursive,
}

/// The empty object that keeps a new, empty folder in existence. A `folder/` marker would be the
/// S3 custom, but some servers (the Local vault's among them) store markers as directories that
/// listings never show; a plain object works on every server.
pub(crate) const FOLDER_PLACEHOLDER: &str = ".coffer-folder";

/// Coffer's own objects (the trash, locks and probes at the top of a connection, and empty
/// folders' placeholders anywhere): never shown, counted or searched as documents.
pub(crate) fn is_internal(relative_key: &str) -> bool {
    relative_key.starts_with(".coffer-") || relative_key.rsplit('/').next() == Some(FOLDER_PLACEHOLDER)
}

/// How many one-level listings of a bucket are running. Shared by a bucket's clones.
#[derive(Debug)]
pub(crate) struct Browsing(tokio::sync::watch::Sender<usize>);

impl Default for Browsing {
    fn default() -> Self {
        Self(tokio::sync::watch::Sender::new(0))
    }
}

impl Browsing {
    fn begin(self: &Arc<Self>) -> BrowseGuard {
        self.0.send_modify(|running| *running += 1);
        BrowseGuard(Arc::clone(self))
    }

    /// Returns once no one-level listing runs.
    async fn idle(&self) {
        if *self.0.borrow() == 0 {
            return;
        }
        // The sender lives as long as `self`, so the wait cannot fail.
        let _ = self.0.subscribe().wait_for(|running| *running == 0).await;
    }
}

/// A bucket being browsed, until dropped: see [`Bucket::browse`].
#[must_use = "browsing ends when the guard is dropped"]
#[derive(Debug)]
pub struct BrowseGuard(Arc<Browsing>);

impl Drop for BrowseGuard {
    fn drop(&mut self) {
        self.0.0.send_modify(|running| *running -= 1);
    }
}

impl Bucket {
    /// Marks the bucket as browsed until the guard is dropped: background listings pause before
    /// their next page meanwhile. Every one-level listing does this for as long as it runs.
    pub fn browse(&self) -> BrowseGuard {
        self.browsing.begin()
    }

    /// Whether a background listing is paused, waiting for browsing to end.
    pub fn background_paused(&self) -> bool {
        self.browsing.0.receiver_count() > 0
    }

    /// Lists `folder`: folders first, then documents, each sorted by key.
    pub async fn list(&self, folder: &Prefix, depth: Depth) -> Result<Vec<Entry>> {
        let mut entries = Vec::new();
        self.list_pages(folder, depth, |page| entries.extend(page)).await?;
        entries.sort_by(|a, b| b.is_folder.cmp(&a.is_folder).then_with(|| a.key.cmp(&b.key)));
        Ok(entries)
    }

    /// Lists `folder` a page at a time (up to 1,000 entries), in the server's order, so a caller can
    /// show the first rows of a huge folder before the last page arrives.
    ///
    /// A complete one-level listing also brings the search index's copy of the folder up to date,
    /// in the background, so browsing keeps search current.
    pub async fn list_pages(&self, folder: &Prefix, depth: Depth, mut on_page: impl FnMut(Vec<Entry>)) -> Result<()> {
        let _browsing = (depth == Depth::OneLevel).then(|| self.browse());
        let mut seen = (depth == Depth::OneLevel && self.index.is_some()).then(Vec::new);
        self.pages(folder, depth, false, |page| {
            if let Some(seen) = &mut seen {
                seen.extend(page.iter().cloned());
            }
            on_page(page);
        })
        .await?;
        if let (Some(entries), Some(index)) = (seen, &self.index) {
            let (index, folder, name) = (std::sync::Arc::clone(index), folder.clone(), self.conn.name.clone());
            tokio::task::spawn_blocking(move || {
                if let Err(e) = index.note_listing(&folder, &entries) {
                    tracing::warn!("the search index of '{name}' missed a listing: {e}");
                }
            });
        }
        Ok(())
    }

    /// [`Bucket::list_pages`] for work nobody is looking at: before each page it waits until no
    /// folder is being browsed, and it does not count as browsing itself.
    pub(crate) async fn list_pages_in_background(
        &self,
        folder: &Prefix,
        depth: Depth,
        on_page: impl FnMut(Vec<Entry>),
    ) -> Result<()> {
        self.pages(folder, depth, true, on_page).await
    }

    async fn pages(
        &self,
        folder: &Prefix,
        depth: Depth,
        background: bool,
        mut on_page: impl FnMut(Vec<Entry>),
    ) -> Result<()> {
        let full_prefix = self.full_prefix(folder);
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.conn.bucket)
            .prefix(&full_prefix)
            .set_delimiter((depth == Depth::OneLevel).then(|| "/".to_owned()))
            .into_paginator()
            .send();
        loop {
            if background {
                self.browsing.idle().await;
            }
            let Some(page) = pages.next().await else { break };
            let page = page.map_err(|e| self.ctx(None).sdk(e))?;
            let mut entries = Vec::with_capacity(page.key_count.unwrap_or(0).max(0) as usize);
            for p in page.common_prefixes.unwrap_or_default() {
                let Some(full) = p.prefix else { continue };
                let key = self.relative(&full).to_owned();
                if is_internal(&key) {
                    continue;
                }
                let name = key.trim_end_matches('/').rsplit('/').next().unwrap_or_default().to_owned();
                entries.push(Entry {
                    key,
                    name,
                    is_folder: true,
                    size: 0,
                    last_modified_ms: None,
                    etag: String::new(),
                });
            }
            for object in page.contents.unwrap_or_default() {
                let Some(full) = object.key else { continue };
                // A folder marker ("reports/") is the folder itself, not a document in it.
                if full.ends_with('/') {
                    continue;
                }
                let key = self.relative(&full).to_owned();
                if is_internal(&key) {
                    continue;
                }
                let name = key.rsplit('/').next().unwrap_or_default().to_owned();
                entries.push(Entry {
                    name,
                    key,
                    is_folder: false,
                    size: object.size.unwrap_or(0).max(0) as u64,
                    last_modified_ms: object.last_modified.and_then(|t| t.to_millis().ok()),
                    etag: object.e_tag.unwrap_or_default(),
                });
            }
            on_page(entries);
        }
        Ok(())
    }

    /// Every object under `folder` including folder markers, as full bucket keys with their sizes
    /// (for deletion).
    pub(crate) async fn full_objects_under(&self, folder: &Prefix) -> Result<Vec<(String, u64)>> {
        let listed = self.objects_with_prefix(&self.full_prefix(folder)).await?;
        Ok(listed.into_iter().map(|(key, size, _)| (key, size)).collect())
    }

    /// Every object whose full key starts with `full_prefix`, folder markers and Coffer's own
    /// objects included: (full key, size, ETag). The one walker of raw keys.
    pub(crate) async fn objects_with_prefix(&self, full_prefix: &str) -> Result<Vec<(String, u64, String)>> {
        let mut keys = Vec::new();
        let mut pages =
            self.client.list_objects_v2().bucket(&self.conn.bucket).prefix(full_prefix).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| self.ctx(None).sdk(e))?;
            keys.extend(page.contents.unwrap_or_default().into_iter().filter_map(|o| {
                Some((o.key?, u64::try_from(o.size.unwrap_or(0)).unwrap_or(0), o.e_tag.unwrap_or_default()))
            }));
        }
        Ok(keys)
    }
}

impl Bucket {
    /// Whether anything is stored under `folder`.
    pub async fn folder_exists(&self, folder: &Prefix) -> Result<bool> {
        let page = self
            .client
            .list_objects_v2()
            .bucket(&self.conn.bucket)
            .prefix(self.full_prefix(folder))
            .max_keys(1)
            .send()
            .await
            .map_err(|e| self.ctx(None).sdk(e))?;
        Ok(page.key_count.unwrap_or(0) > 0 || !page.contents.unwrap_or_default().is_empty())
    }
}
