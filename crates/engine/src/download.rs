//! Downloading an object to a local file.
//!
//! The body is streamed into a temporary file in the target folder and renamed over the target
//! only when complete, so a failed or cancelled download never leaves a partial document behind.
//! When the local name comes from a key, [`safe_path`] guarantees it stays inside the folder the
//! user chose, whatever the key says.

use std::path::{Component, Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use tokio::io::AsyncWriteExt;
use tokio_util::sync::CancellationToken;

use crate::bucket::Bucket;
use crate::error::{Error, ErrorKind, Result};
use crate::key::ObjectKey;
use crate::upload::{Progress, until_cancelled};

/// The local path for `relative_key` inside `folder`; never outside it.
///
/// Leading `/`, empty and `.` segments are dropped; a `..` segment is refused.
///
/// ```
/// use std::path::Path;
/// use coffer_engine::safe_path;
/// let dir = Path::new("/home/ana/Downloads");
/// assert_eq!(safe_path(dir, "a/b.pdf").unwrap(), dir.join("a").join("b.pdf"));
/// assert_eq!(safe_path(dir, "/etc/x").unwrap(), dir.join("etc").join("x"));
/// assert!(safe_path(dir, "../../x").is_err());
/// assert!(safe_path(dir, "a/../../b").is_err());
/// assert!(safe_path(dir, "").is_err());
/// ```
pub fn safe_path(folder: &Path, relative_key: &str) -> Result<PathBuf> {
    let mut path = folder.to_owned();
    let mut pushed = false;
    for segment in relative_key.split('/') {
        // Each segment must be one plain file name on this OS too (no `\`, drive letters, NULs).
        let mut components = Path::new(segment).components();
        match (components.next(), components.next()) {
            (None, _) | (Some(Component::CurDir), None) => {}
            (Some(Component::Normal(name)), None) if !segment.contains('\0') => {
                path.push(name);
                pushed = true;
            }
            _ => {
                return Err(Error::invalid(format!(
                    "The key '{relative_key}' would be saved outside the chosen folder; it was not downloaded."
                )));
            }
        }
    }
    if !pushed {
        return Err(Error::invalid(format!("The key '{relative_key}' has no file name to save under.")));
    }
    Ok(path)
}

impl Bucket {
    /// Downloads `key` to the file `target`, replacing it. Parent folders are created.
    pub async fn download(
        &self,
        key: &ObjectKey,
        target: &Path,
        progress: &(dyn Fn(Progress) + Sync),
        cancel: &CancellationToken,
    ) -> Result<u64> {
        if target.is_dir() {
            return Err(Error::invalid(format!("'{}' is a folder; choose a file name to save to.", target.display())));
        }
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        tokio::fs::create_dir_all(&dir).await.map_err(|e| Error::local_io(&dir, &e))?;
        let full = self.full_key(key)?;
        let ctx = self.ctx(Some(key.as_str()));
        let output = until_cancelled(cancel, async {
            self.client.get_object().bucket(&self.conn.bucket).key(&full).send().await.map_err(|e| ctx.sdk(e))
        })
        .await?;
        let total = output.content_length.unwrap_or(0).max(0) as u64;
        let mtime = output.metadata.as_ref().and_then(|m| m.get("mtime")).and_then(|v| parse_mtime(v));

        // Dropped (and removed) on every early return, so no partial file is left.
        let temp = tempfile::Builder::new()
            .prefix(".coffer-download-")
            .tempfile_in(&dir)
            .map_err(|e| Error::local_io(&dir, &e))?;
        let mut file = tokio::fs::File::from_std(temp.reopen().map_err(|e| Error::local_io(temp.path(), &e))?);
        let mut body = output.body;
        let mut done = 0u64;
        let copy = async {
            while let Some(chunk) = body.try_next().await.map_err(|_| {
                Error::new(ErrorKind::Unreachable, format!("The download of '{key}' was interrupted; try again."))
            })? {
                file.write_all(&chunk).await.map_err(|e| Error::local_io(temp.path(), &e))?;
                done += chunk.len() as u64;
                progress(Progress { bytes_done: done, bytes_total: total, files_done: 0, files_total: 1, retrying: 0 });
            }
            file.flush().await.map_err(|e| Error::local_io(temp.path(), &e))?;
            Ok(())
        };
        until_cancelled(cancel, copy).await?;
        if done != total {
            return Err(Error::new(
                ErrorKind::Unreachable,
                format!("The download of '{key}' stopped after {done} of {total} bytes; try again."),
            ));
        }
        file.sync_all().await.map_err(|e| Error::local_io(temp.path(), &e))?;
        drop(file);
        if let Some(mtime) = mtime {
            // Keeping the original modification time is a courtesy; failing to is not an error.
            let _ = temp.as_file().set_modified(mtime);
        }
        temp.persist(target).map_err(|e| Error::local_io(target, &e.error))?;
        progress(Progress { bytes_done: done, bytes_total: total, files_done: 1, files_total: 1, retrying: 0 });
        Ok(done)
    }

    /// Downloads `key` into `folder`, at the key's path relative to `base` (a folder being
    /// downloaded) — never outside `folder`. Returns where the file was written.
    pub async fn download_into(
        &self,
        key: &ObjectKey,
        base: &crate::key::Prefix,
        folder: &Path,
        progress: &(dyn Fn(Progress) + Sync),
        cancel: &CancellationToken,
    ) -> Result<PathBuf> {
        let relative = key.as_str().strip_prefix(base.as_str()).unwrap_or(key.as_str());
        let target = safe_path(folder, relative)?;
        self.download(key, &target, progress, cancel).await?;
        Ok(target)
    }
}

fn parse_mtime(value: &str) -> Option<std::time::SystemTime> {
    let seconds: f64 = value.trim().parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| UNIX_EPOCH + Duration::from_secs_f64(seconds))
}
