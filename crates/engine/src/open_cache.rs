//! The private folder where documents are downloaded to be opened with the system's default app.
//!
//! The one design decision that matters: **the cache cleans itself.** Copies are kept only for a
//! while after they were last touched, and swept at start, so documents do not pile up on the
//! computer after they were opened once.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::download::safe_path;
use crate::error::{Error, Result};
use crate::key::ObjectKey;

/// File types that run code when the system opens them: programs, scripts, shortcuts and
/// installers. Such a document is never handed to the system without an explicit confirmation.
pub const RUNS_CODE: &[&str] = &[
    "exe", "com", "bat", "cmd", "ps1", "psm1", "vbs", "vbe", "js", "jse", "wsf", "wsh", "hta", "msi", "msp", "msc",
    "scr", "pif", "cpl", "lnk", "url", "reg", "jar", "sh", "bash", "zsh", "csh", "ksh", "command", "desktop",
    "appimage", "run", "bin", "deb", "rpm", "py", "pyw", "pl", "rb", "php", "app", "pkg", "dmg", "scpt", "workflow",
    "apk", "iso", "img", "vhd", "vhdx", "xll", "docm", "xlsm", "pptm",
];

/// Whether opening `name` with the system's default app would run code.
pub fn runs_code(name: &str) -> bool {
    let name = name.trim_end_matches(['.', ' ']);
    name.rsplit_once('.').is_some_and(|(_, ext)| RUNS_CODE.contains(&ext.to_ascii_lowercase().as_str()))
}

/// How long an opened copy is kept after it was last changed.
pub const KEEP_OPENED: Duration = Duration::from_secs(7 * 24 * 3600);

/// Documents opened from Coffer, one folder per connection.
#[derive(Clone, Debug)]
pub struct OpenCache {
    dir: PathBuf,
}

impl OpenCache {
    /// The cache in `dir`; nothing is created until a document is opened.
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// Where `key` of `connection` is downloaded to be opened: always inside the cache. A type that
    /// runs code is refused unless the person `confirmed` opening it.
    pub fn path_for(&self, connection: &str, key: &ObjectKey, confirmed: bool) -> Result<PathBuf> {
        if runs_code(key.name()) && !confirmed {
            return Err(Error::program_needs_confirmation(key.name()));
        }
        let folder: String =
            connection.chars().map(|c| if c.is_alphanumeric() || c == ' ' || c == '-' { c } else { '_' }).collect();
        crate::coffer::private_dir(&self.dir)?;
        safe_path(&self.dir.join(folder), key.as_str())
    }

    /// Removes copies not changed for `older_than`, and folders left empty; returns how many files
    /// went. A file that cannot be removed is left for the next sweep, and one still being edited
    /// (in `editing`) always stays.
    pub fn sweep(&self, older_than: Duration, now: SystemTime, editing: &[PathBuf]) -> Result<u64> {
        if !self.dir.exists() {
            return Ok(0);
        }
        let mut removed = 0;
        let mut folders = Vec::new();
        for entry in walkdir::WalkDir::new(&self.dir).min_depth(1).follow_links(false) {
            let entry = entry.map_err(|e| Error::local_io(&self.dir, &e.into()))?;
            if entry.file_type().is_dir() {
                folders.push(entry.into_path());
                continue;
            }
            let stale = entry
                .metadata()
                .ok()
                .and_then(|m| m.modified().ok())
                .is_some_and(|changed| now.duration_since(changed).is_ok_and(|age| age > older_than));
            if stale && !editing.iter().any(|p| p == entry.path()) && std::fs::remove_file(entry.path()).is_ok() {
                removed += 1;
            }
        }
        // Deepest first, so a folder emptied by its children goes too; a folder still holding
        // something simply refuses.
        for folder in folders.iter().rev() {
            let _ = std::fs::remove_dir(folder);
        }
        Ok(removed)
    }

    /// The folder itself.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_and_scripts_need_a_confirmation() {
        for name in ["setup.exe", "INVOICE.PDF.EXE", "run.sh", "start.desktop", "tool.AppImage", "link.lnk", "x.bat. "]
        {
            assert!(runs_code(name), "{name} runs code");
        }
        for name in ["report.pdf", "budget.xlsx", "notes", ".env", "archive.tar.gz", "exe"] {
            assert!(!runs_code(name), "{name} does not");
        }
        let cache = OpenCache::new(std::env::temp_dir().join("coffer-open-test"));
        let key = ObjectKey::new("invoice\u{202e}fdp.exe").unwrap();
        assert_eq!(cache.path_for("c", &key, false).unwrap_err().kind(), crate::ErrorKind::InvalidInput);
        assert!(cache.path_for("c", &key, true).is_ok(), "the person may still say yes");
    }

    #[test]
    fn old_copies_go_and_recent_ones_stay() {
        let dir = tempfile::tempdir().unwrap();
        let cache = OpenCache::new(dir.path().join("open"));
        let old = cache.path_for("Office / S3", &ObjectKey::new("2024/old.pdf").unwrap(), false).unwrap();
        let recent = cache.path_for("Office / S3", &ObjectKey::new("new.docx").unwrap(), false).unwrap();
        assert!(old.starts_with(cache.dir()) && recent.starts_with(cache.dir()), "always inside the cache");
        for path in [&old, &recent] {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, b"copy").unwrap();
        }
        let now = SystemTime::now();
        std::fs::File::options().write(true).open(&old).unwrap().set_modified(now - KEEP_OPENED * 2).unwrap();
        let edited = cache.path_for("Office / S3", &ObjectKey::new("edited.docx").unwrap(), false).unwrap();
        std::fs::write(&edited, b"still being edited").unwrap();
        std::fs::File::options().write(true).open(&edited).unwrap().set_modified(now - KEEP_OPENED * 2).unwrap();
        assert_eq!(cache.sweep(KEEP_OPENED, now, std::slice::from_ref(&edited)).unwrap(), 1);
        assert!(edited.exists(), "a document still being edited stays, however old");
        assert!(!old.exists() && !old.parent().unwrap().exists(), "the old copy and its empty folder are gone");
        assert!(recent.exists(), "a recent copy stays");
        assert_eq!(OpenCache::new(dir.path().join("never")).sweep(KEEP_OPENED, now, &[]).unwrap(), 0);
    }
}
