//! Clean-up at process exit for Garage servers whose [`Garage`](crate::Garage) or [`Cluster`](crate::Cluster)
//! is never dropped, which is the case for one kept in a `static` to share it between tests: without this
//! each test run would leave servers and their files behind.
//!
//! Every node registers its directory here while it exists, with the process ID of its server while that
//! runs unreaped; an `atexit` hook kills what is left and deletes the directories.

#[cfg(unix)]
pub(crate) use unix::{track, untrack};

#[cfg(unix)]
mod unix {
    use std::path::{Path, PathBuf};
    use std::sync::{Mutex, Once, PoisonError};

    /// Every undropped node's directory, with the process ID of its unreaped server if one runs.
    static LIVE: Mutex<Vec<(PathBuf, Option<libc::pid_t>)>> = Mutex::new(Vec::new());

    pub(crate) fn track(dir: &Path, pid: Option<u32>) {
        static HOOK: Once = Once::new();
        // SAFETY: `clean_up` is an `extern "C"` function that never unwinds.
        HOOK.call_once(|| unsafe {
            libc::atexit(clean_up);
        });
        let pid = pid.and_then(|p| libc::pid_t::try_from(p).ok());
        let mut live = LIVE.lock().unwrap_or_else(PoisonError::into_inner);
        match live.iter_mut().find(|(d, _)| d == dir) {
            Some(entry) => entry.1 = pid,
            None => live.push((dir.to_owned(), pid)),
        }
    }

    pub(crate) fn untrack(dir: &Path) {
        LIVE.lock().unwrap_or_else(PoisonError::into_inner).retain(|(d, _)| d != dir);
    }

    extern "C" fn clean_up() {
        let live = std::mem::take(&mut *LIVE.lock().unwrap_or_else(PoisonError::into_inner));
        for (dir, pid) in live {
            if let Some(pid) = pid {
                // SAFETY: plain system calls on our own child, which is unreaped so its ID is still ours.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                    libc::waitpid(pid, std::ptr::null_mut(), 0);
                }
            }
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Elsewhere a node kept in a `static` leaks its server and files when the tests end.
#[cfg(not(unix))]
pub(crate) fn track(_dir: &std::path::Path, _pid: Option<u32>) {}

#[cfg(not(unix))]
pub(crate) fn untrack(_dir: &std::path::Path) {}
