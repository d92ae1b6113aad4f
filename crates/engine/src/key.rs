//! Object keys as a validated type.
//!
//! Keys are checked once, when they are made, against the rules every S3-compatible server agrees
//! on, so that a bad key is refused before any request is sent and the rest of the engine can trust
//! it. Keys are relative to the connection's prefix: the user never sees or types the prefix.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// S3's hard limit on the length of a whole key, in UTF-8 bytes.
pub const MAX_KEY_BYTES: usize = 1024;

/// A key naming one object, relative to the connection's prefix.
///
/// ```
/// use coffer_engine::ObjectKey;
/// assert!(ObjectKey::new("reports/2026 Q1 — draft #2 (final) +50%.docx").is_ok());
/// assert!(ObjectKey::new("Über/😀.pdf").is_ok());
/// // Refused: empty, too long, control characters, segments a URL would collapse.
/// assert!(ObjectKey::new("").is_err());
/// assert!(ObjectKey::new("a".repeat(1025)).is_err());
/// assert!(ObjectKey::new("bad\nname").is_err());
/// assert!(ObjectKey::new("/etc/passwd").is_err());
/// assert!(ObjectKey::new("a//b").is_err());
/// assert!(ObjectKey::new("a/../b").is_err());
/// assert!(ObjectKey::new("folder/").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct ObjectKey(String);

impl ObjectKey {
    /// Checks `key` against the rules every S3-compatible server agrees on.
    pub fn new(key: impl Into<String>) -> Result<Self> {
        let key = key.into();
        check_path(&key)?;
        if key.ends_with('/') {
            return Err(Error::key_is_folder(key));
        }
        Ok(Self(key))
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last segment: what a person calls the document.
    pub fn name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
    }

    /// The folder holding this key (empty at the top level).
    pub fn folder(&self) -> Prefix {
        match self.0.rfind('/') {
            Some(i) => Prefix(self.0[..=i].to_owned()),
            None => Prefix::root(),
        }
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A folder: empty (the top) or a key-like path ending in `/`.
///
/// ```
/// use coffer_engine::Prefix;
/// assert_eq!(Prefix::new("reports").unwrap().as_str(), "reports/");
/// assert_eq!(Prefix::new("").unwrap().as_str(), "");
/// assert_eq!(Prefix::new("/").unwrap().as_str(), "");
/// assert!(Prefix::new("a/../b").is_err());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Prefix(String);

impl Prefix {
    /// The top of the connection.
    pub fn root() -> Self {
        Self(String::new())
    }

    /// Accepts a folder path with or without its trailing `/`; `""` and `"/"` are the top.
    pub fn new(path: impl Into<String>) -> Result<Self> {
        let path = path.into();
        let trimmed = path.strip_suffix('/').unwrap_or(&path);
        if trimmed.is_empty() {
            return Ok(Self::root());
        }
        check_path(trimmed)?;
        Ok(Self(format!("{trimmed}/")))
    }

    /// The folder as text: `""` or a path ending in `/`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is the top of the connection.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The folder's own name (its last segment); the top has none.
    pub fn name(&self) -> Option<&str> {
        self.0.trim_end_matches('/').rsplit('/').next().filter(|name| !name.is_empty())
    }

    /// The key of `relative` inside this folder. `relative` uses `/` between segments.
    pub fn join(&self, relative: &str) -> Result<ObjectKey> {
        ObjectKey::new(format!("{}{relative}", self.0))
    }

    /// A sub-folder of this folder.
    pub fn child(&self, name: &str) -> Result<Prefix> {
        Prefix::new(format!("{}{name}", self.0))
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ObjectKey {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::new(s)
    }
}

impl From<ObjectKey> for String {
    fn from(k: ObjectKey) -> String {
        k.0
    }
}

impl TryFrom<String> for Prefix {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::new(s)
    }
}

impl From<Prefix> for String {
    fn from(p: Prefix) -> String {
        p.0
    }
}

fn check_path(path: &str) -> Result<()> {
    if path.is_empty() {
        return Err(Error::name_empty());
    }
    if path.len() > MAX_KEY_BYTES {
        return Err(Error::name_too_long(path.len(), MAX_KEY_BYTES));
    }
    if path.chars().any(char::is_control) {
        return Err(Error::name_has_controls(path.escape_debug()));
    }
    let body = path.strip_suffix('/').unwrap_or(path);
    // Empty, "." and ".." segments are rewritten by URL normalisation on some servers and clients,
    // so such an object could be stored under one name and never be found again.
    if body.split('/').any(|s| s.is_empty() || s == "." || s == "..") {
        return Err(Error::name_has_dot_parts(path));
    }
    Ok(())
}
