//! The shapes only the window sends to the page (the rest come from the engine), and the generator
//! of `ui/src/lib/ipc.ts`, the page's copy of every type that crosses IPC.
//!
//! The one design decision that matters: **the page's types are generated, never written by
//! hand.** A test renders every IPC type from its Rust definition with `ts-rs` and fails when the
//! committed file differs; `COFFER_WRITE_IPC=1 cargo test -p coffer-desktop ipc` rewrites it.

use serde::Serialize;

/// What a listing's Channel carries: each page as the server sends it, then the end.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum ListEvent {
    /// Up to 1,000 entries, in the server's order.
    Page { entries: Vec<coffer_engine::Entry> },
    /// Every page has been sent; `total` entries in all.
    Done { total: u64 },
}

/// A delete counted and kept in Rust until it is confirmed (`delete_planned`) or discarded.
#[derive(Clone, Copy, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PlannedDelete {
    /// What `delete_planned` and `discard_plan` refer to it by.
    pub id: u64,
    /// What it will remove.
    pub summary: coffer_engine::DeleteSummary,
}

/// A move or copy counted and kept in Rust until it is run (`move_planned`) or discarded.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PlannedMove {
    /// What `move_planned`, `cancel_planned` and `discard_plan` refer to it by.
    pub id: u64,
    /// What it covers, and the destination names already taken.
    pub summary: coffer_engine::MoveSummary,
}

/// A counted download, kept in Rust until it is run or discarded.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PlannedDownload {
    /// What `download_planned`, `cancel_planned` and `discard_plan` refer to it by.
    pub id: u64,
    /// What it covers, and the local names already taken.
    pub summary: coffer_engine::DownloadSummary,
    /// The folder chosen, to show and to open afterwards.
    pub folder: String,
}

/// What a search's Channel carries: results, best first, a page at a time, then the end.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum SearchEvent {
    Hits {
        hits: Vec<coffer_engine::SearchHit>,
    },
    /// Every result sent. `complete`: the index has been built once, so what was not found is not
    /// in the bucket; `indexed`: documents it holds; `more`: results beyond those sent exist.
    Done {
        complete: bool,
        indexed: u64,
        more: bool,
    },
}

/// What the details panel shows about one document.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DocumentDetails {
    /// The server's facts: type, size, times, who added it, checksum.
    pub info: coffer_engine::ObjectInfo,
    /// Share links made from this computer that still work, newest first.
    pub links: Vec<coffer_engine::SharedLink>,
}

/// The person's settings and what their defaults amount to, for the settings form.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SettingsView {
    pub settings: coffer_engine::Settings,
    /// The name uploads record when none is set: the OS user's full name.
    pub default_name: String,
}

/// What `delete_planned` did: what went, and the trash batch that Undo restores (none for a
/// permanent delete).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DeleteOutcome {
    pub deleted: coffer_engine::Deleted,
    pub trash_batch: Option<String>,
}

/// Progress of `delete_planned`, in objects.
#[derive(Clone, Copy, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct DeleteProgress {
    pub done: u64,
    pub total: u64,
}

/// How the page asks a document to be opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum OpenMode {
    /// For editing: saves go back to the bucket; refused with the lock if a colleague edits it.
    Edit,
    /// For editing although a colleague holds the lock.
    Anyway,
    /// A read-only copy, not watched.
    ReadOnly,
}

/// Files dragged over the window, or away from it (`coffer://drag`).
#[derive(Clone, Copy, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum DragState {
    Over,
    Leave,
}

/// The payload of `coffer://drag`.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Drag {
    pub state: DragState,
}

/// The payload of `coffer://dropped`: the Selection Rust keeps for what was dropped.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Dropped {
    pub id: u64,
}

#[cfg(test)]
mod tests {
    use coffer_engine::*;
    use ts_rs::TS;

    use super::*;

    const FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/ui/src/lib/ipc.ts");

    fn declare<T: TS + ?Sized>(out: &mut String) {
        if let Some(docs) = T::docs() {
            out.push_str(&docs);
        }
        out.push_str("export ");
        out.push_str(&T::decl());
        out.push_str("\n\n");
    }

    fn typescript() -> String {
        let mut out = String::from(
            "// Generated from the Rust types by src-tauri/src/ipc.rs; do not edit. A test fails when this file is\n\
             // stale; `COFFER_WRITE_IPC=1 cargo test -p coffer-desktop ipc` rewrites it.\n\n",
        );
        declare::<ErrorKind>(&mut out);
        declare::<ErrorCode>(&mut out);
        declare::<Error>(&mut out);
        declare::<Addressing>(&mut out);
        declare::<CredentialSource>(&mut out);
        declare::<Connection>(&mut out);
        declare::<Settings>(&mut out);
        declare::<WriteGuard>(&mut out);
        declare::<ConnectionInfo>(&mut out);
        declare::<Access>(&mut out);
        declare::<ConnectionCheck>(&mut out);
        declare::<Entry>(&mut out);
        declare::<Uploader>(&mut out);
        declare::<ListEvent>(&mut out);
        declare::<SelectionItem>(&mut out);
        declare::<Selection>(&mut out);
        declare::<ConflictChoice>(&mut out);
        declare::<Progress>(&mut out);
        declare::<TransferState>(&mut out);
        declare::<GroupState>(&mut out);
        declare::<SkippedFile>(&mut out);
        declare::<GroupUpdate>(&mut out);
        declare::<UploadStarted>(&mut out);
        declare::<FileNote>(&mut out);
        declare::<FileUpdate>(&mut out);
        declare::<TransferReport>(&mut out);
        declare::<Resumed>(&mut out);
        declare::<DeleteFailure>(&mut out);
        declare::<Deleted>(&mut out);
        declare::<DeleteSummary>(&mut out);
        declare::<PlannedDelete>(&mut out);
        declare::<ObjectInfo>(&mut out);
        declare::<SharedLink>(&mut out);
        declare::<DocumentDetails>(&mut out);
        declare::<DocumentKind>(&mut out);
        declare::<SearchQuery>(&mut out);
        declare::<SearchHit>(&mut out);
        declare::<SearchEvent>(&mut out);
        declare::<MoveKind>(&mut out);
        declare::<OnConflict>(&mut out);
        declare::<MoveSummary>(&mut out);
        declare::<PlannedMove>(&mut out);
        declare::<DownloadSummary>(&mut out);
        declare::<PlannedDownload>(&mut out);
        declare::<DownloadFailure>(&mut out);
        declare::<DownloadReport>(&mut out);
        declare::<Moved>(&mut out);
        declare::<DeleteOutcome>(&mut out);
        declare::<TrashItem>(&mut out);
        declare::<Restored>(&mut out);
        declare::<SettingsView>(&mut out);
        declare::<DeleteProgress>(&mut out);
        declare::<ShareLink>(&mut out);
        declare::<Cleanup>(&mut out);
        declare::<EditLock>(&mut out);
        declare::<EditState>(&mut out);
        declare::<EditUpdate>(&mut out);
        declare::<OpenMode>(&mut out);
        declare::<DragState>(&mut out);
        declare::<Drag>(&mut out);
        declare::<Dropped>(&mut out);
        let kinds: Vec<String> = ErrorKind::ALL.iter().map(|k| serde_json::to_string(k).expect("a name")).collect();
        let runs_code: Vec<String> = RUNS_CODE.iter().map(|e| format!("'{e}'")).collect();
        out.push_str("/** File types that run code when opened: asked about before `open_document`. */\n");
        out.push_str(&format!("export const RUNS_CODE: readonly string[] = [{}];\n\n", runs_code.join(", ")));
        out.push_str("/** Every ErrorKind, to check what a command rejects with against the closed set. */\n");
        out.push_str(&format!("export const ERROR_KINDS: readonly ErrorKind[] = [{}];\n", kinds.join(", ")));
        // ts-rs declares 64-bit integers as `bigint`, but serde_json writes them as JSON numbers, and
        // every id, size and count Coffer sends stays far below 2^53.
        out.replace("bigint", "number")
    }

    const ERRORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/ui/src/lib/i18n/errors.en.json");

    /// The English sentences of the engine's errors, as the page's catalogue.
    fn english_errors() -> String {
        let mut text = serde_json::to_string_pretty(&coffer_engine::english_catalogue()).expect("strings");
        text.push('\n');
        text
    }

    #[test]
    fn english_error_catalogue_is_current() {
        let want = english_errors();
        if std::env::var_os("COFFER_WRITE_IPC").is_some() {
            std::fs::create_dir_all(std::path::Path::new(ERRORS).parent().expect("a folder")).expect("writable");
            std::fs::write(ERRORS, &want).expect("errors.en.json is writable");
        }
        let have = std::fs::read_to_string(ERRORS).unwrap_or_default();
        assert!(
            have == want,
            "ui/src/lib/i18n/errors.en.json is stale: run `COFFER_WRITE_IPC=1 cargo test -p coffer-desktop ipc` and commit it"
        );
    }

    #[test]
    fn ipc_types_are_current() {
        let want = typescript();
        if std::env::var_os("COFFER_WRITE_IPC").is_some() {
            std::fs::write(FILE, &want).expect("ipc.ts is writable");
        }
        let have = std::fs::read_to_string(FILE).unwrap_or_default();
        assert!(
            have == want,
            "ui/src/lib/ipc.ts is stale: run `COFFER_WRITE_IPC=1 cargo test -p coffer-desktop ipc` and commit it"
        );
    }
}
