//! Coffer's desktop window: Tauri commands adapting the engine to the web page in `ui/`.
//!
//! This crate decides nothing. Each command parses its arguments, calls `coffer-engine` and maps
//! the result; engine errors reach the page as `{kind, message}`. Paths of dropped or picked files
//! stay on this side ([`coffer_engine::Transfers`]): the page refers to them by id only. The shapes
//! that cross to the page are generated from the Rust types into `ui/src/lib/ipc.ts` ([`ipc`]).

mod commands;
mod drop;
mod ipc;
mod quit;
mod state;

use tauri::Manager;

pub fn run() {
    tauri::Builder::default()
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_opener::init())
        .setup(|app| {
            let state = state::AppState::new(app.handle(), app.path().app_cache_dir()?)?;
            app.manage(state);
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move { handle.state::<state::AppState>().resume_editing().await });
            Ok(())
        })
        .on_window_event(|window, event| {
            drop::on_window_event(window, event);
            quit::on_window_event(window, event);
        })
        .invoke_handler(tauri::generate_handler![
            commands::list_connections,
            commands::save_connection,
            commands::test_connection,
            commands::remove_connection,
            commands::clean_up,
            commands::list_folder,
            commands::pick_files,
            commands::inspect_selection,
            commands::discard_selection,
            commands::upload_selection,
            commands::resume_transfers,
            commands::cancel_transfer,
            commands::cancel_group,
            commands::cancel_all,
            commands::retry_transfer,
            commands::resolve_transfer,
            commands::uploaders,
            commands::get_settings,
            commands::save_settings,
            commands::retry_group,
            commands::plan_delete,
            commands::delete_planned,
            commands::discard_plan,
            commands::list_trash,
            commands::restore_trash,
            commands::empty_trash,
            commands::purge_trash_items,
            commands::open_document,
            commands::finish_editing,
            commands::editing,
            commands::list_locks,
            commands::quit,
            commands::download_document,
            commands::copy_share_link,
            commands::create_folder,
            commands::plan_move,
            commands::plan_rename,
            commands::move_planned,
            commands::cancel_planned,
            commands::plan_download,
            commands::download_planned,
            commands::show_folder,
            commands::search,
            commands::read_document,
            commands::document_details,
        ])
        .run(tauri::generate_context!())
        .expect("Coffer's window could not start");
}
