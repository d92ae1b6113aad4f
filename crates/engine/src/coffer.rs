//! [`Coffer`]: the entry point that ties connections, keychain and the Local vault together.
//!
//! Directories are passed in (see [`Dirs::from_os`]) rather than read from globals, so tests and
//! several instances can run side by side.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use tokio::sync::OnceCell;

use crate::bucket::Bucket;
use crate::check::Access;
use crate::conditional::{WriteGuard, WriteGuards};
use crate::connection::{Connection, ConnectionStore, CredentialSource, LOCAL_VAULT};
use crate::error::{Error, Result};
use crate::journal::Journal;
use crate::keychain::{AccessKey, KeychainEntry};
use crate::local_vault::LocalVault;
use crate::settings::SettingsFile;

/// Where Coffer keeps its configuration (no secrets) and its data (the Local vault).
#[derive(Clone, Debug)]
pub struct Dirs {
    /// Settings: `connections.toml`.
    pub config: PathBuf,
    /// Data: the Local vault and the transfer journal.
    pub data: PathBuf,
}

impl Dirs {
    /// The operating system's per-user folders (`~/.config/coffer` and `~/.local/share/coffer` on
    /// Linux, honouring `XDG_CONFIG_HOME` and `XDG_DATA_HOME`).
    pub fn from_os() -> Result<Self> {
        let dirs = directories::ProjectDirs::from("", "", "Coffer").ok_or_else(Error::no_home_folder)?;
        Ok(Self { config: dirs.config_dir().to_owned(), data: dirs.data_dir().to_owned() })
    }
}

/// Creates `dir` (and any missing parents) readable by this user only, and makes an existing one
/// so: settings, the journal's paths and the Local vault's documents are nobody else's business.
pub(crate) fn private_dir(dir: &Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        builder.mode(0o700);
        builder.create(dir).map_err(|e| Error::local_io(dir, &e))?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(|e| Error::local_io(dir, &e))
    }
    #[cfg(not(unix))]
    builder.create(dir).map_err(|e| Error::local_io(dir, &e))
}

/// Saves a small file of Coffer's (settings, connections, probe results) in a private folder,
/// written beside and renamed over, so a crash never leaves it truncated; readable by this user only.
pub(crate) fn save_file(path: &Path, text: &str) -> Result<()> {
    let dir = path.parent().expect("saved files live inside a folder");
    private_dir(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::local_io(dir, &e))?;
    std::io::Write::write_all(&mut tmp, text.as_bytes()).map_err(|e| Error::local_io(tmp.path(), &e))?;
    tmp.persist(path).map_err(|e| Error::local_io(path, &e.error))?;
    Ok(())
}

/// A connection as the UI shows it: its settings and whether a secret is stored (never the secret).
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionInfo {
    #[serde(flatten)]
    /// Its settings.
    pub connection: Connection,
    /// A secret for it is in the keychain (always true for the Local vault).
    pub secret_stored: bool,
    /// The access key ID, which is not secret and helps tell keys apart.
    pub access_key_id: Option<String>,
    /// The built-in Local vault, which cannot be edited or removed.
    pub is_local_vault: bool,
    /// For the Local vault: the port it had to leave in this run because another program held it.
    /// Share links made before point there and no longer work.
    pub moved_from_port: Option<u16>,
    /// Requests travel unencrypted over a network (an insecure `http://` connection): the window
    /// warns while it is in use.
    pub unencrypted: bool,
    /// Whether the server refuses overwrites of changed documents, as probed when a connection to
    /// this server and bucket was last tested; `None` before that.
    pub write_guard: Option<WriteGuard>,
}

/// The outcome of testing a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionCheck {
    /// What the key may do.
    pub access: Access,
    /// How overwrites are guarded; `None` for a key that may only read.
    pub write_guard: Option<WriteGuard>,
}

/// Coffer for one user: their connections, keychain entries, Local vault and transfer journal.
pub struct Coffer {
    dirs: Dirs,
    store: ConnectionStore,
    guards: WriteGuards,
    settings: SettingsFile,
    local: OnceCell<LocalVault>,
    journal: OnceCell<Arc<Journal>>,
}

impl Coffer {
    /// Nothing is read or started until first needed.
    pub fn new(dirs: Dirs) -> Self {
        Self {
            store: ConnectionStore::new(&dirs.config),
            guards: WriteGuards::new(&dirs.config),
            settings: SettingsFile::new(&dirs.config),
            dirs,
            local: OnceCell::new(),
            journal: OnceCell::new(),
        }
    }

    /// Where this Coffer keeps its settings and data.
    pub fn dirs(&self) -> &Dirs {
        &self.dirs
    }

    /// The person's settings file.
    pub fn settings(&self) -> &SettingsFile {
        &self.settings
    }

    /// The Local vault, started on first use.
    pub async fn local_vault(&self) -> Result<&LocalVault> {
        self.local.get_or_try_init(|| LocalVault::start(&self.dirs.data)).await
    }

    /// The Local vault if something in this run has started (or joined) it.
    pub fn started_local_vault(&self) -> Option<&LocalVault> {
        self.local.get()
    }

    /// The transfer journal in the data folder, opened on first use.
    pub async fn journal(&self) -> Result<Arc<Journal>> {
        let journal = self.journal.get_or_try_init(|| async { Journal::open(&self.dirs.data).map(Arc::new) }).await?;
        Ok(Arc::clone(journal))
    }

    /// The Local vault first, then the configured connections in file order.
    pub async fn connections(&self) -> Result<Vec<ConnectionInfo>> {
        let local = self.local_vault().await?;
        let local_guard = match self.guards.get(&local.connection()) {
            Some(guard) => Some(guard),
            // Its own server, on this computer: asking costs a few milliseconds.
            None => self.check(&local.bucket().await?).await.ok().and_then(|check| check.write_guard),
        };
        let mut all = vec![ConnectionInfo {
            connection: local.connection(),
            secret_stored: true,
            access_key_id: None,
            is_local_vault: true,
            moved_from_port: local.moved_from(),
            unencrypted: false,
            write_guard: local_guard,
        }];
        for connection in self.store.list()? {
            let key = match connection.credentials {
                CredentialSource::Keychain => KeychainEntry::for_connection(&connection.name).load().await?,
                CredentialSource::AwsChain { .. } => None,
            };
            all.push(ConnectionInfo {
                secret_stored: key.is_some(),
                access_key_id: key.map(|k| k.access_key_id),
                unencrypted: connection.is_unencrypted(),
                write_guard: self.guards.get(&connection),
                connection,
                is_local_vault: false,
                moved_from_port: None,
            });
        }
        Ok(all)
    }

    /// Adds a connection, or replaces the one called `replacing`. `key` (if given) goes to the
    /// keychain; when replacing without a new key, the stored one is kept (and moved if renamed).
    pub async fn save_connection(
        &self,
        conn: Connection,
        key: Option<AccessKey>,
        replacing: Option<&str>,
    ) -> Result<Connection> {
        let conn = conn.validate()?;
        let uses_keychain = matches!(conn.credentials, CredentialSource::Keychain);
        let key = match (key, replacing) {
            (Some(key), _) => Some(key.validate()?),
            (None, Some(old)) => KeychainEntry::for_connection(old).load().await?,
            (None, None) => None,
        };
        if uses_keychain && key.is_none() {
            return Err(Error::enter_key_and_secret(&conn.name));
        }
        // The file is written first: it refuses duplicate names before any secret is touched.
        let saved = self.store.save(conn, replacing)?;
        let entry = KeychainEntry::for_connection(&saved.name);
        let stored = match key.filter(|_| uses_keychain) {
            Some(key) => entry.store(key).await,
            // Only a replaced connection can have left a secret behind; a new one that uses the
            // AWS chain must not need a keychain at all (servers, CI).
            None if replacing.is_some() => entry.delete().await,
            None => Ok(()),
        };
        if let Err(e) = stored {
            if replacing.is_none() {
                self.store.remove(&saved.name)?;
            }
            return Err(e);
        }
        if let Some(old) = replacing.filter(|old| *old != saved.name) {
            KeychainEntry::for_connection(old).delete().await?;
        }
        Ok(saved)
    }

    /// Removes a connection and its keychain entry.
    pub async fn remove_connection(&self, name: &str) -> Result<()> {
        self.store.remove(name)?;
        KeychainEntry::for_connection(name).delete().await
    }

    /// Opens the connection called `name`; `None` or [`LOCAL_VAULT`] opens the Local vault.
    pub async fn open(&self, name: Option<&str>) -> Result<Bucket> {
        let mut bucket = match name {
            None | Some(LOCAL_VAULT) => self.local_vault().await?.bucket().await?,
            Some(name) => {
                let conn = self.store.get(name)?;
                let key = match conn.credentials {
                    CredentialSource::Keychain => KeychainEntry::for_connection(name).load().await?,
                    CredentialSource::AwsChain { .. } => None,
                };
                Bucket::open(conn, key).await?
            }
        };
        // Probed when the connection was tested; otherwise the first upload probes.
        if let Some(guard) = self.guards.get(bucket.connection()) {
            bucket.set_write_guard(guard);
        }
        // Searching is a convenience: a connection without a usable index still works.
        match crate::index::SearchIndex::open(&self.dirs.data, &bucket.connection().name) {
            Ok(index) => bucket.attach_index(Arc::new(index)),
            Err(e) => tracing::warn!("no search index for '{}': {e}", bucket.connection().name),
        }
        Ok(bucket)
    }

    /// Remembers what `bucket`'s first upload probed, for the server and bucket, so the next run
    /// (of the CLI, say) does not probe again. Nothing is written if nothing new was learnt.
    pub fn remember_write_guard(&self, bucket: &Bucket) -> Result<()> {
        match bucket.known_write_guard() {
            Some(guard) if self.guards.get(bucket.connection()) != Some(guard) => {
                self.guards.set(bucket.connection(), guard)
            }
            _ => Ok(()),
        }
    }

    /// Opens an unsaved connection, to test it before saving.
    pub async fn open_unsaved(&self, conn: Connection, key: Option<AccessKey>) -> Result<Bucket> {
        Bucket::open(conn.validate()?, key).await
    }

    /// Tests a connection as a form holds it: with `key` if one was typed, otherwise with the
    /// secret stored for the saved connection `saved` (the one being edited).
    pub async fn test_connection(
        &self,
        conn: Connection,
        key: Option<AccessKey>,
        saved: Option<&str>,
    ) -> Result<ConnectionCheck> {
        let key = match (key, saved) {
            (Some(key), _) => Some(key),
            (None, Some(saved)) => KeychainEntry::for_connection(saved).load().await?,
            (None, None) => None,
        };
        let bucket = self.open_unsaved(conn, key).await?;
        self.check(&bucket).await
    }

    /// Checks what `bucket`'s key may do and, where it may write, probes how overwrites are
    /// guarded and remembers that for the server and bucket.
    pub async fn check(&self, bucket: &Bucket) -> Result<ConnectionCheck> {
        let access = bucket.check().await?;
        let write_guard = match access {
            Access::ReadWrite => {
                let guard = bucket.probe_write_guard().await?;
                self.guards.set(bucket.connection(), guard)?;
                Some(guard)
            }
            Access::ReadOnly => None,
        };
        Ok(ConnectionCheck { access, write_guard })
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::private_dir;

    #[test]
    fn private_folders_are_for_their_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let nested = dir.path().join("a/b/coffer");
        private_dir(&nested).unwrap();
        assert_eq!(mode(&nested), 0o700);
        let existing = dir.path().join("old");
        std::fs::create_dir(&existing).unwrap();
        std::fs::set_permissions(&existing, std::fs::Permissions::from_mode(0o755)).unwrap();
        private_dir(&existing).unwrap();
        assert_eq!(mode(&existing), 0o700, "a folder made by an earlier version is tightened");
    }
}
