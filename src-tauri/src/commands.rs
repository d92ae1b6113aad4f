//! The commands the page may call, each granted by name in `capabilities/main.json`.
//!
//! Each is a few lines: parse, call the engine, map the result. Long work reports through a
//! `Channel` handed in by the page. No command returns a secret.

use std::collections::HashMap;
use std::sync::PoisonError;
use std::time::{Duration, SystemTime};

use coffer_engine::{
    AccessKey, CancellationToken, Cleanup, ConflictChoice, Connection, ConnectionCheck, ConnectionInfo, Deleted, Depth,
    DownloadReport, EditLock, EditUpdate, Error, MoveKind, MoveRun, Moved, ObjectKey, OnConflict, Opened, Prefix,
    Progress, Restored, Resumed, SearchQuery, Selection, Settings, ShareLink, SharedLink, Target, TrashItem,
    UploadStarted, Uploader,
};
use tauri::ipc::Channel;
use tauri::{AppHandle, State, WebviewWindow};
use tauri_plugin_clipboard_manager::ClipboardExt;
use tauri_plugin_opener::OpenerExt;

use crate::ipc::{
    DeleteOutcome, DeleteProgress, DocumentDetails, ListEvent, OpenMode, PlannedDelete, PlannedDownload, PlannedMove,
    SearchEvent, SettingsView,
};
use crate::state::{AppState, Plan};

type Result<T> = std::result::Result<T, Error>;

#[tauri::command]
pub async fn list_connections(state: State<'_, AppState>) -> Result<Vec<ConnectionInfo>> {
    state.coffer.connections().await
}

#[tauri::command]
pub async fn save_connection(
    state: State<'_, AppState>,
    connection: Connection,
    access_key_id: Option<String>,
    secret: Option<String>,
    replacing: Option<String>,
) -> Result<Connection> {
    let key = AccessKey::from_form(access_key_id, secret)?;
    let saved = state.coffer.save_connection(connection, key, replacing.as_deref()).await?;
    state.forget(replacing.as_deref().unwrap_or(&saved.name)).await;
    state.forget(&saved.name).await;
    Ok(saved)
}

#[tauri::command]
pub async fn test_connection(
    state: State<'_, AppState>,
    connection: Connection,
    access_key_id: Option<String>,
    secret: Option<String>,
    saved: Option<String>,
) -> Result<ConnectionCheck> {
    let key = AccessKey::from_form(access_key_id, secret)?;
    state.coffer.test_connection(connection, key, saved.as_deref()).await
}

/// Aborts the connection's multipart uploads that nothing will finish: older than a day and not
/// in the transfer journal.
#[tauri::command]
pub async fn clean_up(state: State<'_, AppState>, connection: String) -> Result<Cleanup> {
    const OLDER_THAN: Duration = Duration::from_secs(24 * 3600);
    let bucket = state.bucket(&connection).await?;
    bucket.clean_up(state.transfers.journal(), OLDER_THAN, SystemTime::now()).await
}

#[tauri::command]
pub async fn remove_connection(state: State<'_, AppState>, name: String) -> Result<()> {
    state.coffer.remove_connection(&name).await?;
    state.forget(&name).await;
    Ok(())
}

/// Lists one level of `folder`: each page as the server sends it, then `Done`. The Channel keeps
/// the order, so `Done` arrives after every page; a failure rejects the command and sends no `Done`.
#[tauri::command]
pub async fn list_folder(
    state: State<'_, AppState>,
    connection: String,
    folder: String,
    on_event: Channel<ListEvent>,
) -> Result<()> {
    let mut total = 0;
    let bucket = state.bucket(&connection).await?;
    bucket
        .list_pages(&Prefix::new(folder)?, Depth::OneLevel, |entries| {
            total += entries.len() as u64;
            let _ = on_event.send(ListEvent::Page { entries });
        })
        .await?;
    let _ = on_event.send(ListEvent::Done { total });
    Ok(())
}

#[tauri::command]
pub async fn pick_files(
    window: WebviewWindow,
    state: State<'_, AppState>,
    folders: bool,
    connection: String,
    folder: String,
) -> Result<Option<Selection>> {
    let dialog = rfd::AsyncFileDialog::new().set_parent(&window);
    let picked = if folders {
        dialog.set_title("Upload folders").pick_folders().await
    } else {
        dialog.set_title("Upload files").pick_files().await
    };
    let Some(picked) = picked.filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let id = state.transfers.add_selection(picked.iter().map(|f| f.path().to_owned()).collect());
    let bucket = state.bucket(&connection).await?;
    state.transfers.inspect(id, &bucket, &Prefix::new(folder)?).await.map(Some)
}

#[tauri::command]
pub async fn inspect_selection(
    state: State<'_, AppState>,
    id: u64,
    connection: String,
    folder: String,
) -> Result<Selection> {
    let bucket = state.bucket(&connection).await?;
    state.transfers.inspect(id, &bucket, &Prefix::new(folder)?).await
}

#[tauri::command]
pub fn discard_selection(state: State<'_, AppState>, id: u64) {
    state.transfers.discard_selection(id);
}

/// Queues the selection and starts it; returns its groups at once, and the items whose names
/// became taken since the person was asked, to ask again. Progress arrives as `coffer://transfers`
/// events.
#[tauri::command]
pub async fn upload_selection(
    state: State<'_, AppState>,
    id: u64,
    connection: String,
    folder: String,
    choices: HashMap<String, ConflictChoice>,
) -> Result<UploadStarted> {
    let bucket = state.bucket(&connection).await?;
    state.transfers.upload_selection(id, &bucket, &Prefix::new(folder)?, &choices).await
}

/// Runs uploads an earlier session left unfinished and shows the ones that failed; says how many
/// will run and whether the journal had to be moved aside.
#[tauri::command]
pub async fn resume_transfers(state: State<'_, AppState>) -> Result<Resumed> {
    state.transfers.resume(|name| state.bucket_owned(name)).await
}

#[tauri::command]
pub fn cancel_transfer(state: State<'_, AppState>, id: u64) -> Result<()> {
    state.transfers.cancel(id)
}

#[tauri::command]
pub fn cancel_group(state: State<'_, AppState>, id: u64) -> Result<()> {
    state.transfers.cancel_group(id)
}

#[tauri::command]
pub fn cancel_all(state: State<'_, AppState>) {
    state.transfers.cancel_all();
}

#[tauri::command]
pub fn retry_transfer(state: State<'_, AppState>, id: u64) -> Result<()> {
    state.transfers.retry(id)
}

/// Who uploaded each of `keys` (the rows the page shows), for the "Added by" column.
#[tauri::command]
pub async fn uploaders(state: State<'_, AppState>, connection: String, keys: Vec<String>) -> Result<Vec<Uploader>> {
    let bucket = state.bucket(&connection).await?;
    let keys = keys.into_iter().map(ObjectKey::new).collect::<Result<Vec<_>>>()?;
    Ok(bucket.uploaders(keys).await)
}

/// Answers for a file whose document changed in the bucket while it was uploading.
#[tauri::command]
pub async fn resolve_transfer(state: State<'_, AppState>, id: u64, choice: ConflictChoice) -> Result<()> {
    state.transfers.resolve(id, choice).await
}

/// The person's settings, with the name uploads record when none is set.
#[tauri::command]
pub fn get_settings(state: State<'_, AppState>) -> Result<SettingsView> {
    let settings = state.coffer.settings().load()?;
    Ok(SettingsView { default_name: coffer_engine::default_uploader_name(), settings })
}

/// Saves the person's settings; later uploads record the new name.
#[tauri::command]
pub fn save_settings(state: State<'_, AppState>, settings: Settings) -> Result<SettingsView> {
    let settings = state.coffer.settings().save(settings)?;
    state.transfers.set_uploaded_by(&settings.uploader());
    Ok(SettingsView { default_name: coffer_engine::default_uploader_name(), settings })
}

#[tauri::command]
pub fn retry_group(state: State<'_, AppState>, id: u64) -> Result<()> {
    state.transfers.retry_group(id)
}

/// Lists and counts what deleting `keys` (documents, and folders ending in `/`) would remove, and
/// keeps that list until it is deleted or discarded.
#[tauri::command]
pub async fn plan_delete(state: State<'_, AppState>, connection: String, keys: Vec<String>) -> Result<PlannedDelete> {
    let targets = keys.iter().map(|k| Target::parse(k)).collect::<Result<Vec<_>>>()?;
    let plan = state.bucket(&connection).await?.plan_delete(&targets).await?;
    let summary = plan.summary;
    Ok(PlannedDelete { id: state.keep_plan(connection, Plan::Delete(plan)), summary })
}

/// Deletes exactly what plan `id` counted: to the trash (the batch is returned for Undo), or for
/// good when `permanent` (after the page's stronger confirmation).
#[tauri::command]
pub async fn delete_planned(
    state: State<'_, AppState>,
    id: u64,
    permanent: bool,
    on_progress: Channel<DeleteProgress>,
) -> Result<DeleteOutcome> {
    let (connection, Plan::Delete(plan)) = state.take_plan(id)? else {
        return Err(Error::not_a_delete());
    };
    let progress = |done, total| {
        let _ = on_progress.send(DeleteProgress { done, total });
    };
    let bucket = state.bucket(&connection).await?;
    if permanent {
        return Ok(DeleteOutcome { deleted: bucket.delete(plan, &progress).await?, trash_batch: None });
    }
    let by = state.coffer.settings().load().unwrap_or_default().uploader();
    let trashed = bucket.move_to_trash(plan, &by, now_ms(), &progress).await?;
    Ok(DeleteOutcome { deleted: trashed.deleted, trash_batch: Some(trashed.batch) })
}

/// What the trash of `connection` holds, newest delete first.
#[tauri::command]
pub async fn list_trash(state: State<'_, AppState>, connection: String) -> Result<Vec<TrashItem>> {
    state.bucket(&connection).await?.trash().await
}

/// Puts documents of a delete back (all of `batch` when `keys` is empty); a place taken by a newer
/// document is left alone and reported.
#[tauri::command]
pub async fn restore_trash(
    state: State<'_, AppState>,
    connection: String,
    batch: String,
    keys: Vec<String>,
) -> Result<Restored> {
    state.bucket(&connection).await?.restore(&batch, &keys).await
}

/// Deletes documents of one delete from the trash for good.
#[tauri::command]
pub async fn purge_trash_items(
    state: State<'_, AppState>,
    connection: String,
    batch: String,
    keys: Vec<String>,
) -> Result<Deleted> {
    state.bucket(&connection).await?.delete_from_trash(&batch, &keys).await
}

/// Deletes for good everything in the trash of `connection`; returns how many documents went.
#[tauri::command]
pub async fn empty_trash(state: State<'_, AppState>, connection: String) -> Result<u64> {
    state.bucket(&connection).await?.empty_trash(None).await
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Searches the connection's index of document names: the first results at once, then the rest
/// a page at a time, up to a limit, then `Done` with how complete the index is.
#[tauri::command]
pub async fn search(
    state: State<'_, AppState>,
    connection: String,
    query: SearchQuery,
    on_event: Channel<SearchEvent>,
) -> Result<()> {
    const FIRST: usize = 50;
    const PAGE: usize = 200;
    const LIMIT: usize = 1000;
    let bucket = state.bucket(&connection).await?;
    let index = bucket.search_index().ok_or_else(Error::search_unavailable)?;
    let (mut sent, mut size) = (0, FIRST);
    loop {
        let page = index.search(&query, size.min(LIMIT + 1 - sent), sent)?;
        let found = page.hits.len();
        let more = sent + found > LIMIT;
        let hits: Vec<_> = page.hits.into_iter().take(LIMIT - sent).collect();
        sent += hits.len();
        if !hits.is_empty() {
            let _ = on_event.send(SearchEvent::Hits { hits });
        }
        if found < size || sent >= LIMIT {
            let _ = on_event.send(SearchEvent::Done { complete: page.complete, indexed: page.indexed, more });
            return Ok(());
        }
        size = PAGE;
    }
}

/// `length` bytes of a document from `start` (at most 16 MiB), for a preview in the page: raw
/// bytes, not JSON, so a PDF's pages cost what they weigh.
#[tauri::command]
pub async fn read_document(
    state: State<'_, AppState>,
    connection: String,
    key: String,
    start: u64,
    length: u64,
) -> Result<tauri::ipc::Response> {
    let bytes = state.bucket(&connection).await?.read_range(&ObjectKey::new(key)?, start, length).await?;
    Ok(tauri::ipc::Response::new(bytes))
}

/// What the details panel shows: the server's facts about the document, and the share links
/// made from this computer that still work.
#[tauri::command]
pub async fn document_details(state: State<'_, AppState>, connection: String, key: String) -> Result<DocumentDetails> {
    let info = state.bucket(&connection).await?.stat(&ObjectKey::new(key.as_str())?).await?;
    Ok(DocumentDetails { info, links: state.shares.links(&connection, &key, now_ms().max(0) as u64) })
}

/// Lets go of a delete or move the person did not confirm.
#[tauri::command]
pub fn discard_plan(state: State<'_, AppState>, id: u64) {
    let _ = state.take_plan(id);
}

/// Creates the empty folder `name` in `parent`; returns its key.
#[tauri::command]
pub async fn create_folder(
    state: State<'_, AppState>,
    connection: String,
    parent: String,
    name: String,
) -> Result<String> {
    let folder = state.bucket(&connection).await?.create_folder(&Prefix::new(parent)?, &name).await?;
    Ok(folder.to_string())
}

/// Counts moving or copying `keys` (documents, and folders ending in `/`) into `dest`, with the
/// names already taken there, and keeps the plan until it is run or discarded.
#[tauri::command]
pub async fn plan_move(
    state: State<'_, AppState>,
    connection: String,
    keys: Vec<String>,
    dest: String,
    kind: MoveKind,
) -> Result<PlannedMove> {
    let targets = keys.iter().map(|k| Target::parse(k)).collect::<Result<Vec<_>>>()?;
    let plan = state.bucket(&connection).await?.plan_move(&targets, &Prefix::new(dest)?, kind).await?;
    let summary = plan.summary.clone();
    Ok(PlannedMove { id: state.keep_plan(connection, Plan::Move(plan)), summary })
}

/// Counts renaming `key` (a document, or a folder ending in `/`) to `name` in its folder.
#[tauri::command]
pub async fn plan_rename(
    state: State<'_, AppState>,
    connection: String,
    key: String,
    name: String,
) -> Result<PlannedMove> {
    let plan = state.bucket(&connection).await?.plan_rename(&Target::parse(&key)?, &name).await?;
    let summary = plan.summary.clone();
    Ok(PlannedMove { id: state.keep_plan(connection, Plan::Move(plan)), summary })
}

/// Runs move plan `id`, taken names resolved by `on_conflict`; progress in objects.
#[tauri::command]
pub async fn move_planned(
    state: State<'_, AppState>,
    id: u64,
    on_conflict: OnConflict,
    on_progress: Channel<DeleteProgress>,
) -> Result<Moved> {
    let (connection, Plan::Move(plan)) = state.take_plan(id)? else {
        return Err(Error::not_a_move());
    };
    let cancel = CancellationToken::new();
    state.running.lock().unwrap_or_else(PoisonError::into_inner).insert(id, cancel.clone());
    let progress = |done, total| {
        let _ = on_progress.send(DeleteProgress { done, total });
    };
    let by = state.coffer.settings().load().unwrap_or_default().uploader();
    let run = MoveRun { journal: state.transfers.journal(), by: &by, progress: &progress, cancel: &cancel };
    let moved = async { state.bucket(&connection).await?.move_or_copy(plan, on_conflict, &run).await }.await;
    state.running.lock().unwrap_or_else(PoisonError::into_inner).remove(&id);
    moved
}

/// Stops the move or download `id`: a move after the copies in flight (what was copied is
/// finished, the rest stays), a download at once (files in flight are abandoned, never half-saved).
#[tauri::command]
pub fn cancel_planned(state: State<'_, AppState>, id: u64) {
    if let Some(cancel) = state.running.lock().unwrap_or_else(PoisonError::into_inner).get(&id) {
        cancel.cancel();
    }
}

/// Asks for a folder with the system's folder picker (titled `title`, in the page's language), then
/// counts downloading `keys` (documents, and folders ending in `/`) into it, with the local names
/// already taken there. `None` when no folder was chosen.
#[tauri::command]
pub async fn plan_download(
    window: WebviewWindow,
    state: State<'_, AppState>,
    connection: String,
    keys: Vec<String>,
    title: String,
) -> Result<Option<PlannedDownload>> {
    let targets = keys.iter().map(|k| Target::parse(k)).collect::<Result<Vec<_>>>()?;
    let mut picker = rfd::AsyncFileDialog::new().set_parent(&window).set_title(title);
    if let Some(downloads) = coffer_engine::downloads_folder().filter(|d| d.is_dir()) {
        picker = picker.set_directory(downloads);
    }
    let Some(folder) = picker.pick_folder().await else {
        return Ok(None);
    };
    let plan = state.bucket(&connection).await?.plan_download(&targets, folder.path()).await?;
    let (summary, folder) = (plan.summary.clone(), plan.folder().to_string_lossy().into_owned());
    Ok(Some(PlannedDownload { id: state.keep_plan(connection, Plan::Download(plan)), summary, folder }))
}

/// Runs download plan `id`, local names already taken resolved by `on_conflict`.
#[tauri::command]
pub async fn download_planned(
    state: State<'_, AppState>,
    id: u64,
    on_conflict: OnConflict,
    on_progress: Channel<Progress>,
) -> Result<DownloadReport> {
    let (connection, Plan::Download(plan)) = state.take_plan(id)? else {
        return Err(Error::not_a_download());
    };
    let cancel = CancellationToken::new();
    state.running.lock().unwrap_or_else(PoisonError::into_inner).insert(id, cancel.clone());
    let progress = throttled(on_progress);
    let report =
        async { state.bucket(&connection).await?.download_planned(&plan, on_conflict, &progress, &cancel).await };
    let report = report.await;
    state.running.lock().unwrap_or_else(PoisonError::into_inner).remove(&id);
    report
}

/// Opens `path`, a folder on this computer, in the file manager (after a download).
#[tauri::command]
pub fn show_folder(app: AppHandle, path: String) -> Result<()> {
    if !std::path::Path::new(&path).is_dir() {
        return Err(Error::not_a_folder(&path));
    }
    app.opener().open_path(&path, None::<&str>).map_err(|e| Error::open_failed(&path, e))
}

/// Progress sent to the page at most ten times a second, and whenever a document ends: a download
/// reports every 256 KiB written, far more often than anyone can read.
fn throttled(channel: Channel<Progress>) -> impl Fn(Progress) + Sync {
    let last = std::sync::Mutex::new((std::time::Instant::now(), u64::MAX));
    move |p: Progress| {
        let mut last = last.lock().unwrap_or_else(PoisonError::into_inner);
        let ended = p.files_done + p.files_failed;
        if ended != last.1 || last.0.elapsed() >= Duration::from_millis(100) || p.bytes_done == p.bytes_total {
            *last = (std::time::Instant::now(), ended);
            let _ = channel.send(p);
        }
    }
}

/// Opens a document in the system's default app. `edit` (the default) downloads it to the cache
/// and watches it, so saves go back to the bucket; someone else's lock is returned instead, for
/// the page to offer `readOnly` or `anyway`.
#[tauri::command]
pub async fn open_document(
    app: AppHandle,
    state: State<'_, AppState>,
    connection: String,
    key: String,
    confirmed: bool,
    mode: OpenMode,
    on_progress: Channel<Progress>,
) -> Result<Option<EditLock>> {
    let key = ObjectKey::new(key)?;
    let bucket = state.bucket(&connection).await?;
    let (progress, cancel) = (throttled(on_progress), CancellationToken::new());
    let target = match mode {
        OpenMode::ReadOnly => {
            let target = state.open_cache.path_for(&format!("{connection} (read-only)"), &key, confirmed)?;
            state.editor.open_read_only(&bucket, &key, &target, &progress, &cancel).await?;
            target
        }
        OpenMode::Edit | OpenMode::Anyway => {
            let target = state.open_cache.path_for(&connection, &key, confirmed)?;
            match state.editor.open(&bucket, &key, target, mode == OpenMode::Anyway, &progress, &cancel).await? {
                Opened::Editing(target) => target,
                Opened::Locked(lock) => return Ok(Some(lock)),
            }
        }
    };
    app.opener().open_path(target.to_string_lossy(), None::<&str>).map_err(|e| Error::open_failed(key.name(), e))?;
    Ok(None)
}

/// Ends editing a document: its last save goes up, and its lock is released.
#[tauri::command]
pub async fn finish_editing(state: State<'_, AppState>, connection: String, key: String) -> Result<()> {
    let key = ObjectKey::new(key)?;
    state.editor.done(&state.bucket(&connection).await?, &key).await
}

/// Every document being edited from this computer, and how its saves stand.
#[tauri::command]
pub fn editing(state: State<'_, AppState>) -> Vec<EditUpdate> {
    state.editor.sessions()
}

/// Colleagues' (and this person's) live edit locks on the documents of `folder`.
#[tauri::command]
pub async fn list_locks(state: State<'_, AppState>, connection: String, folder: String) -> Result<Vec<EditLock>> {
    state.bucket(&connection).await?.locks(&Prefix::new(folder)?).await
}

/// Quits after the person confirmed, even with edits not yet in the bucket: they stay recorded
/// and go up at the next start.
#[tauri::command]
pub async fn quit(app: AppHandle) -> Result<()> {
    crate::quit::quit(&app).await;
    Ok(())
}

#[tauri::command]
pub async fn download_document(
    window: WebviewWindow,
    state: State<'_, AppState>,
    connection: String,
    key: String,
) -> Result<Option<String>> {
    let key = ObjectKey::new(key)?;
    let Some(file) = rfd::AsyncFileDialog::new()
        .set_parent(&window)
        .set_title("Download")
        .set_file_name(key.name())
        .save_file()
        .await
    else {
        return Ok(None);
    };
    let bucket = state.bucket(&connection).await?;
    bucket.download(&key, file.path(), &|_| {}, &Default::default()).await?;
    Ok(Some(file.path().to_string_lossy().into_owned()))
}

#[tauri::command]
pub async fn copy_share_link(
    app: AppHandle,
    state: State<'_, AppState>,
    connection: String,
    key: String,
    expires_secs: u64,
) -> Result<ShareLink> {
    let bucket = state.bucket(&connection).await?;
    let now = SystemTime::now();
    let link = bucket.share_link(&ObjectKey::new(key.as_str())?, Duration::from_secs(expires_secs), now).await?;
    // Remembered for the details panel; a link that cannot be remembered still works.
    let made_at_ms = now.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
    let remembered = SharedLink { made_at_ms, expires_at_ms: link.expires_at_ms };
    if let Err(e) = state.shares.record(&connection, &key, remembered) {
        eprintln!("coffer: the share link was not remembered: {e}");
    }
    app.clipboard().write_text(link.url.clone()).map_err(Error::clipboard_failed)?;
    Ok(link)
}
