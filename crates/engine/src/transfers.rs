//! Batches of uploads as the desktop app runs them: files and folders handed over by a drop or a
//! picker, name conflicts resolved, one transfer per file with its own id, cancel and retry.
//!
//! The paths stay here, in Rust: the page only ever sees names and ids, so a page cannot ask for an
//! arbitrary file to be read. Every file goes through the [`Queue`]'s journal, so uploads a crash
//! interrupted come back with [`Transfers::resume`] on the next start. Progress per transfer is
//! thinned to about ten updates a second; state changes are always sent.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::bucket::Bucket;
use crate::error::{Error, ErrorKind, Result};
use crate::key::{ObjectKey, Prefix};
use crate::queue::Queue;
use crate::upload::scan;

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
    /// The connection it goes to, so a transfer resumed at start-up can be shown where it belongs.
    pub connection: String,
    pub key: String,
    pub name: String,
    pub state: TransferState,
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub error: Option<Error>,
    /// Something the person should know about a transfer that is not an error: waiting for an
    /// unreachable server, resumed from earlier parts, restarted because the file changed.
    pub note: Option<String>,
}

struct Record {
    bucket: Bucket,
    path: PathBuf,
    key: ObjectKey,
    size: u64,
    cancel: CancellationToken,
    /// The file's journal entry; a cancelled transfer has none until it is retried.
    entry: Option<u64>,
}

/// Selections and transfers of one app session.
pub struct Transfers {
    next_id: AtomicU64,
    selections: Mutex<HashMap<u64, Vec<PathBuf>>>,
    records: Mutex<HashMap<u64, Record>>,
    queue: Arc<Queue>,
}

impl Transfers {
    pub fn new(queue: Arc<Queue>) -> Self {
        Self { next_id: AtomicU64::new(0), selections: Mutex::default(), records: Mutex::default(), queue }
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
        let entries = self.queue.enqueue_keys(
            &bucket.connection().name,
            files.iter().map(|(path, key, _)| (path.clone(), key.clone())).collect(),
        )?;
        let ids: Vec<u64> = files
            .into_iter()
            .zip(entries)
            .map(|((path, key, size), entry)| self.add_record(bucket, path, key, size, entry, on_update))
            .collect();
        self.run_all(ids, on_update).await;
        Ok(())
    }

    /// Takes over uploads that an earlier run of Coffer (or a `coffer put`) left unfinished and
    /// runs them to the end. `open` opens a connection by name.
    pub async fn resume<F, Fut>(&self, open: F, on_update: &(dyn Fn(TransferUpdate) + Sync)) -> Result<u64>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = Result<Bucket>>,
    {
        let mut ids = Vec::new();
        for connection in self.queue.claim_unfinished()? {
            let bucket = match open(connection.clone()).await {
                Ok(bucket) => bucket,
                // Left in the journal for a later start, when the connection may work again.
                Err(e) => {
                    tracing::warn!("uploads to '{connection}' stay queued: {e}");
                    continue;
                }
            };
            let journal = self.queue.journal();
            // Entries this session already runs (a second resume) are left to their rows; the set
            // is taken once, not per entry, so a large resume stays linear.
            let running: std::collections::HashSet<u64> =
                self.records.lock().expect("not poisoned").values().filter_map(|r| r.entry).collect();
            let mut after = 0;
            loop {
                let page = journal.page(&connection, 0, u64::MAX, after, 1_000)?;
                let Some(&last) = page.last() else { break };
                after = last;
                for entry in page.into_iter().filter_map(|id| journal.get(id).ok().flatten()) {
                    if running.contains(&entry.id) {
                        continue;
                    }
                    ids.push(self.add_record(&bucket, entry.path, entry.key, entry.size, entry.id, on_update));
                }
            }
        }
        let resumed = ids.len() as u64;
        self.run_all(ids, on_update).await;
        Ok(resumed)
    }

    fn add_record(
        &self,
        bucket: &Bucket,
        path: PathBuf,
        key: ObjectKey,
        size: u64,
        entry: u64,
        on_update: &(dyn Fn(TransferUpdate) + Sync),
    ) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        on_update(update(id, bucket, &key, TransferState::Queued, 0, size, None));
        let record =
            Record { bucket: bucket.clone(), path, key, size, cancel: CancellationToken::new(), entry: Some(entry) };
        self.records.lock().expect("not poisoned").insert(id, record);
        id
    }

    async fn run_all(&self, ids: Vec<u64>, on_update: &(dyn Fn(TransferUpdate) + Sync)) {
        futures::stream::iter(ids)
            .for_each_concurrent(self.queue.options().files_in_flight.max(1), |id| self.run(id, on_update))
            .await;
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
        let Some((bucket, path, key, size, cancel, entry)) = self
            .records
            .lock()
            .expect("not poisoned")
            .get(&id)
            .map(|r| (r.bucket.clone(), r.path.clone(), r.key.clone(), r.size, r.cancel.clone(), r.entry))
        else {
            return;
        };
        if cancel.is_cancelled() {
            self.forget_entry(id, entry);
            on_update(update(id, &bucket, &key, TransferState::Cancelled, 0, size, None));
            return;
        }
        // A cancelled transfer left the journal; a retry records it again.
        let entry = match entry.filter(|e| self.queue.journal().get(*e).ok().flatten().is_some()) {
            Some(entry) => Ok(entry),
            None => {
                self.queue.enqueue_keys(&bucket.connection().name, vec![(path.clone(), key.clone())]).map(|ids| ids[0])
            }
        };
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                on_update(update(id, &bucket, &key, TransferState::Failed, 0, size, Some(e)));
                return;
            }
        };
        if let Some(record) = self.records.lock().expect("not poisoned").get_mut(&id) {
            record.entry = Some(entry);
        }
        on_update(update(id, &bucket, &key, TransferState::Running, 0, size, None));
        let last_sent = Mutex::new((Instant::now(), false));
        let progress = |p: crate::Progress| {
            let mut last = last_sent.lock().expect("not poisoned");
            let waiting = p.retrying > 0;
            // A change between sending and waiting is always shown; plain progress is thinned.
            if last.0.elapsed() >= UPDATE_INTERVAL || waiting != last.1 {
                *last = (Instant::now(), waiting);
                let mut running = update(id, &bucket, &key, TransferState::Running, p.bytes_done, p.bytes_total, None);
                running.note = waiting.then(|| "The server is not answering; retrying…".to_owned());
                on_update(running);
            }
        };
        let result = self.queue.upload_one(&bucket, entry, &progress, &cancel).await;
        let settled = result.is_ok() || matches!(&result, Err(e) if e.kind() == ErrorKind::Cancelled);
        if let Some(record) = self.records.lock().expect("not poisoned").get_mut(&id).filter(|_| settled) {
            record.entry = None;
        }
        on_update(match result {
            Ok(done) => TransferUpdate {
                note: if done.restarted {
                    Some("The file changed since it was queued, so it was uploaded again from the start.".to_owned())
                } else if done.parts_resumed > 0 {
                    Some(format!("Resumed: {} part(s) were already stored.", done.parts_resumed))
                } else {
                    None
                },
                ..update(id, &bucket, &key, TransferState::Done, done.size, done.size, None)
            },
            Err(e) if e.kind() == ErrorKind::Cancelled => {
                update(id, &bucket, &key, TransferState::Cancelled, 0, size, None)
            }
            Err(e) => update(id, &bucket, &key, TransferState::Failed, 0, size, Some(e)),
        });
    }

    /// Drops the journal entry of a transfer cancelled before it ran.
    fn forget_entry(&self, id: u64, entry: Option<u64>) {
        if let Some(entry) = entry {
            // If this fails the entry is resumed on the next start, which is the safe side.
            let _ = self.queue.journal().remove(entry);
        }
        if let Some(record) = self.records.lock().expect("not poisoned").get_mut(&id) {
            record.entry = None;
        }
    }
}

fn update(
    id: u64,
    bucket: &Bucket,
    key: &ObjectKey,
    state: TransferState,
    bytes_done: u64,
    bytes_total: u64,
    error: Option<Error>,
) -> TransferUpdate {
    TransferUpdate {
        id,
        connection: bucket.connection().name.clone(),
        key: key.to_string(),
        name: key.name().to_owned(),
        state,
        bytes_done,
        bytes_total,
        error,
        note: None,
    }
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
