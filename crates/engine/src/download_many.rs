//! Downloading a selection (documents, and folders with everything in them) into a folder on this
//! computer.
//!
//! Like a move, it is planned first: the plan lists every document, sums the bytes and finds the
//! local files that already exist, so the person is asked about those before anything is written.
//! Each document then goes through [`Bucket::download`], the one download: ranges in parallel into
//! a temporary file, checked against the object's checksum, renamed into place only when complete.
//! So a cancelled or failed download leaves each file either as it was or whole.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use futures::StreamExt;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::bucket::Bucket;
use crate::delete::Target;
use crate::download::safe_path;
use crate::error::{Error, ErrorKind, Result};
use crate::key::ObjectKey;
use crate::list::is_internal;
use crate::queue::{OnConflict, numbered};
use crate::upload::Progress;

/// Documents downloaded at once; each also fetches its ranges in parallel.
const FILES_IN_FLIGHT: usize = 4;
/// Local names already taken that a plan lists by name; the rest are only counted.
const CONFLICTS_SHOWN: usize = 100;

/// Where downloads go unless the person picks another folder: the desktop's Downloads folder
/// (`XDG_DOWNLOAD_DIR` on Linux), if it has one.
pub fn downloads_folder() -> Option<PathBuf> {
    directories::UserDirs::new().and_then(|dirs| dirs.download_dir().map(Path::to_owned))
}

/// What a download plan amounts to, for the person to confirm.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct DownloadSummary {
    /// Documents to download.
    pub files: u64,
    /// Their bytes in all.
    pub bytes: u64,
    /// Local paths (relative to the chosen folder, with `/`) that already exist, at most 100.
    pub conflicts: Vec<String>,
    /// How many local paths already exist.
    pub conflicts_total: u64,
}

/// One document of a plan.
#[derive(Clone, Debug)]
struct Item {
    key: ObjectKey,
    size: u64,
    /// Where it goes, relative to the chosen folder, with `/`.
    local: String,
}

/// Every document a download will fetch and where each goes, counted before anything is written.
#[derive(Clone, Debug)]
pub struct DownloadPlan {
    folder: PathBuf,
    items: Vec<Item>,
    /// What it amounts to.
    pub summary: DownloadSummary,
}

impl DownloadPlan {
    /// The folder the documents go into.
    pub fn folder(&self) -> &Path {
        &self.folder
    }
}

/// A document that was not downloaded, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct DownloadFailure {
    /// Where it would have gone, relative to the chosen folder.
    pub name: String,
    /// Why it was not.
    pub error: Error,
}

/// What a download did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct DownloadReport {
    /// Documents saved.
    pub done: u64,
    /// Of those, how many were proven by their checksum to be what the server stored.
    pub verified: u64,
    /// Documents saved under a numbered name because theirs was taken.
    pub renamed: u64,
    /// Documents left alone because a local file had their name.
    pub skipped: u64,
    /// Documents that failed.
    pub failed: Vec<DownloadFailure>,
    /// Whether it was cancelled before every document was tried.
    pub cancelled: bool,
    /// Bytes saved.
    pub bytes: u64,
}

impl Bucket {
    /// Plans downloading `targets` into `folder`: a document goes in as its name, a folder as a
    /// folder of that name with everything under it. Coffer's own objects are left out.
    pub async fn plan_download(&self, targets: &[Target], folder: &Path) -> Result<DownloadPlan> {
        let mut items = Vec::new();
        for target in targets {
            match target {
                Target::Object(key) => {
                    let info = self.stat(key).await?;
                    items.push(Item { key: key.clone(), size: info.size, local: key.name().to_owned() });
                }
                Target::Folder(prefix) => {
                    let Some(name) = prefix.name() else {
                        return Err(Error::whole_bucket_download());
                    };
                    let listed = self.objects_with_prefix(&self.full_prefix(prefix)).await?;
                    for (full, size, _) in listed {
                        let relative = self.relative(&full).to_owned();
                        let inner = &relative[prefix.as_str().len()..];
                        if is_internal(&relative) || is_internal(inner) || full.ends_with('/') {
                            continue;
                        }
                        items.push(Item {
                            key: ObjectKey::new(relative.clone())?,
                            size,
                            local: format!("{name}/{inner}"),
                        });
                    }
                }
            }
        }
        let mut seen = HashSet::new();
        if let Some(twice) = items.iter().find(|item| !seen.insert(item.local.as_str())) {
            return Err(Error::same_destination(&twice.local));
        }
        let mut summary = DownloadSummary {
            files: items.len() as u64,
            bytes: items.iter().map(|i| i.size).sum(),
            ..Default::default()
        };
        for item in &items {
            if safe_path(folder, &item.local)?.exists() {
                summary.conflicts_total += 1;
                if summary.conflicts.len() < CONFLICTS_SHOWN {
                    summary.conflicts.push(item.local.clone());
                }
            }
        }
        Ok(DownloadPlan { folder: folder.to_owned(), items, summary })
    }

    /// Downloads what `plan` counted. A local file with a document's name is refused (the default),
    /// skipped, kept beside a numbered copy, or replaced, as `on_conflict` says; a failed document
    /// does not stop the others, and `cancel` stops after the documents in flight are abandoned.
    pub async fn download_planned(
        &self,
        plan: &DownloadPlan,
        on_conflict: OnConflict,
        progress: &(dyn Fn(Progress) + Sync),
        cancel: &CancellationToken,
    ) -> Result<DownloadReport> {
        let totals = Totals::new(&plan.summary);
        let report = Mutex::new(DownloadReport::default());
        let claimed = Mutex::new(HashSet::<PathBuf>::new());
        let tell = || progress(totals.progress());
        tell();
        // By index: a stream of borrowed items would not be `Send` for every lifetime, which
        // Tauri's async commands need.
        let mut runs = futures::stream::iter(0..plan.items.len())
            .map(|i| {
                let (totals, report, claimed, tell) = (&totals, &report, &claimed, &tell);
                let item = &plan.items[i];
                async move {
                    if cancel.is_cancelled() {
                        return;
                    }
                    let outcome = self.download_item(plan, item, on_conflict, claimed, totals, tell, cancel).await;
                    let mut report = report.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    match outcome {
                        Ok(Saved::Skipped) => {
                            report.skipped += 1;
                            totals.finished(item.size, false);
                        }
                        Ok(Saved::Done { renamed, verified, size }) => {
                            report.done += 1;
                            report.bytes += size;
                            report.renamed += u64::from(renamed);
                            report.verified += u64::from(verified);
                            totals.finished(item.size, false);
                        }
                        Err(e) if e.kind() == ErrorKind::Cancelled => report.cancelled = true,
                        Err(error) => {
                            report.failed.push(DownloadFailure { name: item.local.clone(), error });
                            totals.finished(item.size, true);
                        }
                    }
                    drop(report);
                    tell();
                }
            })
            .buffer_unordered(FILES_IN_FLIGHT);
        while runs.next().await.is_some() {}
        drop(runs);
        let mut report = report.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
        report.cancelled |=
            cancel.is_cancelled() && report.done + report.skipped + (report.failed.len() as u64) < plan.summary.files;
        report.failed.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(report)
    }

    #[allow(clippy::too_many_arguments)]
    async fn download_item(
        &self,
        plan: &DownloadPlan,
        item: &Item,
        on_conflict: OnConflict,
        claimed: &Mutex<HashSet<PathBuf>>,
        totals: &Totals,
        tell: &(dyn Fn() + Sync),
        cancel: &CancellationToken,
    ) -> Result<Saved> {
        let wanted = safe_path(&plan.folder, &item.local)?;
        let (target, renamed) = {
            let mut claimed = claimed.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let taken = |path: &Path| path.exists() || claimed.contains(path);
            let place = if !taken(&wanted) {
                (wanted, false)
            } else {
                match on_conflict {
                    OnConflict::Refuse => return Err(Error::local_exists(&item.local)),
                    OnConflict::Skip => return Ok(Saved::Skipped),
                    OnConflict::Replace => (wanted, false),
                    OnConflict::KeepBoth => {
                        (free_local_name(&wanted, &taken).ok_or_else(|| Error::no_free_name_here(&item.local))?, true)
                    }
                }
            };
            claimed.insert(place.0.clone());
            place
        };
        let sent = AtomicU64::new(0);
        let each = |p: Progress| {
            let before = sent.swap(p.bytes_done, Ordering::Relaxed);
            totals.bytes(p.bytes_done.saturating_sub(before), p.retrying);
            tell();
        };
        let downloaded = self.download(&item.key, &target, &each, cancel).await;
        // What this document added to the totals is taken back; `finished` counts it once.
        totals.take_back(sent.load(Ordering::Relaxed));
        let downloaded = downloaded?;
        Ok(Saved::Done { renamed, verified: downloaded.checked_with.is_some(), size: downloaded.size })
    }
}

/// How one document of a plan ended, short of failing.
enum Saved {
    Skipped,
    Done { renamed: bool, verified: bool, size: u64 },
}

/// The first of "name (1).ext", "name (2).ext", … beside `wanted` that is not `taken`.
fn free_local_name(wanted: &Path, taken: &dyn Fn(&Path) -> bool) -> Option<PathBuf> {
    let name = wanted.file_name()?.to_str()?;
    (1..10_000).map(|n| wanted.with_file_name(numbered(name, n, false))).find(|candidate| !taken(candidate))
}

/// The progress of a whole plan, added up from its documents'.
struct Totals {
    files_total: u64,
    bytes_total: u64,
    bytes_done: AtomicU64,
    files_done: AtomicU64,
    files_failed: AtomicU64,
    retrying: AtomicU64,
}

impl Totals {
    fn new(summary: &DownloadSummary) -> Self {
        Self {
            files_total: summary.files,
            bytes_total: summary.bytes,
            bytes_done: AtomicU64::new(0),
            files_done: AtomicU64::new(0),
            files_failed: AtomicU64::new(0),
            retrying: AtomicU64::new(0),
        }
    }

    fn bytes(&self, more: u64, retrying: u64) {
        self.bytes_done.fetch_add(more, Ordering::Relaxed);
        self.retrying.store(retrying, Ordering::Relaxed);
    }

    fn take_back(&self, bytes: u64) {
        self.bytes_done.fetch_sub(bytes, Ordering::Relaxed);
    }

    /// A document is over: all its bytes count as done (a skipped or failed one's too, so the bar
    /// still reaches its end).
    fn finished(&self, size: u64, failed: bool) {
        self.bytes_done.fetch_add(size, Ordering::Relaxed);
        let counter = if failed { &self.files_failed } else { &self.files_done };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    fn progress(&self) -> Progress {
        Progress {
            bytes_done: self.bytes_done.load(Ordering::Relaxed).min(self.bytes_total),
            bytes_total: self.bytes_total,
            files_done: self.files_done.load(Ordering::Relaxed),
            files_failed: self.files_failed.load(Ordering::Relaxed),
            files_total: self.files_total,
            retrying: self.retrying.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_local_names_skip_what_is_taken() {
        let taken: HashSet<PathBuf> = ["/d/a.pdf", "/d/a (1).pdf"].iter().map(PathBuf::from).collect();
        let free = free_local_name(Path::new("/d/a.pdf"), &|p: &Path| taken.contains(p));
        assert_eq!(free, Some(PathBuf::from("/d/a (2).pdf")));
    }
}
