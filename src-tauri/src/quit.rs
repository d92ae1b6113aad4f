//! Quitting: this computer's edit locks are released, and edits not yet in the bucket are never
//! left behind unasked.
//!
//! The one design decision that matters: **the window's close waits for the engine.** With nothing
//! pending, Coffer releases its locks and exits; with saves still on their way, the page is told
//! (`coffer://quit-blocked`) and asks the person, and `quit` is what it calls if they still want to
//! go. Those edits stay recorded either way and go up at the next start.

use tauri::{AppHandle, Emitter, Manager, Window, WindowEvent};

use crate::state::AppState;

/// The event that asks the page to confirm quitting, with the documents whose saves are pending.
pub const QUIT_BLOCKED_EVENT: &str = "coffer://quit-blocked";

pub fn on_window_event(window: &Window, event: &WindowEvent) {
    let WindowEvent::CloseRequested { api, .. } = event else {
        return;
    };
    api.prevent_close();
    let app = window.app_handle().clone();
    let pending = app.state::<AppState>().editor.pending();
    if pending.is_empty() {
        tauri::async_runtime::spawn(async move { quit(&app).await });
    } else if window.emit(QUIT_BLOCKED_EVENT, pending).is_err() {
        // No page left to ask: the edits stay recorded for the next start.
        tauri::async_runtime::spawn(async move { quit(&app).await });
    }
}

/// Stops watching edited documents, releases this computer's locks, and exits.
pub async fn quit(app: &AppHandle) {
    let state = app.state::<AppState>();
    state.editor.quit(&state.opened().await).await;
    app.exit(0);
}
