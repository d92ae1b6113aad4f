//! A minimal Tauri app: the baseline the window benchmark compares Coffer's idle memory with.

fn main() {
    tauri::Builder::default().run(tauri::generate_context!()).expect("the minimal app runs");
}
