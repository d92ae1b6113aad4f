//! What a destination key held when its upload was queued, so a resumed or retried upload never
//! replaces a document that a colleague changed in the meantime.
//!
//! The design decision that matters: the state is taken **at queue time** with as few requests as
//! possible (one listing per dropped folder, one HEAD per dropped file, one listing for many
//! files), and every write insists on it: as a precondition the server enforces, or where it does
//! not, by a check right before the request that would make the upload visible
//! ([`crate::conditional`]).

use std::collections::HashMap;

use futures::{StreamExt, TryStreamExt};

use crate::bucket::Bucket;
use crate::error::{Error, ErrorKind, Result};
use crate::key::{ObjectKey, Prefix};
use crate::list::{Depth, Entry};
use crate::stat::ObjectInfo;

/// Up to this many single files are looked up one by one; more, and their folder is listed once.
const LOOKUPS: usize = 16;

/// A destination key's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seen {
    /// Nothing was stored under the key.
    Absent,
    /// A document was. Listings of some servers carry no ETag, so size and time (in whole seconds,
    /// the precision of a HEAD's Last-Modified) stand in for it there.
    Present {
        /// The ETag, or empty where the listing had none.
        etag: String,
        /// Its size.
        size: u64,
        /// When it was stored, in seconds since the epoch.
        modified_s: Option<i64>,
    },
}

impl Seen {
    fn from_entry(entry: &Entry) -> Self {
        Self::Present { etag: entry.etag.clone(), size: entry.size, modified_s: entry.last_modified_ms.map(seconds) }
    }

    pub(crate) fn from_info(info: &ObjectInfo) -> Self {
        Self::Present { etag: info.etag.clone(), size: info.size, modified_s: info.last_modified_ms.map(seconds) }
    }

    /// Whether `now` is the same state: equal ETags where both are known, else equal size and time.
    fn same_as(&self, now: &Self) -> bool {
        match (self, now) {
            (Self::Absent, Self::Absent) => true,
            (
                Self::Present { etag: a, size: size_a, modified_s: at_a },
                Self::Present { etag: b, size: size_b, modified_s: at_b },
            ) => {
                if a.is_empty() || b.is_empty() {
                    size_a == size_b && at_a == at_b
                } else {
                    a == b
                }
            }
            _ => false,
        }
    }

    /// The journal's text form: `-` for absent, else `<size> <seconds> <etag>`.
    pub(crate) fn encode(&self) -> String {
        match self {
            Self::Absent => "-".to_owned(),
            Self::Present { etag, size, modified_s } => {
                format!("{size} {} {etag}", modified_s.map(|s| s.to_string()).unwrap_or_default())
            }
        }
    }

    pub(crate) fn decode(text: &str) -> Option<Self> {
        if text == "-" {
            return Some(Self::Absent);
        }
        let mut fields = text.splitn(3, ' ');
        let size = fields.next()?.parse().ok()?;
        let modified_s = fields.next()?;
        let modified_s = if modified_s.is_empty() { None } else { Some(modified_s.parse().ok()?) };
        Some(Self::Present { etag: fields.next()?.to_owned(), size, modified_s })
    }
}

fn seconds(ms: i64) -> i64 {
    ms.div_euclid(1000)
}

/// The states of the keys a batch may write, gathered before it is recorded.
#[derive(Debug, Default)]
pub(crate) struct SeenKeys(HashMap<String, Seen>);

impl SeenKeys {
    /// One key in the state it was seen in elsewhere (an edited document, as it was opened).
    pub(crate) fn one(key: &ObjectKey, seen: Seen) -> Self {
        Self(HashMap::from([(key.as_str().to_owned(), seen)]))
    }

    /// The state of `key`; a key nothing was found for was absent.
    pub(crate) fn get(&self, key: &ObjectKey) -> Seen {
        self.0.get(key.as_str()).cloned().unwrap_or(Seen::Absent)
    }
}

impl Bucket {
    /// What is stored now where `folders` (each with everything under it) and `files` would go;
    /// with `siblings`, also everything beside the files (to choose free names among).
    pub(crate) async fn seen(&self, folders: &[Prefix], files: &[ObjectKey], siblings: bool) -> Result<SeenKeys> {
        let mut seen = HashMap::new();
        for folder in folders {
            for entry in self.list(folder, Depth::Recursive).await? {
                seen.insert(entry.key.clone(), Seen::from_entry(&entry));
            }
        }
        if siblings || files.len() > LOOKUPS {
            let mut parents: Vec<Prefix> = files.iter().map(ObjectKey::folder).collect();
            parents.sort_by(|a, b| a.as_str().cmp(b.as_str()));
            parents.dedup();
            for parent in parents {
                for entry in self.list(&parent, Depth::OneLevel).await?.iter().filter(|e| !e.is_folder) {
                    seen.insert(entry.key.clone(), Seen::from_entry(entry));
                }
            }
        } else {
            // Owned keys and a cloned client: a stream of borrowing closures is not `Send` for every
            // lifetime, which a Tauri command needs.
            let lookups = files.iter().cloned().map(|key| {
                let bucket = self.clone();
                async move {
                    let seen = bucket.seen_now(&key).await?;
                    Ok::<_, Error>((String::from(key), seen))
                }
            });
            let found: Vec<(String, Seen)> = futures::stream::iter(lookups).buffered(LOOKUPS).try_collect().await?;
            seen.extend(found);
        }
        Ok(SeenKeys(seen))
    }

    pub(crate) async fn seen_now(&self, key: &ObjectKey) -> Result<Seen> {
        match self.stat(key).await {
            Ok(info) => Ok(Seen::from_info(&info)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(Seen::Absent),
            Err(e) => Err(e),
        }
    }

    /// What is stored at `key` now, or an `AlreadyExists` error if it is no longer what was seen
    /// when the upload was queued. `ours` (size, file modification time in ms) recognises this very
    /// file stored by an earlier attempt, which is no change by anyone else.
    pub(crate) async fn ensure_still(&self, key: &ObjectKey, seen: &Seen, ours: Option<(u64, i64)>) -> Result<Seen> {
        let now = match self.stat(key).await {
            Ok(info) => {
                let mine = ours.is_some_and(|(size, ms)| info.size == size && info.file_modified_ms == Some(ms));
                let now = Seen::from_info(&info);
                if mine {
                    return Ok(now);
                }
                now
            }
            Err(e) if e.kind() == ErrorKind::NotFound => Seen::Absent,
            Err(e) => return Err(e),
        };
        if seen.same_as(&now) {
            return Ok(now);
        }
        Err(if now == Seen::Absent { Error::deleted_since_queued(key) } else { Error::changed_since_queued(key) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_and_compare_by_etag_or_by_size_and_time() {
        let listed = Seen::Present { etag: String::new(), size: 10, modified_s: Some(1_700_000_000) };
        let headed = Seen::Present { etag: "\"abc def\"".into(), size: 10, modified_s: Some(1_700_000_000) };
        for seen in [Seen::Absent, listed.clone(), headed.clone()] {
            assert_eq!(Seen::decode(&seen.encode()), Some(seen));
        }
        assert!(listed.same_as(&headed), "no ETag in the listing: size and time decide");
        let rewritten = Seen::Present { etag: "\"other\"".into(), size: 10, modified_s: Some(1_700_000_000) };
        assert!(!headed.same_as(&rewritten), "same size and second, another ETag");
        assert!(!Seen::Absent.same_as(&headed));
        assert_eq!(Seen::decode("garbage"), None);
    }
}
