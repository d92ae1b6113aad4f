//! Batches of uploads as the desktop app runs them: files and folders handed over by a drop or a
//! picker, name conflicts resolved, one transfer per file with its own id, cancel and retry.
//!
//! The paths stay here, in Rust: the page only ever sees names and ids, so a page cannot ask for an
//! arbitrary file to be read. Progress per transfer is thinned to about ten updates a second;
//! state changes are always sent.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::bucket::Bucket;
use crate::error::{Error, ErrorKind, Result};
use crate::key::{ObjectKey, Prefix};
use crate::upload::{UploadOptions, scan};

const UPDATE_INTERVAL: Duration = Duration::from_millis(100);

/// One file or folder handed to Coffer, as the page sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SelectionItem {
    pub name: String,
    pub is_folder: bool,
    pub size: u64,
    pub files: u64,
    /// Something with this name already exists in the destination folder.
    pub exists: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Selection {
    pub id: u64,
    pub items: Vec<SelectionItem>,
}

/// What to do when a name is taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ConflictChoice {
    Replace,
    /// Store under the first free name: "report (1).pdf", "report (2).pdf", …
    KeepBoth,
    Skip,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TransferState {
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransferUpdate {
    pub id: u64,
    pub key: String,
    pub name: String,
    pub state: TransferState,
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub error: Option<Error>,
}

struct Record {
    bucket: Bucket,
    path: PathBuf,
    key: ObjectKey,
    size: u64,
    cancel: CancellationToken,
}

/// Selections and transfers of one app session.
#[derive(Default)]
pub struct Transfers {
    next_id: AtomicU64,
    selections: Mutex<HashMap<u64, Vec<PathBuf>>>,
    records: Mutex<HashMap<u64, Record>>,
    options: UploadOptions,
}

impl Transfers {
    pub fn new(options: UploadOptions) -> Self {
        Self { options, ..Self::default() }
    }

    /// Keeps dropped or picked paths and returns the id the page refers to them by.
    pub fn add_selection(&self, paths: Vec<PathBuf>) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        self.selections.lock().expect("not poisoned").insert(id, paths);
        id
    }

    fn selection_paths(&self, id: u64) -> Result<Vec<PathBuf>> {
        self.selections.lock().expect("not poisoned").get(&id).cloned().ok_or_else(|| {
            Error::new(ErrorKind::NotFound, "Those files are no longer on hand; drop or pick them again.")
        })
    }

    /// Names, sizes and whether each name is already taken in `dest`.
    pub async fn inspect(&self, id: u64, bucket: &Bucket, dest: &Prefix) -> Result<Selection> {
        let mut items = Vec::new();
        for path in self.selection_paths(id)? {
            let name = file_name(&path)?;
            let meta = tokio::fs::metadata(&path).await.map_err(|e| Error::local_io(&path, &e))?;
            let (size, files, exists) = if meta.is_dir() {
                let owned = path.clone();
                let files = tokio::task::spawn_blocking(move || scan(&owned)).await.expect("no panic")?;
                let (size, files) = (files.iter().map(|(_, _, s)| s.size).sum(), files.len() as u64);
                (size, files, bucket.folder_exists(&dest.child(&name)?).await?)
            } else {
                (meta.len(), 1, exists(bucket, &dest.join(&name)?).await?)
            };
            items.push(SelectionItem { name, is_folder: meta.is_dir(), size, files, exists });
        }
        Ok(Selection { id, items })
    }

    /// Uploads selection `id` into `dest`. Items whose names are taken follow `choices` (keyed by
    /// item name); a taken name without a choice is skipped, never overwritten. Returns when every
    /// file has finished, failed or been cancelled.
    pub async fn upload_selection(
        &self,
        id: u64,
        bucket: &Bucket,
        dest: &Prefix,
        choices: &HashMap<String, ConflictChoice>,
        on_update: &(dyn Fn(TransferUpdate) + Sync),
    ) -> Result<()> {
        let mut files = Vec::new();
        for path in self.selection_paths(id)? {
            let name = file_name(&path)?;
            let is_folder = path.is_dir();
            let taken = if is_folder {
                bucket.folder_exists(&dest.child(&name)?).await?
            } else {
                exists(bucket, &dest.join(&name)?).await?
            };
            let stored_name = match (taken, choices.get(&name)) {
                (false, _) | (true, Some(ConflictChoice::Replace)) => name.clone(),
                (true, Some(ConflictChoice::KeepBoth)) => free_name(bucket, dest, &name, is_folder).await?,
                (true, Some(ConflictChoice::Skip) | None) => continue,
            };
            if is_folder {
                let base = dest.child(&stored_name)?;
                let owned = path.clone();
                for (file, relative, snapshot) in
                    tokio::task::spawn_blocking(move || scan(&owned)).await.expect("no panic")?
                {
                    files.push((file, base.join(&relative)?, snapshot.size));
                }
            } else {
                let size = tokio::fs::metadata(&path).await.map_err(|e| Error::local_io(&path, &e))?.len();
                files.push((path, dest.join(&stored_name)?, size));
            }
        }
        let ids: Vec<u64> = files
            .into_iter()
            .map(|(path, key, size)| {
                let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
                on_update(update(id, &key, TransferState::Queued, 0, size, None));
                let record = Record { bucket: bucket.clone(), path, key, size, cancel: CancellationToken::new() };
                self.records.lock().expect("not poisoned").insert(id, record);
                id
            })
            .collect();
        futures::stream::iter(ids)
            .for_each_concurrent(self.options.files_in_flight.max(1), |id| self.run(id, on_update))
            .await;
        Ok(())
    }

    /// Runs a failed or cancelled transfer again.
    pub async fn retry(&self, id: u64, on_update: &(dyn Fn(TransferUpdate) + Sync)) -> Result<()> {
        {
            let mut records = self.records.lock().expect("not poisoned");
            let record = records
                .get_mut(&id)
                .ok_or_else(|| Error::new(ErrorKind::NotFound, "That transfer is no longer known."))?;
            record.cancel = CancellationToken::new();
        }
        self.run(id, on_update).await;
        Ok(())
    }

    pub fn cancel(&self, id: u64) {
        if let Some(record) = self.records.lock().expect("not poisoned").get(&id) {
            record.cancel.cancel();
        }
    }

    pub fn cancel_all(&self) {
        for record in self.records.lock().expect("not poisoned").values() {
            record.cancel.cancel();
        }
    }

    async fn run(&self, id: u64, on_update: &(dyn Fn(TransferUpdate) + Sync)) {
        let Some((bucket, path, key, size, cancel)) = self
            .records
            .lock()
            .expect("not poisoned")
            .get(&id)
            .map(|r| (r.bucket.clone(), r.path.clone(), r.key.clone(), r.size, r.cancel.clone()))
        else {
            return;
        };
        if cancel.is_cancelled() {
            on_update(update(id, &key, TransferState::Cancelled, 0, size, None));
            return;
        }
        on_update(update(id, &key, TransferState::Running, 0, size, None));
        let last_sent = Mutex::new(Instant::now());
        let progress = |p: crate::Progress| {
            let mut last = last_sent.lock().expect("not poisoned");
            if last.elapsed() >= UPDATE_INTERVAL {
                *last = Instant::now();
                on_update(update(id, &key, TransferState::Running, p.bytes_done, p.bytes_total, None));
            }
        };
        let result = bucket.upload_file(&path, &key, &self.options, &progress, &cancel).await;
        on_update(match result {
            Ok(done) => update(id, &key, TransferState::Done, done.size, done.size, None),
            Err(e) if e.kind() == ErrorKind::Cancelled => update(id, &key, TransferState::Cancelled, 0, size, None),
            Err(e) => update(id, &key, TransferState::Failed, 0, size, Some(e)),
        });
    }
}

fn update(
    id: u64,
    key: &ObjectKey,
    state: TransferState,
    bytes_done: u64,
    bytes_total: u64,
    error: Option<Error>,
) -> TransferUpdate {
    TransferUpdate { id, key: key.to_string(), name: key.name().to_owned(), state, bytes_done, bytes_total, error }
}

async fn exists(bucket: &Bucket, key: &ObjectKey) -> Result<bool> {
    match bucket.stat(key).await {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// The first of "name (1).ext", "name (2).ext", … that is free in `dest`.
async fn free_name(bucket: &Bucket, dest: &Prefix, name: &str, is_folder: bool) -> Result<String> {
    for n in 1..10_000 {
        let candidate = numbered(name, n, is_folder);
        let taken = if is_folder {
            bucket.folder_exists(&dest.child(&candidate)?).await?
        } else {
            exists(bucket, &dest.join(&candidate)?).await?
        };
        if !taken {
            return Ok(candidate);
        }
    }
    Err(Error::invalid(format!("No free name like '{name}' is left in this folder.")))
}

/// "report.pdf" → "report (n).pdf"; folders and names without an extension get the number at the end.
///
/// A leading dot (".env") is part of the name, not an extension.
pub fn numbered(name: &str, n: u32, is_folder: bool) -> String {
    match name.rfind('.').filter(|&i| i > 0 && !is_folder) {
        Some(dot) => format!("{} ({n}){}", &name[..dot], &name[dot..]),
        None => format!("{name} ({n})"),
    }
}

fn file_name(path: &Path) -> Result<String> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_owned)
        .ok_or_else(|| Error::invalid(format!("'{}' has no usable name.", path.display())))
}

#[cfg(test)]
mod tests {
    use super::numbered;

    #[test]
    fn keep_both_names_number_before_the_extension() {
        assert_eq!(numbered("report.pdf", 1, false), "report (1).pdf");
        assert_eq!(numbered("archive.tar.gz", 2, false), "archive.tar (2).gz");
        assert_eq!(numbered("README", 1, false), "README (1)");
        assert_eq!(numbered(".env", 1, false), ".env (1)");
        assert_eq!(numbered("v1.2 docs", 3, true), "v1.2 docs (3)");
    }
}
