//! Secrets in the operating system's keychain (Secret Service, macOS Keychain, Windows Credential
//! Manager) through the `keyring` crate.
//!
//! One keychain entry per connection holds its access key ID, secret and optional session token as
//! one JSON value, so they are replaced together. Secrets are held in [`SecretString`] so they are
//! redacted from every `Debug` output; keychain calls block, so they run on tokio's blocking pool.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The keychain "service" all of Coffer's entries are filed under.
const SERVICE: &str = "Coffer";

/// An S3 access key: the ID is not secret, the rest is.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct AccessKey {
    /// The access key ID, which is not secret.
    pub access_key_id: String,
    #[serde(serialize_with = "expose")]
    /// The secret access key.
    pub secret_access_key: SecretString,
    #[serde(default, serialize_with = "expose_opt")]
    /// A session token, for temporary credentials.
    pub session_token: Option<SecretString>,
}

impl AccessKey {
    /// A key from its ID and secret, trimmed of stray spaces.
    pub fn new(access_key_id: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            access_key_id: access_key_id.into().trim().to_owned(),
            secret_access_key: SecretString::from(secret.into().trim().to_owned()),
            session_token: None,
        }
    }

    /// The key typed into a form, where both fields are optional: both give a key, neither keeps
    /// the stored one (`None`), a secret without its ID is refused.
    pub fn from_form(access_key_id: Option<String>, secret: Option<String>) -> Result<Option<Self>> {
        match (access_key_id.filter(|s| !s.trim().is_empty()), secret.filter(|s| !s.is_empty())) {
            (Some(id), Some(secret)) => Ok(Some(Self::new(id, secret))),
            (None, Some(_)) => Err(Error::enter_key_id_for_secret()),
            (_, None) => Ok(None),
        }
    }

    pub(crate) fn validate(self) -> Result<Self> {
        if self.access_key_id.is_empty() {
            return Err(Error::enter_key_id());
        }
        if self.secret_access_key.expose_secret().is_empty() {
            return Err(Error::enter_secret());
        }
        Ok(self)
    }
}

// Serialisation exists only to write the keychain entry itself.
fn expose<S: serde::Serializer>(s: &SecretString, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_str(s.expose_secret())
}

fn expose_opt<S: serde::Serializer>(s: &Option<SecretString>, ser: S) -> Result<S::Ok, S::Error> {
    match s {
        Some(s) => ser.serialize_some(s.expose_secret()),
        None => ser.serialize_none(),
    }
}

/// Where one connection's secret is kept.
#[derive(Clone, Debug)]
pub struct KeychainEntry {
    account: String,
}

impl KeychainEntry {
    /// The entry for the connection called `name`.
    pub fn for_connection(name: &str) -> Self {
        Self { account: format!("connection:{name}") }
    }

    /// The entry for the Local vault's generated key.
    pub fn for_local_vault() -> Self {
        Self { account: "local-vault".to_owned() }
    }

    /// Stores `key`, replacing what was there.
    pub async fn store(&self, key: AccessKey) -> Result<()> {
        let key = key.validate()?;
        let json = SecretString::from(serde_json::to_string(&key).expect("an access key serialises"));
        let account = self.account.clone();
        blocking(move || entry(&account)?.set_password(json.expose_secret()).map_err(|e| keychain_error(&account, e)))
            .await
    }

    /// The stored key, or `None` if there is none.
    pub async fn load(&self) -> Result<Option<AccessKey>> {
        let account = self.account.clone();
        blocking(move || match entry(&account)?.get_password() {
            Ok(json) => {
                let json = SecretString::from(json);
                serde_json::from_str(json.expose_secret()).map(Some).map_err(|_| Error::keychain_damaged(&account))
            }
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keychain_error(&account, e)),
        })
        .await
    }

    /// Removes the entry; removing an entry that does not exist is not an error.
    pub async fn delete(&self) -> Result<()> {
        let account = self.account.clone();
        blocking(move || match entry(&account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keychain_error(&account, e)),
        })
        .await
    }
}

fn entry(account: &str) -> Result<keyring::Entry> {
    keyring::Entry::new(SERVICE, account).map_err(|e| keychain_error(account, e))
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.expect("keychain calls do not panic")
}

fn keychain_error(account: &str, err: keyring::Error) -> Error {
    // Only the variant is used: some variants carry the raw secret bytes.
    match err {
        keyring::Error::NoStorageAccess(_) => Error::keychain_locked(account),
        keyring::Error::NoDefaultStore | keyring::Error::PlatformFailure(_) => Error::keychain_unavailable(account),
        keyring::Error::TooLong(..) | keyring::Error::Invalid(..) => Error::keychain_name_refused(account),
        keyring::Error::Ambiguous(_) => Error::keychain_ambiguous(account),
        _ => Error::keychain_unexpected(account),
    }
}
