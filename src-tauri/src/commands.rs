//! The commands the page may call, each granted by name in `capabilities/main.json`.
//!
//! Each is a few lines: parse, call the engine, map the result. Long work reports through a
//! `Channel` handed in by the page. No command returns a secret.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use coffer_engine::{
    Access, AccessKey, ConflictChoice, Connection, ConnectionInfo, DeleteSummary, Deleted, Depth, Entry, Error,
    ErrorKind, KeychainEntry, ObjectKey, Prefix, Selection, ShareLink, Target, TransferUpdate, safe_path,
};
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, State, WebviewWindow};
use tauri_plugin_clipboard_manager::ClipboardExt;
use tauri_plugin_opener::OpenerExt;

use crate::state::AppState;

type Result<T> = std::result::Result<T, Error>;

#[derive(Clone, Copy, Serialize)]
pub struct DeleteProgress {
    done: u64,
    total: u64,
}

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
    let key = access_key(access_key_id, secret)?;
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
) -> Result<Access> {
    let key = match (access_key(access_key_id, secret)?, saved) {
        (Some(key), _) => Some(key),
        (None, Some(saved)) => KeychainEntry::for_connection(&saved).load().await?,
        (None, None) => None,
    };
    state.coffer.open_unsaved(connection, key).await?.check().await
}

#[tauri::command]
pub async fn remove_connection(state: State<'_, AppState>, name: String) -> Result<()> {
    state.coffer.remove_connection(&name).await?;
    state.forget(&name).await;
    Ok(())
}

#[tauri::command]
pub async fn list_folder(
    state: State<'_, AppState>,
    connection: String,
    folder: String,
    on_page: Channel<Vec<Entry>>,
) -> Result<usize> {
    let mut total = 0;
    let bucket = state.bucket(&connection).await?;
    bucket
        .list_pages(&Prefix::new(folder)?, Depth::OneLevel, |page| {
            total += page.len();
            let _ = on_page.send(page);
        })
        .await?;
    Ok(total)
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
pub async fn upload_selection(
    state: State<'_, AppState>,
    id: u64,
    connection: String,
    folder: String,
    choices: HashMap<String, ConflictChoice>,
    on_update: Channel<TransferUpdate>,
) -> Result<()> {
    let bucket = state.bucket(&connection).await?;
    let send = |update| {
        let _ = on_update.send(update);
    };
    state.transfers.upload_selection(id, &bucket, &Prefix::new(folder)?, &choices, &send).await
}

/// Runs uploads an earlier session left unfinished; returns how many there were.
#[tauri::command]
pub async fn resume_transfers(state: State<'_, AppState>, on_update: Channel<TransferUpdate>) -> Result<u64> {
    let send = |update| {
        let _ = on_update.send(update);
    };
    state.transfers.resume(|name| state.bucket_owned(name), &send).await
}

#[tauri::command]
pub fn cancel_transfer(state: State<'_, AppState>, id: u64) {
    state.transfers.cancel(id);
}

#[tauri::command]
pub fn cancel_all(state: State<'_, AppState>) {
    state.transfers.cancel_all();
}

#[tauri::command]
pub async fn retry_transfer(state: State<'_, AppState>, id: u64, on_update: Channel<TransferUpdate>) -> Result<()> {
    let send = |update| {
        let _ = on_update.send(update);
    };
    state.transfers.retry(id, &send).await
}

#[tauri::command]
pub async fn summarize_delete(
    state: State<'_, AppState>,
    connection: String,
    keys: Vec<String>,
) -> Result<DeleteSummary> {
    let targets = keys.iter().map(|k| Target::parse(k)).collect::<Result<Vec<_>>>()?;
    state.bucket(&connection).await?.measure(&targets).await
}

#[tauri::command]
pub async fn delete_entries(
    state: State<'_, AppState>,
    connection: String,
    keys: Vec<String>,
    on_progress: Channel<DeleteProgress>,
) -> Result<Deleted> {
    let targets = keys.iter().map(|k| Target::parse(k)).collect::<Result<Vec<_>>>()?;
    let progress = |done, total| {
        let _ = on_progress.send(DeleteProgress { done, total });
    };
    state.bucket(&connection).await?.delete_targets(&targets, &progress).await
}

#[tauri::command]
pub async fn open_document(app: AppHandle, state: State<'_, AppState>, connection: String, key: String) -> Result<()> {
    let key = ObjectKey::new(key)?;
    let target = safe_path(&state.open_cache.join(safe_folder_name(&connection)), key.as_str())?;
    let bucket = state.bucket(&connection).await?;
    bucket.download(&key, &target, &|_| {}, &Default::default()).await?;
    app.opener()
        .open_path(target.to_string_lossy(), None::<&str>)
        .map_err(|e| Error::new(ErrorKind::Io, format!("'{}' was downloaded but could not be opened: {e}", key.name())))
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
    let link = bucket.share_link(&ObjectKey::new(key)?, Duration::from_secs(expires_secs), SystemTime::now()).await?;
    app.clipboard().write_text(link.url.clone()).map_err(|e| {
        Error::new(ErrorKind::Io, format!("The link was made but could not be put on the clipboard: {e}"))
    })?;
    Ok(link)
}

/// Both or neither: a new access key ID without its secret cannot be stored.
fn access_key(id: Option<String>, secret: Option<String>) -> Result<Option<AccessKey>> {
    match (id.filter(|s| !s.trim().is_empty()), secret.filter(|s| !s.is_empty())) {
        (Some(id), Some(secret)) => Ok(Some(AccessKey::new(id, secret))),
        (None, Some(_)) => {
            Err(Error::new(ErrorKind::InvalidInput, "Enter the access key ID that goes with the secret."))
        }
        (_, None) => Ok(None),
    }
}

/// A connection name as one folder name in the cache.
fn safe_folder_name(name: &str) -> String {
    name.chars().map(|c| if c.is_alphanumeric() || c == ' ' || c == '-' { c } else { '_' }).collect()
}
