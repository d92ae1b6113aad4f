//! Uploads as the desktop app runs them: files and folders handed over by a drop or a picker, name
//! conflicts resolved, one group per dropped item, and reports to the page a few times a second.
//!
//! The one design decision that matters: **this is a view over the [`Queue`], not a second queue.**
//! Every file goes through the journal; a file's transfer id is its journal id; retry, cancel and
//! resume act on the journal. What is kept in memory is one small record per dropped item (its
//! counters) plus whatever happened since the last report, so a drop of 100,000 files costs no more
//! than a drop of one. The paths stay here, in Rust: the page only ever sees names and ids, so a
//! page cannot ask for an arbitrary file to be read.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::bucket::Bucket;
use crate::error::{Error, ErrorKind, Result};
use crate::journal::{BatchInfo, JournalEntry};
use crate::key::{ObjectKey, Prefix};
use crate::queue::{Item, OnConflict, Queue, local_name};
use crate::seen::Seen;
use crate::upload::{Events, FileOutcome, Progress, Tally};
use crate::walk::{Found, walk};

/// Reports to the page are sent at most this often; state changes wait for the next one. Four a
/// second keep the bars moving; more only cost the page re-renders while a big drop uploads.
const REPORT_INTERVAL: Duration = Duration::from_millis(250);
/// Skipped files listed by name per dropped item; beyond that they are only counted.
const SKIPPED_LISTED: usize = 1_000;
/// Name checks sent at the same time when a drop is inspected.
const CHECKS_IN_FLIGHT: usize = 16;
/// Failed files read back from the journal at a time when they are shown again.
const PAGE: usize = 1_000;

/// One file or folder handed to Coffer, as the page sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct SelectionItem {
    /// The file or folder name.
    pub name: String,
    /// It is a folder, uploaded with everything under it.
    pub is_folder: bool,
    /// Bytes; for a folder, the total of the files inside.
    pub size: u64,
    /// Number of files (1 for a file).
    pub files: u64,
    /// Something with this name already exists in the destination folder.
    pub exists: bool,
}

/// Files handed to Coffer by a drop or a picker. Rust keeps the paths; the page sees names only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Selection {
    /// The id the page refers to it by.
    pub id: u64,
    /// What was dropped or picked.
    pub items: Vec<SelectionItem>,
}

/// What to do when a name is taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub enum ConflictChoice {
    /// Store over the existing document, because the person said so.
    Replace,
    /// Store under the first free name: "report (1).pdf", "report (2).pdf", …
    KeepBoth,
    /// Leave the existing document alone and do not upload this one.
    Skip,
}

/// Where one file stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub enum TransferState {
    /// Being sent.
    Running,
    /// Stored and verified.
    Done,
    /// Gave up; waits in the journal for Retry or Discard.
    Failed,
    /// Stopped, or discarded, by the person.
    Cancelled,
}

/// Where a dropped item stands as a whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub enum GroupState {
    /// Files are being sent.
    Running,
    /// Every file was stored.
    Done,
    /// The run ended with files that failed; they wait for Retry or Discard.
    Failed,
    /// Cancelled by the person.
    Cancelled,
}

/// A file that was not queued, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct SkippedFile {
    /// The path inside the dropped folder.
    pub name: String,
    /// Why it was skipped.
    pub error: Error,
}

/// One dropped item (a file or a folder): the summary row of the Transfers panel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct GroupUpdate {
    /// The journal's batch id.
    pub id: u64,
    /// The connection it goes to.
    pub connection: String,
    /// What was dropped, as stored (a kept-both name included).
    pub name: String,
    /// What was dropped is a folder.
    pub is_folder: bool,
    /// Where it stands as a whole.
    pub state: GroupState,
    /// Its files and bytes, done, failed and in all.
    pub progress: Progress,
    /// Files that will not be uploaded, by name (sent once, in the group's first update).
    pub skipped: Vec<SkippedFile>,
    /// How many were skipped in all, listed or not.
    pub skipped_total: u64,
    /// Something worth knowing that is not a file's failure (the journal failed, say).
    pub note: Option<Error>,
}

/// One file of a group, sent when it starts and when it ends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct FileUpdate {
    /// The journal id: the transfer id everywhere.
    pub id: u64,
    /// The group (dropped item) it belongs to.
    pub group: u64,
    /// The connection it goes to.
    pub connection: String,
    /// The key it is stored under, relative to the connection's prefix.
    pub key: String,
    /// The document's name.
    pub name: String,
    /// Where it stands.
    pub state: TransferState,
    /// Its size: as stored when done, as queued otherwise.
    pub size: u64,
    /// Why it failed, for a failed file.
    pub error: Option<Error>,
    /// Something the person should know that is not an error: resumed from earlier parts,
    /// restarted because the file changed.
    pub note: Option<FileNote>,
}

/// What the person should know about an upload that went well, for the page to word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum FileNote {
    /// The file changed since it was queued, so it was uploaded again from the start.
    Restarted,
    /// Resumed after a crash or an outage: `parts` were already stored.
    Resumed {
        /// Parts the server already held.
        parts: u64,
    },
}

/// What changed since the last report: groups with their new counters, files that started or ended.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct TransferReport {
    /// Groups whose counters or state changed.
    pub groups: Vec<GroupUpdate>,
    /// Files that started or ended.
    pub files: Vec<FileUpdate>,
}

/// What resuming at start found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Resumed {
    /// Files that an earlier session left unfinished and that run now.
    pub files: u64,
    /// The journal was damaged and was moved to this file; its unfinished uploads are lost to
    /// resume (the documents themselves are still on this computer).
    pub journal_moved_to: Option<String>,
    /// No journal file could be used, for this reason: uploads work, but one interrupted by a
    /// crash cannot be resumed.
    pub journal_in_memory: Option<String>,
}

/// What [`Transfers::upload_selection`] started, and what it must ask about again.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct UploadStarted {
    /// One group per item that was queued.
    pub groups: Vec<GroupUpdate>,
    /// Items whose names were free when the person was asked and are taken now: not uploaded,
    /// to be asked about again.
    pub ask_again: Option<Selection>,
}

/// One dropped item while the app runs.
struct Group {
    info: BatchInfo,
    bucket: Bucket,
    tally: Tally,
    /// Replaced when a cancelled group is run again by a retry.
    cancel: Mutex<CancellationToken>,
    /// A runner is working through the group's queued files.
    running: AtomicBool,
    /// Skipped files not yet reported; sent once.
    skipped: Mutex<(Vec<SkippedFile>, u64)>,
    note: Mutex<Option<Error>>,
}

impl Group {
    fn state(&self) -> GroupState {
        let progress = self.tally.progress();
        if self.running.load(Ordering::Relaxed) {
            GroupState::Running
        } else if progress.files_failed > 0 {
            GroupState::Failed
        } else if self.cancel().is_cancelled() {
            GroupState::Cancelled
        } else {
            GroupState::Done
        }
    }

    fn cancel(&self) -> CancellationToken {
        lock(&self.cancel).clone()
    }

    fn update(&self) -> GroupUpdate {
        let (skipped, skipped_total) = std::mem::take(&mut *lock(&self.skipped));
        GroupUpdate {
            id: self.info.id,
            connection: self.info.connection.clone(),
            name: self.info.name.clone(),
            is_folder: self.info.is_folder,
            state: self.state(),
            progress: self.tally.progress(),
            skipped,
            skipped_total,
            note: lock(&self.note).clone(),
        }
    }
}

/// What the next report carries.
#[derive(Default)]
struct Pending {
    groups: Vec<u64>,
    files: HashMap<u64, FileUpdate>,
}

/// Selections and transfers of one app session.
pub struct Transfers {
    queue: Arc<Queue>,
    report: Box<dyn Fn(TransferReport) + Send + Sync>,
    next_selection: AtomicU64,
    selections: Mutex<HashMap<u64, Vec<PathBuf>>>,
    groups: Mutex<HashMap<u64, Arc<Group>>>,
    pending: Mutex<Pending>,
    last_report: Mutex<Instant>,
}

impl Transfers {
    /// `report` receives what changed, at most every 100 ms while anything runs.
    pub fn new(queue: Arc<Queue>, report: impl Fn(TransferReport) + Send + Sync + 'static) -> Arc<Self> {
        Arc::new(Self {
            queue,
            report: Box::new(report),
            next_selection: AtomicU64::new(0),
            selections: Mutex::default(),
            groups: Mutex::default(),
            pending: Mutex::default(),
            last_report: Mutex::new(Instant::now()),
        })
    }

    /// The journal behind the transfers.
    pub fn journal(&self) -> &crate::journal::Journal {
        self.queue.journal()
    }

    /// Keeps dropped or picked paths and returns the id the page refers to them by.
    pub fn add_selection(&self, paths: Vec<PathBuf>) -> u64 {
        let id = self.next_selection.fetch_add(1, Ordering::Relaxed) + 1;
        lock(&self.selections).insert(id, paths);
        id
    }

    /// Lets go of a selection the person decided not to upload.
    pub fn discard_selection(&self, id: u64) {
        lock(&self.selections).remove(&id);
    }

    fn selection_paths(&self, id: u64) -> Result<Vec<PathBuf>> {
        lock(&self.selections).get(&id).cloned().ok_or_else(selection_gone)
    }

    /// Names, sizes and whether each name is already taken in `dest`. Folders are walked to count
    /// their files; nothing is kept of them.
    pub async fn inspect(&self, id: u64, bucket: &Bucket, dest: &Prefix) -> Result<Selection> {
        let items = futures::stream::iter(self.selection_paths(id)?)
            .map(|path| async move {
                let name = local_name(&path)?;
                let meta = tokio::fs::metadata(&path).await.map_err(|e| Error::local_io(&path, &e))?;
                let is_folder = meta.is_dir();
                let (size, files) = if is_folder { count(path).await? } else { (meta.len(), 1) };
                let exists = taken(bucket, dest, &name, is_folder).await?;
                Ok::<_, Error>(SelectionItem { name, is_folder, size, files, exists })
            })
            .buffered(CHECKS_IN_FLIGHT)
            .try_collect()
            .await?;
        Ok(Selection { id, items })
    }

    /// Queues selection `id` for `dest`, one group per item, and starts uploading; returns the
    /// groups at once. Items whose names are taken follow `choices` (keyed by item name). A name
    /// that became taken after the person answered (no choice for it) is not uploaded: it comes
    /// back as a new selection to ask about again. Two items of one name in one drop never
    /// overwrite each other: the later ones are numbered. The selection is let go of.
    pub async fn upload_selection(
        self: &Arc<Self>,
        id: u64,
        bucket: &Bucket,
        dest: &Prefix,
        choices: &HashMap<String, ConflictChoice>,
    ) -> Result<UploadStarted> {
        let paths = lock(&self.selections).remove(&id).ok_or_else(selection_gone)?;
        let mut groups = Vec::new();
        let mut ask_again = Vec::new();
        let mut used = std::collections::HashSet::new();
        for path in paths {
            let name = local_name(&path)?;
            let is_folder = path.is_dir();
            let (stored, on_conflict) = if used.contains(&name) {
                (free_name(bucket, dest, &name, is_folder, &used).await?, OnConflict::Refuse)
            } else {
                match (taken(bucket, dest, &name, is_folder).await?, choices.get(&name)) {
                    (false, _) => (name, OnConflict::Refuse),
                    (true, Some(ConflictChoice::Replace)) => (name, OnConflict::Replace),
                    (true, Some(ConflictChoice::KeepBoth)) => {
                        (free_name(bucket, dest, &name, is_folder, &used).await?, OnConflict::Refuse)
                    }
                    (true, Some(ConflictChoice::Skip)) => continue,
                    (true, None) => {
                        ask_again.push(path);
                        continue;
                    }
                }
            };
            used.insert(stored.clone());
            let item = Item { path, name: stored.clone() };
            let enqueued = self.queue.enqueue(bucket, dest, &stored, is_folder, vec![item], on_conflict).await?;
            let skipped_total = enqueued.refused.len() as u64;
            let skipped = enqueued
                .refused
                .into_iter()
                .take(SKIPPED_LISTED)
                .map(|failure| SkippedFile { name: failure.path.display().to_string(), error: failure.error })
                .collect();
            let group = self.add_group(enqueued.batch, bucket.clone());
            *lock(&group.skipped) = (skipped, skipped_total);
            groups.push(group.update());
            self.start(group);
        }
        let ask_again = if ask_again.is_empty() {
            None
        } else {
            let again = self.add_selection(ask_again);
            Some(self.inspect(again, bucket, dest).await?)
        };
        Ok(UploadStarted { groups, ask_again })
    }

    /// Takes over uploads that an earlier run of Coffer (or a `coffer put`) left, and runs the
    /// unfinished ones. Failed files are shown again, waiting for Retry or Discard, never re-run by
    /// themselves. `open` opens a connection by name. Says how many files will run, and whether the
    /// journal had to be moved aside.
    pub async fn resume<F, Fut>(self: &Arc<Self>, open: F) -> Result<Resumed>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = Result<Bucket>>,
    {
        let mut resumed = 0;
        for info in self.queue.claim_unfinished()? {
            if lock(&self.groups).contains_key(&info.id) {
                continue;
            }
            let bucket = match open(info.connection.clone()).await {
                Ok(bucket) => bucket,
                // Left in the journal for a later start, when the connection may work again.
                Err(e) => {
                    tracing::warn!("uploads to '{}' stay queued: {e}", info.connection);
                    continue;
                }
            };
            let failed = info.failed;
            let waiting = info.files.saturating_sub(failed);
            let group = self.add_group(info, bucket);
            group.tally.add_failed(failed);
            // The group goes first, so the page knows where its failed files belong.
            self.note_group(group.info.id);
            self.report_failed(&group, TransferState::Failed)?;
            resumed += waiting;
            if waiting > 0 {
                self.start(group);
            }
        }
        self.flush(true);
        let journal_moved_to = self.queue.journal().moved_aside().map(|p| p.display().to_string());
        let journal_in_memory = self.queue.journal().in_memory().map(str::to_owned);
        Ok(Resumed { files: resumed, journal_moved_to, journal_in_memory })
    }

    /// Runs a failed file again. A running one is refused.
    pub fn retry(self: &Arc<Self>, id: u64) -> Result<()> {
        let entry = self.queue.journal().get(id)?.ok_or_else(transfer_gone)?;
        let group = self.group(entry.batch)?;
        self.queue.retry(id)?;
        group.tally.retried(1);
        self.start_again(group);
        Ok(())
    }

    /// Who later uploads record as the uploader.
    pub fn set_uploaded_by(&self, name: &str) {
        self.queue.set_uploaded_by(name);
    }

    /// Answers for a file that failed because its document changed in the bucket while it was
    /// uploading (or its name was taken): replace the version there now, store it beside it under
    /// a free name, or skip it.
    pub async fn resolve(self: &Arc<Self>, id: u64, choice: ConflictChoice) -> Result<()> {
        let journal = self.queue.journal();
        let entry = journal.get(id)?.ok_or_else(transfer_gone)?;
        let group = self.group(entry.batch)?;
        match choice {
            ConflictChoice::Skip => return self.cancel(id),
            ConflictChoice::Replace => {
                let seen = group.bucket.seen_now(&entry.key).await?;
                journal.requeue_to(id, &entry.key, &seen)?;
            }
            ConflictChoice::KeepBoth => {
                let folder = entry.key.folder();
                let name = free_name(&group.bucket, &folder, entry.key.name(), false, &Default::default()).await?;
                journal.requeue_to(id, &folder.join(&name)?, &Seen::Absent)?;
            }
        }
        group.tally.retried(1);
        self.start_again(group);
        Ok(())
    }

    /// Runs every failed file of group `id` again.
    pub fn retry_group(self: &Arc<Self>, id: u64) -> Result<()> {
        let group = self.group(id)?;
        let retried = self.queue.retry_failed(id)?;
        group.tally.retried(retried);
        self.start_again(group);
        Ok(())
    }

    /// Cancels file `id`: a running one stops; a waiting or failed one is removed from the queue.
    pub fn cancel(&self, id: u64) -> Result<()> {
        if let Some(entry) = self.queue.cancel(id)? {
            if let Ok(group) = self.group(entry.batch) {
                if entry.state == crate::journal::EntryState::Failed {
                    group.tally.retried(1);
                }
                group.tally.dropped(1, entry.size);
                self.note_file(file_update(&entry, TransferState::Cancelled, None, None));
                self.note_group(group.info.id);
            }
            self.flush(true);
        }
        Ok(())
    }

    /// Cancels group `id`: its running files stop, and its waiting and failed files leave the queue.
    pub fn cancel_group(&self, id: u64) -> Result<()> {
        let group = self.group(id)?;
        group.cancel().cancel();
        if !group.running.load(Ordering::Relaxed) {
            self.discard_waiting(&group)?;
            self.flush(true);
        }
        Ok(())
    }

    /// Cancels every group.
    pub fn cancel_all(&self) {
        let groups: Vec<Arc<Group>> = lock(&self.groups).values().cloned().collect();
        for group in groups {
            group.cancel().cancel();
        }
    }

    fn add_group(&self, info: BatchInfo, bucket: Bucket) -> Arc<Group> {
        let group = Arc::new(Group {
            tally: Tally::new(info.files, info.bytes),
            info,
            bucket,
            cancel: Mutex::default(),
            running: AtomicBool::new(false),
            skipped: Mutex::default(),
            note: Mutex::default(),
        });
        lock(&self.groups).insert(group.info.id, Arc::clone(&group));
        group
    }

    fn group(&self, id: u64) -> Result<Arc<Group>> {
        lock(&self.groups).get(&id).cloned().ok_or_else(transfer_gone)
    }

    /// Starts a runner for a group that has none; one already running picks up what was requeued.
    fn start_again(self: &Arc<Self>, group: Arc<Group>) {
        if group.cancel().is_cancelled() {
            *lock(&group.cancel) = CancellationToken::new();
        }
        self.start(group);
    }

    fn start(self: &Arc<Self>, group: Arc<Group>) {
        // Only one runner per group: two would split its files between them for nothing.
        if group.running.swap(true, Ordering::AcqRel) {
            return;
        }
        self.note_group(group.info.id);
        tokio::spawn(Arc::clone(self).drive(group));
    }

    /// Runs a group's queued files until none is left, reporting as it goes.
    async fn drive(self: Arc<Self>, group: Arc<Group>) {
        let batch = group.info.id;
        loop {
            let cancel = group.cancel();
            let events = GroupEvents { transfers: &self, group: &group };
            let run = self.queue.run(&group.bucket, batch, &events, &cancel);
            let result = tokio::select! {
                result = run => result,
                () = self.tick() => unreachable!("the ticker never ends"),
            };
            if let Err(e) = &result
                && e.kind() != ErrorKind::Cancelled
            {
                *lock(&group.note) = Some(e.clone());
            }
            if cancel.is_cancelled() {
                if let Err(e) = self.discard_waiting(&group) {
                    *lock(&group.note) = Some(e);
                }
            } else if result.is_ok() && self.queue.journal().has_queued(batch).unwrap_or(false) {
                // Retried while the run was finishing: go round again.
                continue;
            }
            group.running.store(false, Ordering::Release);
            // A retry that came in just now found the runner still marked running; take its files.
            if !cancel.is_cancelled()
                && self.queue.journal().has_queued(batch).unwrap_or(false)
                && !group.running.swap(true, Ordering::AcqRel)
            {
                continue;
            }
            break;
        }
        self.note_group(batch);
        self.flush(true);
    }

    /// Removes a group's waiting and failed files from the queue. Called only when no runner is
    /// at work on the group, so what the journal holds of it is exactly that.
    fn discard_waiting(&self, group: &Group) -> Result<()> {
        let journal = self.queue.journal();
        let Some(left) = journal.batch(group.info.id)? else { return Ok(()) };
        self.report_failed(group, TransferState::Cancelled)?;
        journal.remove_waiting(group.info.id)?;
        // What never ran leaves the count, so the group's bar ends where its work ended.
        group.tally.retried(left.failed);
        group.tally.dropped(left.files, left.bytes);
        self.note_group(group.info.id);
        Ok(())
    }

    /// Reports every failed file of a group the journal holds as `state`, a page at a time, so
    /// however many there are, only a page of them waits in memory.
    fn report_failed(&self, group: &Group, state: TransferState) -> Result<()> {
        let mut after = 0;
        loop {
            let failed = self.queue.journal().failed(group.info.id, after, PAGE)?;
            let Some(last) = failed.last() else { return Ok(()) };
            after = last.id;
            for entry in &failed {
                let error = (state == TransferState::Failed)
                    .then(|| entry.error.clone().unwrap_or_else(Error::transfer_failed));
                self.note_file(file_update(entry, state, error, None));
            }
            self.flush(true);
        }
    }

    async fn tick(&self) {
        let mut interval = tokio::time::interval(REPORT_INTERVAL);
        loop {
            interval.tick().await;
            self.flush(true);
        }
    }

    fn note_group(&self, id: u64) {
        let mut pending = lock(&self.pending);
        if !pending.groups.contains(&id) {
            pending.groups.push(id);
        }
    }

    fn note_file(&self, update: FileUpdate) {
        lock(&self.pending).files.insert(update.id, update);
    }

    /// Sends what is pending: always if `now`, otherwise only once the interval has passed.
    fn flush(&self, now: bool) {
        let mut last = lock(&self.last_report);
        if !now && last.elapsed() < REPORT_INTERVAL {
            return;
        }
        let Pending { groups, files } = std::mem::take(&mut *lock(&self.pending));
        if groups.is_empty() && files.is_empty() {
            return;
        }
        *last = Instant::now();
        let all = lock(&self.groups);
        let groups = groups.iter().filter_map(|id| all.get(id)).map(|g| g.update()).collect();
        drop(all);
        (self.report)(TransferReport { groups, files: files.into_values().collect() });
    }
}

/// A group's run reporting into the session.
struct GroupEvents<'a> {
    transfers: &'a Transfers,
    group: &'a Group,
}

impl GroupEvents<'_> {
    fn changed(&self) {
        self.transfers.note_group(self.group.info.id);
        self.transfers.flush(false);
    }
}

impl Events for GroupEvents<'_> {
    fn started(&self, entry: &JournalEntry) {
        self.transfers.note_file(file_update(entry, TransferState::Running, None, None));
        self.changed();
    }

    fn bytes(&self, id: u64, bytes: u64) {
        self.group.tally.bytes(id, bytes);
        self.changed();
    }

    fn resized(&self, id: u64, old: u64, new: u64) {
        self.group.tally.resized(id, old, new);
        self.changed();
    }

    fn waiting(&self, id: u64, waiting: bool) {
        self.group.tally.waiting(id, waiting);
        self.changed();
    }

    fn ended(&self, outcome: FileOutcome) {
        let (state, size, error, note) = match &outcome.result {
            Ok(done) => (TransferState::Done, done.size, None, done_note(done)),
            Err(e) if e.kind() == ErrorKind::Cancelled => (TransferState::Cancelled, 0, None, None),
            Err(e) => (TransferState::Failed, 0, Some(e.clone()), None),
        };
        self.transfers.note_file(FileUpdate {
            id: outcome.id,
            group: self.group.info.id,
            connection: self.group.info.connection.clone(),
            key: outcome.key.to_string(),
            name: outcome.key.name().to_owned(),
            state,
            size,
            error,
            note,
        });
        self.group.tally.ended(outcome);
        self.changed();
    }
}

fn done_note(done: &crate::upload::Uploaded) -> Option<FileNote> {
    if done.restarted {
        Some(FileNote::Restarted)
    } else if done.parts_resumed > 0 {
        Some(FileNote::Resumed { parts: done.parts_resumed })
    } else {
        None
    }
}

fn file_update(entry: &JournalEntry, state: TransferState, error: Option<Error>, note: Option<FileNote>) -> FileUpdate {
    FileUpdate {
        id: entry.id,
        group: entry.batch,
        connection: entry.connection.clone(),
        key: entry.key.to_string(),
        name: entry.key.name().to_owned(),
        state,
        size: entry.size,
        error,
        note,
    }
}

/// Files and bytes under a folder, counted with the one walker, off the async threads.
async fn count(folder: PathBuf) -> Result<(u64, u64)> {
    tokio::task::spawn_blocking(move || {
        let (mut bytes, mut files) = (0u64, 0u64);
        walk(&folder, |found| {
            if let Found::File { size, .. } = found {
                bytes = bytes.saturating_add(size);
                files += 1;
            }
            Ok(())
        })?;
        Ok((bytes, files))
    })
    .await
    .expect("counting does not panic")
}

/// Whether `name` (a document, or a folder with anything in it) is taken in `dest`.
async fn taken(bucket: &Bucket, dest: &Prefix, name: &str, is_folder: bool) -> Result<bool> {
    if is_folder {
        return bucket.folder_exists(&dest.child(name)?).await;
    }
    exists(bucket, &dest.join(name)?).await
}

async fn exists(bucket: &Bucket, key: &ObjectKey) -> Result<bool> {
    match bucket.stat(key).await {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// The first of "name (1).ext", "name (2).ext", … that is free in `dest` and not among `used`.
async fn free_name(
    bucket: &Bucket,
    dest: &Prefix,
    name: &str,
    is_folder: bool,
    used: &std::collections::HashSet<String>,
) -> Result<String> {
    for n in 1..10_000 {
        let candidate = crate::queue::numbered(name, n, is_folder);
        if !used.contains(&candidate) && !taken(bucket, dest, &candidate, is_folder).await? {
            return Ok(candidate);
        }
    }
    Err(Error::no_free_name_here(name))
}

fn selection_gone() -> Error {
    Error::selection_gone()
}

fn transfer_gone() -> Error {
    Error::transfer_unknown()
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use crate::queue::numbered;

    #[test]
    fn keep_both_names_number_before_the_extension() {
        assert_eq!(numbered("report.pdf", 1, false), "report (1).pdf");
        assert_eq!(numbered("archive.tar.gz", 2, false), "archive.tar (2).gz");
        assert_eq!(numbered("README", 1, false), "README (1)");
        assert_eq!(numbered(".env", 1, false), ".env (1)");
        assert_eq!(numbered("v1.2 docs", 3, true), "v1.2 docs (3)");
    }
}
