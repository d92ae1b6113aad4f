//! The one folder walker: every file under a dropped or picked folder, streamed to a visitor.
//!
//! The one design decision that matters: **nothing is collected and nothing outside the folder is
//! read.** Entries are handed over one at a time, unsorted (sorting would hold a whole directory
//! listing in memory), so a folder of any size costs the same. Symbolic links are not followed out
//! of the folder: a link to a file inside it is uploaded as that file, anything else is reported as
//! skipped with the reason, as are unreadable entries and names S3 cannot take, so one bad entry
//! never stops the rest.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::error::{Error, Result};

/// One thing found under the folder.
pub(crate) enum Found {
    /// A regular file (or a link to one inside the folder), with its `/`-separated relative path.
    File { path: PathBuf, relative: String, size: u64, modified: SystemTime },
    /// Something that will not be uploaded, and why.
    Skipped { path: PathBuf, error: Error },
}

/// Walks `root`, calling `visit` for every file and every skipped entry. Fails only if `root` itself
/// cannot be read or `visit` fails.
pub(crate) fn walk(root: &Path, mut visit: impl FnMut(Found) -> Result<()>) -> Result<()> {
    let canonical_root = std::fs::canonicalize(root).map_err(|e| Error::local_io(root, &e))?;
    for entry in walkdir::WalkDir::new(root).follow_links(false) {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) if e.depth() == 0 => return Err(walk_error(root, e)),
            Err(e) => {
                let path = e.path().unwrap_or(root).to_owned();
                visit(Found::Skipped { error: walk_error(root, e), path })?;
                continue;
            }
        };
        let path = entry.path();
        let file_type = entry.file_type();
        if file_type.is_dir() {
            continue;
        }
        let found = if file_type.is_symlink() {
            inside_link(path, &canonical_root)
        } else if file_type.is_file() {
            entry.metadata().map_err(|e| walk_error(root, e))
        } else {
            Err(Error::skipped_not_regular(path.display()))
        };
        let relative = path.strip_prefix(root).expect("walkdir yields paths under its root");
        let relative = relative
            .to_str()
            .map(|r| r.replace(std::path::MAIN_SEPARATOR, "/"))
            .ok_or_else(|| Error::skipped_not_unicode(path.display()));
        let found = match (found, relative) {
            (Ok(meta), Ok(relative)) => match meta.modified() {
                Ok(modified) => Found::File { path: path.to_owned(), relative, size: meta.len(), modified },
                Err(e) => Found::Skipped { path: path.to_owned(), error: Error::local_io(path, &e) },
            },
            (Err(error), _) | (_, Err(error)) => Found::Skipped { path: path.to_owned(), error },
        };
        visit(found)?;
    }
    Ok(())
}

/// The metadata of what a link inside the folder points to, if that is a file inside the folder.
fn inside_link(link: &Path, root: &Path) -> Result<std::fs::Metadata> {
    let outside = || Error::skipped_link_outside(link.display());
    let target = std::fs::canonicalize(link).map_err(|_| Error::skipped_link_to_nothing(link.display()))?;
    if !target.starts_with(root) {
        return Err(outside());
    }
    let meta = std::fs::metadata(&target).map_err(|e| Error::local_io(link, &e))?;
    if meta.is_file() { Ok(meta) } else { Err(outside()) }
}

fn walk_error(root: &Path, e: walkdir::Error) -> Error {
    let path = e.path().unwrap_or(root).to_owned();
    match e.into_io_error() {
        Some(io) => Error::local_io(&path, &io),
        None => Error::links_into_itself(path.display()),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn walked(root: &Path) -> (Vec<String>, Vec<PathBuf>) {
        let (mut files, mut skipped) = (Vec::new(), Vec::new());
        walk(root, |found| {
            match found {
                Found::File { relative, .. } => files.push(relative),
                Found::Skipped { path, .. } => skipped.push(path),
            }
            Ok(())
        })
        .unwrap();
        files.sort();
        skipped.sort();
        (files, skipped)
    }

    #[test]
    fn links_are_not_followed_out_of_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let (root, outside) = (dir.path().join("drop"), dir.path().join("secret"));
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(root.join("sub/a.txt"), "a").unwrap();
        std::fs::write(outside.join("key.pem"), "private").unwrap();
        std::os::unix::fs::symlink(outside.join("key.pem"), root.join("leak.pem")).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("leak-dir")).unwrap();
        std::os::unix::fs::symlink(root.join("sub/a.txt"), root.join("alias.txt")).unwrap();
        std::os::unix::fs::symlink(root.join("gone"), root.join("dangling")).unwrap();

        let (files, skipped) = walked(&root);
        assert_eq!(files, ["alias.txt", "sub/a.txt"], "a link to a file inside the folder is that file");
        assert_eq!(skipped, [root.join("dangling"), root.join("leak-dir"), root.join("leak.pem")]);
    }

    #[test]
    fn an_unreadable_folder_is_skipped_alone() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("locked")).unwrap();
        std::fs::write(dir.path().join("locked/x.txt"), "x").unwrap();
        std::fs::write(dir.path().join("ok.txt"), "ok").unwrap();
        std::fs::set_permissions(dir.path().join("locked"), std::fs::Permissions::from_mode(0o000)).unwrap();
        let readable = std::fs::read_dir(dir.path().join("locked")).is_ok(); // root reads anything
        let (files, skipped) = walked(dir.path());
        std::fs::set_permissions(dir.path().join("locked"), std::fs::Permissions::from_mode(0o755)).unwrap();
        if readable {
            assert_eq!(files, ["locked/x.txt", "ok.txt"]);
        } else {
            assert_eq!((files, skipped), (vec!["ok.txt".to_owned()], vec![dir.path().join("locked")]));
        }
    }
}
