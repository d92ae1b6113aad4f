//! Opts every app command into Tauri's permission system, so capabilities grant them by name.

fn main() {
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(&[
        "list_connections",
        "save_connection",
        "test_connection",
        "remove_connection",
        "clean_up",
        "list_folder",
        "pick_files",
        "inspect_selection",
        "discard_selection",
        "upload_selection",
        "resume_transfers",
        "cancel_transfer",
        "cancel_group",
        "cancel_all",
        "retry_transfer",
        "resolve_transfer",
        "uploaders",
        "get_settings",
        "save_settings",
        "retry_group",
        "plan_delete",
        "delete_planned",
        "discard_delete",
        "list_trash",
        "restore_trash",
        "empty_trash",
        "purge_trash_items",
        "open_document",
        "download_document",
        "copy_share_link",
    ])))
    .expect("the Tauri build step succeeds");
}
