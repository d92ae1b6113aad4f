//! How the process's memory allocator is set up for the engine's buffers: the `coffer` CLI and
//! the desktop app call [`tune_allocator`] first thing in `main`, and upload parts are allocated by
//! [`part_buffer`].
//!
//! The decision that matters (glibc only; other allocators are left as they are): big buffers go
//! back to the system when freed, small ones stay with the process. Upload parts are megabytes
//! each; glibc raises its mmap threshold after the first one is freed, and from then on freed parts
//! stay in per-thread arenas, so resident memory creeps above the engine's budget. A fixed threshold
//! keeps every buffer of 1 MiB or more mapped on its own and unmapped when freed. Fixing it also
//! fixes the trim threshold at glibc's 128 KiB, though, and at that a download of 1 GiB handed the
//! tops of its arenas back and faulted them in again 30,000–57,000 times (0.1–0.5 s of system
//! time; s5cmd takes about 2,600 faults for the same download). Arenas keep up to 1 MiB of freed
//! top instead: about 7,700 faults. 4 MiB took that to 2,500, but the app, whose many threads each
//! keep an arena, then grew 116 MiB instead of about 60 during a drop of 100,000 files.

/// Sets the allocator up as the module says. Call it before any other thread starts.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes the allocator's tuning, under its own lock.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1024 * 1024);
    }
}

/// A zeroed buffer of `len` bytes for an upload part, backed by huge pages where Linux offers them.
///
/// A part is megabytes, mapped afresh for each part (see the module), and the kernel faults it in
/// one 4 KiB page at a time: 263,000 faults for a 1 GiB upload. With transparent huge pages on
/// request (`madvise`, the default of many distributions), asking for them here takes that to about
/// 34,000 and the upload's system time from 1.74–1.95 s to 1.23–1.62 s. Where they are off, or the
/// buffer is too small to hold an aligned huge page, the advice changes nothing.
pub(crate) fn part_buffer(len: usize) -> Vec<u8> {
    let buf = vec![0; len];
    #[cfg(target_os = "linux")]
    {
        const HUGE_PAGE: usize = 2 * 1024 * 1024;
        let start = buf.as_ptr() as usize;
        let first = start.next_multiple_of(HUGE_PAGE);
        let end = (start + len) / HUGE_PAGE * HUGE_PAGE;
        if first < end {
            // SAFETY: the range lies inside `buf`, which nothing else uses yet; MADV_HUGEPAGE is
            // advice about how to back those pages and changes none of their contents.
            unsafe {
                libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
            }
        }
    }
    buf
}
