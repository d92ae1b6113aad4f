//! What the window keeps between commands: the engine, opened buckets and the transfers.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError};
use std::time::SystemTime;

use coffer_engine::{
    Bucket, CancellationToken, Coffer, DeletePlan, Dirs, DownloadPlan, Editor, Error, Journal, KEEP_OPENED, MovePlan,
    MoveRun, OpenCache, Purge, Queue, Result, ShareLog, Transfers, UploadOptions,
};
use tauri::{AppHandle, Emitter};
use tokio::sync::Mutex;

/// The event every transfer report travels on; see [`coffer_engine::TransferReport`].
pub const TRANSFERS_EVENT: &str = "coffer://transfers";
/// The event each edited document's state travels on; see [`coffer_engine::EditUpdate`].
pub const EDITING_EVENT: &str = "coffer://editing";

pub struct AppState {
    pub coffer: Coffer,
    pub transfers: Arc<Transfers>,
    /// Where documents are downloaded to be opened with the system's default app.
    pub open_cache: OpenCache,
    /// Share links made from this computer, for the details panel.
    pub shares: ShareLog,
    /// Documents opened for editing, whose saves go back to the bucket.
    pub editor: Arc<Editor>,
    /// Opened connections by name, so each command does not rebuild an S3 client.
    buckets: Mutex<HashMap<String, Bucket>>,
    /// Deletes and moves counted and waiting for the person's answer, by id, with their connection.
    plans: std::sync::Mutex<HashMap<u64, (String, Plan)>>,
    next_plan: AtomicU64,
    /// The cancel switch of each move or copy running, by its plan's id.
    pub running: std::sync::Mutex<HashMap<u64, CancellationToken>>,
}

/// Something counted for the person to confirm.
pub enum Plan {
    Delete(DeletePlan),
    Move(MovePlan),
    Download(DownloadPlan),
}

impl AppState {
    pub fn new(app: &AppHandle, cache_dir: PathBuf) -> Result<Self> {
        let dirs = Dirs::from_os()?;
        // Never fatal: browsing must not depend on the journal, and uploads work without a file.
        let journal = Arc::new(Journal::open_or_in_memory(&dirs.data));
        let queue = Arc::new(Queue::new(journal, UploadOptions::default()));
        let coffer = Coffer::new(dirs);
        // An unreadable settings file only means the default name until it is saved again.
        queue.set_uploaded_by(&coffer.settings().load().unwrap_or_default().uploader());
        // Emitting fails only when the window is gone, and then nobody is left to tell.
        let to_page = app.clone();
        let editor = Editor::new(
            &coffer.dirs().data,
            Arc::clone(&queue),
            Arc::new(move |update| {
                let _ = to_page.emit(EDITING_EVENT, update);
            }),
        );
        let to_page = app.clone();
        let transfers = Transfers::new(queue, move |report| {
            let _ = to_page.emit(TRANSFERS_EVENT, report);
        });
        let open_cache = OpenCache::new(cache_dir.join("open"));
        // Copies opened more than a week ago, except those still being edited; a failure here only
        // leaves them for the next start.
        if let Err(e) = open_cache.sweep(KEEP_OPENED, std::time::SystemTime::now(), &editor.files()) {
            eprintln!("coffer: the Open cache was not cleaned: {e}");
        }
        let shares = ShareLog::new(&coffer.dirs().data);
        Ok(Self {
            coffer,
            transfers,
            open_cache,
            shares,
            editor,
            buckets: Mutex::default(),
            plans: std::sync::Mutex::default(),
            next_plan: AtomicU64::new(1),
            running: std::sync::Mutex::default(),
        })
    }

    pub async fn bucket(&self, connection: &str) -> Result<Bucket> {
        let mut buckets = self.buckets.lock().await;
        if let Some(bucket) = buckets.get(connection) {
            return Ok(bucket.clone());
        }
        let bucket = self.coffer.open(Some(connection)).await?;
        buckets.insert(connection.to_owned(), bucket.clone());
        // Once per connection and run: finish deletes a crash interrupted, then have what has
        // been in the trash longer than the person's setting purged: by the server's lifecycle
        // rule where the key may set one, else here. A failure only leaves it for the next start.
        let settings = self.coffer.settings().load().unwrap_or_default();
        let (days, by) = (settings.trash_days(), settings.uploader());
        let tidy = bucket.clone();
        let transfers = Arc::clone(&self.transfers);
        let indexed = bucket.clone();
        // Search answers from what is indexed so far (and says so) while the rest of the bucket
        // is listed; the build pauses while a folder is being listed for the window.
        tauri::async_runtime::spawn(async move {
            let Some(index) = indexed.search_index() else { return };
            if let Err(e) = index.build(&indexed, &|_| {}).await {
                eprintln!("coffer: the search index of '{}' was not built: {e}", indexed.connection().name);
            }
        });
        tauri::async_runtime::spawn(async move {
            let now = SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
            let limit = i64::try_from(now.as_millis()).unwrap_or(i64::MAX) - i64::from(days) * 86_400_000;
            if let Err(e) = async {
                // Moves a crash interrupted are finished first: copies checked, then originals deleted.
                let cancel = CancellationToken::new();
                let run = MoveRun { journal: transfers.journal(), by: &by, progress: &|_, _| {}, cancel: &cancel };
                tidy.resume_moves(&run).await?;
                tidy.finish_trash_moves().await?;
                match tidy.purge_trash_by_lifecycle(days).await? {
                    Purge::Server => Ok(0),
                    Purge::App => tidy.empty_trash(Some(limit)).await,
                }
            }
            .await
            {
                eprintln!("coffer: the trash of '{}' was not tidied: {e}", tidy.connection().name);
            }
        });
        Ok(bucket)
    }

    pub async fn bucket_owned(&self, connection: String) -> Result<Bucket> {
        self.bucket(&connection).await
    }

    /// Keeps a counted delete or move until the person answers; returns its id.
    pub fn keep_plan(&self, connection: String, plan: Plan) -> u64 {
        let id = self.next_plan.fetch_add(1, Ordering::Relaxed);
        self.plans.lock().unwrap_or_else(PoisonError::into_inner).insert(id, (connection, plan));
        id
    }

    /// The counted delete or move `id`, let go of.
    pub fn take_plan(&self, id: u64) -> Result<(String, Plan)> {
        self.plans.lock().unwrap_or_else(PoisonError::into_inner).remove(&id).ok_or_else(Error::nothing_on_hand)
    }

    /// Every connection opened in this run, by name.
    pub async fn opened(&self) -> HashMap<String, Bucket> {
        self.buckets.lock().await.clone()
    }

    /// Takes up editing sessions left by the last run: saves made while Coffer was closed are
    /// uploaded, and the documents are watched again. A connection that cannot be opened keeps
    /// its sessions for the next start.
    pub async fn resume_editing(&self) {
        for connection in self.editor.connections_to_resume() {
            let resumed = async { self.editor.resume(&self.bucket(&connection).await?).await }.await;
            if let Err(e) = resumed {
                eprintln!("coffer: edits of '{connection}' were not taken up: {e}");
            }
        }
    }

    /// Drops the cached client after a connection's settings or secret changed.
    pub async fn forget(&self, connection: &str) {
        self.buckets.lock().await.remove(connection);
    }
}
