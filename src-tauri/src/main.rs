// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    return_freed_buffers();
    coffer_desktop::run();
}

/// Upload buffers are megabytes each. glibc raises its mmap threshold after the first one is freed,
/// and from then on freed buffers stay in per-thread arenas, so resident memory creeps above the
/// engine's budget. A fixed threshold keeps every such buffer mapped on its own and unmapped when
/// freed (the `coffer` CLI does the same).
fn return_freed_buffers() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; it is called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
    }
}
