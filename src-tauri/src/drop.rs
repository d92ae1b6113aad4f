//! The window's native drag-and-drop: Tauri hands the dropped paths to Rust, they are kept as a
//! selection, and the page is told only the selection's id.

use serde::Serialize;
use tauri::{DragDropEvent, Emitter, Manager, Window, WindowEvent};

use crate::state::AppState;

#[derive(Clone, Serialize)]
struct Drag {
    state: &'static str,
}

#[derive(Clone, Serialize)]
struct Dropped {
    id: u64,
}

pub fn on_window_event(window: &Window, event: &WindowEvent) {
    let WindowEvent::DragDrop(event) = event else {
        return;
    };
    // Emitting can only fail if the window is gone, and then nobody is left to tell.
    let _ = match event {
        DragDropEvent::Enter { .. } => window.emit("coffer://drag", Drag { state: "over" }),
        DragDropEvent::Leave => window.emit("coffer://drag", Drag { state: "leave" }),
        DragDropEvent::Drop { paths, .. } => {
            let _ = window.emit("coffer://drag", Drag { state: "leave" });
            let id = window.state::<AppState>().transfers.add_selection(paths.clone());
            window.emit("coffer://dropped", Dropped { id })
        }
        _ => Ok(()),
    };
}
