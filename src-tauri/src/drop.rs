//! The window's native drag-and-drop: Tauri hands the dropped paths to Rust, they are kept as a
//! selection, and the page is told only the selection's id.

use tauri::{DragDropEvent, Emitter, Manager, Window, WindowEvent};

use crate::ipc::{Drag, DragState, Dropped};
use crate::state::AppState;

pub fn on_window_event(window: &Window, event: &WindowEvent) {
    let WindowEvent::DragDrop(event) = event else {
        return;
    };
    // Emitting can only fail if the window is gone, and then nobody is left to tell.
    let _ = match event {
        DragDropEvent::Enter { .. } => window.emit("coffer://drag", Drag { state: DragState::Over }),
        DragDropEvent::Leave => window.emit("coffer://drag", Drag { state: DragState::Leave }),
        DragDropEvent::Drop { paths, .. } => {
            let _ = window.emit("coffer://drag", Drag { state: DragState::Leave });
            let id = window.state::<AppState>().transfers.add_selection(paths.clone());
            window.emit("coffer://dropped", Dropped { id })
        }
        _ => Ok(()),
    };
}
