//! Edit in place: a document opened for editing is downloaded to a private cache, watched, and
//! every save the editing app makes there goes back to the bucket.
//!
//! The design decision that matters: **a save only ever replaces the version it was made from.**
//! Each session remembers the version it opened (or last saved) and uploads through the one
//! upload [`Queue`] with that version as the write's precondition. If a colleague changed the
//! document meanwhile, the save is stored beside it as "name (conflicted copy, who, date).ext"
//! and the session goes on saving there, so nothing is lost and nothing is overwritten unseen.
//! Sessions are recorded in `editing.json` in the data folder, so saves made while Coffer was
//! closed are found and uploaded at the next start ([`Editor::resume`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use notify::Watcher;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::bucket::Bucket;
use crate::checksum::{looks_like_md5, md5_file, unquote};
use crate::error::{Error, ErrorKind, Result};
use crate::key::ObjectKey;
use crate::lock::{EditLock, LEASE, Taken, now_ms};
use crate::queue::{OnConflict, Queue};
use crate::seen::Seen;
use crate::upload::{Events, FileOutcome, Progress, Uploaded};

/// A save is uploaded once the file has had no change for this long: editors write a document in
/// several steps (a temporary file, a rename, lock files), and only the last state is worth sending.
pub const SETTLE: Duration = Duration::from_millis(1500);

/// How often a save that failed is tried again while the document stays open.
const RETRY_FAILED: Duration = Duration::from_secs(30);

/// Where an edited document stands, as its row shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", tag = "state")]
pub enum EditState {
    /// Open for editing; everything saved so far is in the bucket.
    Editing,
    /// A save is on its way to the bucket.
    Saving,
    /// The last save is in the bucket.
    Saved {
        /// When it was stored, in milliseconds since the epoch.
        #[serde(rename = "atMs")]
        at_ms: i64,
    },
    /// Someone changed the document meanwhile: the save went beside it, to `copy`.
    Conflict {
        /// The conflicted copy, where later saves go too.
        copy: String,
    },
    /// The last save could not be stored; it is tried again every 30 seconds, at the next save,
    /// at "Done" and at the next start.
    Failed {
        /// Why, to show.
        error: Error,
    },
    /// Editing is over: the last save is in the bucket and the lock is released.
    Done,
}

/// One document's editing state, as the window receives it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct EditUpdate {
    /// The connection.
    pub connection: String,
    /// The document opened, relative to the connection's prefix.
    pub key: String,
    /// Where saves go now (the document, or its conflicted copy).
    pub saves_to: String,
    /// Its state.
    pub status: EditState,
    /// Saved in the editor but not yet stored in the bucket.
    pub pending: bool,
}

/// What opening a document for editing did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Opened {
    /// The document is in `path`, watched: open it in its app.
    Editing(PathBuf),
    /// Someone else is editing it; nothing was downloaded. Ask whether to open a read-only copy
    /// ([`Editor::open_read_only`]) or to open anyway.
    Locked(EditLock),
}

/// What is known to be stored: the local file as it was when it last reached the bucket.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Stored {
    size: u64,
    modified_ms: i64,
    md5: String,
}

/// One editing session, as recorded in `editing.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Session {
    connection: String,
    /// The document opened.
    key: String,
    /// Where saves go: the document, or its conflicted copy after a conflict.
    saves_to: String,
    path: PathBuf,
    /// The version saves may replace (the journal's text form of [`Seen`]).
    seen: String,
    stored: Stored,
    /// The lock's holder id, unique to this session.
    holder: String,
    since_ms: i64,
}

/// A running session: its record, and the switch that stops its watcher.
struct Live {
    session: Session,
    stop: CancellationToken,
    status: EditState,
    /// A save is running; another waits for it.
    saving: Arc<tokio::sync::Mutex<()>>,
}

/// Tells the window (or a test) how each edited document stands.
pub type EditEvents = Arc<dyn Fn(EditUpdate) + Send + Sync>;

/// Every editing session of this person, their watchers and their locks.
pub struct Editor {
    file: PathBuf,
    queue: Arc<Queue>,
    events: EditEvents,
    live: Mutex<HashMap<PathBuf, Live>>,
}

impl Editor {
    /// Sessions recorded in `data_dir`, uploading through `queue`, reporting to `events`. Nothing
    /// is watched until [`Editor::open`] or [`Editor::resume`].
    pub fn new(data_dir: &Path, queue: Arc<Queue>, events: EditEvents) -> Arc<Self> {
        Arc::new(Self { file: data_dir.join("editing.json"), queue, events, live: Mutex::default() })
    }

    fn recorded(&self) -> Vec<Session> {
        std::fs::read(&self.file).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok()).unwrap_or_default()
    }

    /// Rewrites `editing.json` from the running sessions plus the recorded ones not running here,
    /// less the one to `forget`.
    fn record(&self, forget: Option<&Path>) -> Result<()> {
        let live = self.lock_live();
        let mut sessions: Vec<Session> = live.values().map(|l| l.session.clone()).collect();
        sessions.extend(
            self.recorded().into_iter().filter(|s| !live.contains_key(&s.path) && Some(s.path.as_path()) != forget),
        );
        drop(live);
        crate::coffer::save_file(&self.file, &serde_json::to_string_pretty(&sessions).expect("sessions serialise"))
    }

    fn lock_live(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, Live>> {
        self.live.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The connections with recorded sessions, to [`Editor::resume`] at start.
    pub fn connections_to_resume(&self) -> Vec<String> {
        let mut names: Vec<String> = self.recorded().into_iter().map(|s| s.connection).collect();
        names.sort();
        names.dedup();
        names
    }

    /// The local files of every recorded session, which the cache sweep must leave alone.
    pub fn files(&self) -> Vec<PathBuf> {
        self.recorded().into_iter().map(|s| s.path).collect()
    }

    /// Downloads `key` to `path` and watches it, so every save there goes back to the bucket; the
    /// document is locked for colleagues meanwhile. Someone else's live lock is returned instead,
    /// unless `anyway`. A document already being edited here is not downloaded again: its file
    /// may hold saves not yet uploaded. The download reports to `progress` and stops on `cancel`.
    pub async fn open(
        self: &Arc<Self>,
        bucket: &Bucket,
        key: &ObjectKey,
        path: PathBuf,
        anyway: bool,
        progress: &(dyn Fn(Progress) + Sync),
        cancel: &CancellationToken,
    ) -> Result<Opened> {
        if self.lock_live().contains_key(&path) {
            return Ok(Opened::Editing(path));
        }
        if let Some(recorded) = self.recorded().into_iter().find(|s| s.path == path) {
            self.start(bucket, recorded).await?;
            self.renew_lock(bucket, &path).await;
            return Ok(Opened::Editing(path));
        }
        let (holder, since_ms) = (format!("{:016x}", rand::random::<u64>()), now_ms());
        if !anyway {
            match bucket.take_lock(key, &self.queue.uploaded_by(), &holder, since_ms).await {
                Ok(Taken::Ours) => {}
                Ok(Taken::HeldBy(lock)) => return Ok(Opened::Locked(lock)),
                // A key that may not write cannot lock; its saves will say why.
                Err(e) => tracing::warn!("could not lock '{key}': {e}"),
            }
        }
        let downloaded = match bucket.download(key, &path, progress, cancel).await {
            Ok(downloaded) => downloaded,
            Err(e) => {
                // Nothing to edit: the lock just taken would only mislead colleagues until it lapsed.
                let _ = bucket.release_lock(key, &holder).await;
                return Err(e);
            }
        };
        let seen = Seen::Present { etag: downloaded.etag, size: downloaded.size, modified_s: None };
        let stored = stored_state(&path).await?;
        let session = Session {
            connection: bucket.connection().name.clone(),
            key: key.to_string(),
            saves_to: key.to_string(),
            path: path.clone(),
            seen: seen.encode(),
            stored,
            holder,
            since_ms,
        };
        self.start(bucket, session).await?;
        Ok(Opened::Editing(path))
    }

    /// Downloads `key` to `path` as a read-only copy, not watched and not locked.
    pub async fn open_read_only(
        &self,
        bucket: &Bucket,
        key: &ObjectKey,
        path: &Path,
        progress: &(dyn Fn(Progress) + Sync),
        cancel: &CancellationToken,
    ) -> Result<()> {
        if path.exists() {
            make_writable(path);
        }
        bucket.download(key, path, progress, cancel).await?;
        let mut permissions = std::fs::metadata(path).map_err(|e| Error::local_io(path, &e))?.permissions();
        permissions.set_readonly(true);
        std::fs::set_permissions(path, permissions).map_err(|e| Error::local_io(path, &e))
    }

    /// Takes up every recorded session of `bucket`'s connection: saves made while Coffer was not
    /// running are uploaded now, and the files are watched again.
    pub async fn resume(self: &Arc<Self>, bucket: &Bucket) -> Result<()> {
        let name = &bucket.connection().name;
        for session in self.recorded().into_iter().filter(|s| &s.connection == name) {
            if !self.lock_live().contains_key(&session.path) {
                let path = session.path.clone();
                self.start(bucket, session).await?;
                self.renew_lock(bucket, &path).await;
            }
        }
        Ok(())
    }

    async fn start(self: &Arc<Self>, bucket: &Bucket, session: Session) -> Result<()> {
        let path = session.path.clone();
        let stop = CancellationToken::new();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        // Editors replace the file (a temporary file renamed over it), so its folder is watched,
        // not the file; other names there (`~$name`, `.~lock.name#`, the temporary file) are ignored.
        let watched = path.clone();
        let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            if event.is_ok_and(|e| e.paths.iter().any(|p| p == &watched)) {
                let _ = tx.send(());
            }
        })
        .map_err(|e| watch_error(&path, &e))?;
        let folder = path.parent().expect("a cached file lives in a folder");
        watcher.watch(folder, notify::RecursiveMode::NonRecursive).map_err(|e| watch_error(&path, &e))?;
        self.lock_live().insert(
            path.clone(),
            Live { session: session.clone(), stop: stop.clone(), status: EditState::Editing, saving: Arc::default() },
        );
        self.record(None)?;
        self.report(&path);
        let (editor, bucket) = (Arc::clone(self), bucket.clone());
        tokio::spawn(async move {
            editor.watch(&bucket, &path, rx, &stop).await;
            drop(watcher);
        });
        Ok(())
    }

    async fn watch(
        &self,
        bucket: &Bucket,
        path: &Path,
        mut changes: tokio::sync::mpsc::UnboundedReceiver<()>,
        stop: &CancellationToken,
    ) {
        // Saves made before the watcher started (while Coffer was closed) go first.
        self.save_if_changed(bucket, path).await;
        // Taken when the session started; renewed well before it lapses.
        let mut renew = tokio::time::interval_at(tokio::time::Instant::now() + LEASE / 3, LEASE / 3);
        let mut retry = tokio::time::interval_at(tokio::time::Instant::now() + RETRY_FAILED, RETRY_FAILED);
        loop {
            tokio::select! {
                () = stop.cancelled() => break,
                Some(()) = changes.recv() => {
                    loop {
                        tokio::select! {
                            () = stop.cancelled() => return,
                            more = tokio::time::timeout(SETTLE, changes.recv()) => match more {
                                Ok(Some(())) => continue,
                                _ => break,
                            },
                        }
                    }
                    self.save_if_changed(bucket, path).await;
                }
                _ = renew.tick() => self.renew_lock(bucket, path).await,
                // A save that failed (the server unreachable, say) is tried again by itself.
                _ = retry.tick() => {
                    if matches!(self.lock_live().get(path).map(|l| &l.status), Some(EditState::Failed { .. })) {
                        self.save_if_changed(bucket, path).await;
                    }
                }
            }
        }
    }

    async fn renew_lock(&self, bucket: &Bucket, path: &Path) {
        let Some(session) = self.session(path) else { return };
        let Ok(key) = ObjectKey::new(&session.key) else { return };
        match bucket.take_lock(&key, &self.queue.uploaded_by(), &session.holder, session.since_ms).await {
            Ok(Taken::Ours) => {}
            // Opened anyway over a colleague's lock: theirs stays, the saves stay guarded.
            Ok(Taken::HeldBy(lock)) => tracing::info!("'{key}' is also being edited by {}", lock.by),
            // A key that may not write cannot lock; its saves will say why.
            Err(e) => tracing::warn!("could not lock '{key}': {e}"),
        }
    }

    fn session(&self, path: &Path) -> Option<Session> {
        self.lock_live().get(path).map(|l| l.session.clone())
    }

    fn set_status(&self, path: &Path, status: EditState) {
        if let Some(live) = self.lock_live().get_mut(path) {
            live.status = status;
        }
        self.report(path);
    }

    fn report(&self, path: &Path) {
        let update = self.lock_live().get(path).map(|live| update_of(live, pending(&live.session)));
        if let Some(update) = update {
            (self.events)(update);
        }
    }

    /// Every running session's state.
    pub fn sessions(&self) -> Vec<EditUpdate> {
        let mut updates: Vec<EditUpdate> =
            self.lock_live().values().map(|live| update_of(live, pending(&live.session))).collect();
        updates.sort_by(|a, b| a.key.cmp(&b.key));
        updates
    }

    /// Documents saved in their editor whose last save is not in the bucket yet.
    pub fn pending(&self) -> Vec<EditUpdate> {
        self.sessions().into_iter().filter(|u| u.pending || u.status == EditState::Saving).collect()
    }

    /// Uploads the file if it differs from what was last stored. Failures are reported, not
    /// returned: the watcher goes on, and the save is tried again at the next change.
    async fn save_if_changed(&self, bucket: &Bucket, path: &Path) {
        if let Err(error) = self.try_save(bucket, path).await {
            self.set_status(path, EditState::Failed { error });
        }
    }

    async fn try_save(&self, bucket: &Bucket, path: &Path) -> Result<()> {
        let Some(saving) = self.lock_live().get(path).map(|l| Arc::clone(&l.saving)) else { return Ok(()) };
        let _one_at_a_time = saving.lock().await;
        let Some(session) = self.session(path) else { return Ok(()) };
        let Some(now) = file_state(path) else { return Ok(()) };
        if (now.size, now.modified_ms) == (session.stored.size, session.stored.modified_ms) {
            return Ok(());
        }
        let stored = stored_state(path).await?;
        if stored.md5 == session.stored.md5 {
            // Touched, not changed.
            return self.update(path, |s| s.stored = stored);
        }
        self.set_status(path, EditState::Saving);
        let key = ObjectKey::new(&session.saves_to)?;
        let seen = Seen::decode(&session.seen).unwrap_or(Seen::Absent);
        let enqueued = self.queue.enqueue_save(bucket, path, &key, seen).await?;
        match self.run(bucket, enqueued.batch.id).await {
            Ok(uploaded) => {
                let seen = stored_version(bucket, &uploaded).await?;
                self.update(path, |s| (s.seen, s.stored) = (seen.encode(), stored))?;
                self.set_status(path, EditState::Saved { at_ms: now_ms() });
                Ok(())
            }
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                if ours_already(bucket, &key, &stored.md5).await {
                    // Stored by a save that ended with the process, before it was recorded.
                    let seen = bucket.seen_now(&key).await?;
                    self.update(path, |s| (s.seen, s.stored) = (seen.encode(), stored))?;
                    self.set_status(path, EditState::Saved { at_ms: now_ms() });
                    return Ok(());
                }
                let (copy, seen) = self.save_conflicted_copy(bucket, path, &key).await?;
                self.update(path, |s| (s.saves_to, s.seen, s.stored) = (copy.to_string(), seen.encode(), stored))?;
                self.set_status(path, EditState::Conflict { copy: copy.to_string() });
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Stores the file beside `key` as its conflicted copy (numbered if that name is taken too).
    async fn save_conflicted_copy(&self, bucket: &Bucket, path: &Path, key: &ObjectKey) -> Result<(ObjectKey, Seen)> {
        let name = conflicted_name(key.name(), &self.queue.uploaded_by(), chrono::Local::now().date_naive());
        let item = crate::queue::Item { path: path.to_owned(), name: name.clone() };
        let folder = key.folder();
        let enqueued = self.queue.enqueue(bucket, &folder, &name, false, vec![item], OnConflict::KeepBoth).await?;
        if let Some(refused) = enqueued.refused.into_iter().next() {
            return Err(refused.error);
        }
        let uploaded = self.run(bucket, enqueued.batch.id).await?;
        let seen = stored_version(bucket, &uploaded).await?;
        Ok((uploaded.key, seen))
    }

    /// Runs a one-file batch and returns how the file went. A failed file leaves the journal: the
    /// session keeps the save and tries again, so the transfer list does not hold it twice.
    async fn run(&self, bucket: &Bucket, batch: u64) -> Result<Uploaded> {
        let outcome = OneFile::default();
        self.queue.run(bucket, batch, &outcome, &CancellationToken::new()).await?;
        let outcome = outcome.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        let outcome = outcome.ok_or_else(Error::save_left_queue)?;
        if outcome.result.is_err() {
            let _ = self.queue.cancel(outcome.id);
        }
        outcome.result
    }

    fn update(&self, path: &Path, change: impl FnOnce(&mut Session)) -> Result<()> {
        if let Some(live) = self.lock_live().get_mut(path) {
            change(&mut live.session);
        }
        self.record(None)
    }

    /// Ends editing `key` of `bucket`: a last save goes up if the file changed, then the watcher
    /// stops, the lock is released and the session is forgotten. If that save fails, editing goes
    /// on and the error is returned.
    pub async fn done(&self, bucket: &Bucket, key: &ObjectKey) -> Result<()> {
        let name = &bucket.connection().name;
        let path = self
            .lock_live()
            .iter()
            .find(|(_, l)| &l.session.connection == name && l.session.key == key.as_str())
            .map(|(path, _)| path.clone());
        let Some(path) = path else { return Ok(()) };
        if let Err(error) = self.try_save(bucket, &path).await {
            self.set_status(&path, EditState::Failed { error: error.clone() });
            return Err(error);
        }
        let Some(live) = self.lock_live().remove(&path) else { return Ok(()) };
        live.stop.cancel();
        self.record(Some(&path))?;
        if let Err(e) = bucket.release_lock(key, &live.session.holder).await {
            tracing::warn!("could not release the lock on '{key}': {e}");
        }
        (self.events)(update_of(&Live { status: EditState::Done, ..live }, false));
        Ok(())
    }

    /// Stops watching and releases this computer's locks, keeping the sessions recorded so the
    /// next start finds saves made meanwhile. `bucket_of` gives each connection's bucket.
    pub async fn quit(&self, buckets: &HashMap<String, Bucket>) {
        let sessions: Vec<Session> = self
            .lock_live()
            .drain()
            .map(|(_, live)| {
                live.stop.cancel();
                live.session
            })
            .collect();
        for session in sessions {
            let (Some(bucket), Ok(key)) = (buckets.get(&session.connection), ObjectKey::new(&session.key)) else {
                continue;
            };
            if let Err(e) = bucket.release_lock(&key, &session.holder).await {
                tracing::warn!("could not release the lock on '{key}': {e}");
            }
        }
    }
}

/// Captures the one file of a one-file run.
#[derive(Default)]
struct OneFile(Mutex<Option<FileOutcome>>);

impl Events for OneFile {
    fn ended(&self, outcome: FileOutcome) {
        *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(outcome);
    }
}

fn update_of(live: &Live, pending: bool) -> EditUpdate {
    EditUpdate {
        connection: live.session.connection.clone(),
        key: live.session.key.clone(),
        saves_to: live.session.saves_to.clone(),
        status: live.status.clone(),
        pending,
    }
}

/// Whether the file differs (by size or time) from what was last stored.
fn pending(session: &Session) -> bool {
    file_state(&session.path)
        .is_some_and(|now| (now.size, now.modified_ms) != (session.stored.size, session.stored.modified_ms))
}

fn file_state(path: &Path) -> Option<Stored> {
    let meta = std::fs::metadata(path).ok().filter(std::fs::Metadata::is_file)?;
    let modified = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
    Some(Stored { size: meta.len(), modified_ms: i64::try_from(modified.as_millis()).ok()?, md5: String::new() })
}

async fn stored_state(path: &Path) -> Result<Stored> {
    let state = file_state(path).ok_or_else(|| Error::no_longer_there(path.display()))?;
    let owned = path.to_owned();
    let md5 = tokio::task::spawn_blocking(move || md5_file(&owned))
        .await
        .expect("hashing does not panic")
        .map_err(|e| Error::local_io(path, &e))?;
    Ok(Stored { md5, ..state })
}

/// The version a save stored, which the next save may replace.
async fn stored_version(bucket: &Bucket, uploaded: &Uploaded) -> Result<Seen> {
    if uploaded.etag.is_empty() {
        return bucket.seen_now(&uploaded.key).await;
    }
    Ok(Seen::Present { etag: uploaded.etag.clone(), size: uploaded.size, modified_s: None })
}

/// Whether `key` holds exactly the file (by its MD5), where the server's ETag is one.
async fn ours_already(bucket: &Bucket, key: &ObjectKey, md5: &str) -> bool {
    bucket.stat(key).await.is_ok_and(|info| looks_like_md5(&info.etag) && unquote(&info.etag) == md5)
}

fn make_writable(path: &Path) {
    if let Ok(meta) = std::fs::metadata(path) {
        let mut permissions = meta.permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        permissions.set_readonly(false);
        let _ = std::fs::set_permissions(path, permissions);
    }
}

fn watch_error(path: &Path, e: &notify::Error) -> Error {
    Error::watch_failed(path.display(), e)
}

/// "Budget.xlsx" edited by Alice on 29 Nov 2026 → "Budget (conflicted copy, Alice, 2026-11-29).xlsx".
pub fn conflicted_name(name: &str, by: &str, date: chrono::NaiveDate) -> String {
    let by: String = by.chars().filter(|c| !matches!(c, '/' | '\\') && !c.is_control()).collect();
    let label = format!("conflicted copy, {}, {}", by.trim(), date.format("%Y-%m-%d"));
    match name.rfind('.').filter(|&i| i > 0) {
        Some(dot) => format!("{} ({label}){}", &name[..dot], &name[dot..]),
        None => format!("{name} ({label})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflicted_copies_are_named_for_who_and_when() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        assert_eq!(conflicted_name("Budget.xlsx", "Alice", day), "Budget (conflicted copy, Alice, 2026-11-29).xlsx");
        assert_eq!(conflicted_name("notes", "Bob", day), "notes (conflicted copy, Bob, 2026-11-29)");
        assert_eq!(conflicted_name(".env", "A/B", day), ".env (conflicted copy, AB, 2026-11-29)");
    }
}
