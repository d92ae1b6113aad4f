//! Advisory edit locks: while someone edits a document from Coffer, a small object under
//! `.coffer-locks/<key>` says who and since when, so colleagues see it before they open it too.
//!
//! The design decision that matters: **a lock is a lease, not a promise.** It expires unless the
//! editor renews it ([`LEASE`]), so a crashed or unplugged computer never locks a document for
//! good, and it never stops anyone: colleagues may still open a read-only copy or "open anyway".
//! A lock is taken with `If-None-Match: *` (or `If-Match` on a stale lock) where the server enforces
//! it; elsewhere two people taking a lock in the same instant can both get it, and the window says
//! locks are advisory there. What protects the document itself is the conditional write of each save.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_s3::primitives::ByteStream;
use futures::StreamExt;
use serde::{Deserialize, Serialize};

use crate::bucket::Bucket;
use crate::conditional::Precondition;
use crate::error::{Error, ErrorKind, Result};
use crate::key::{ObjectKey, Prefix};
use crate::seen::Seen;

/// The locks' folder, relative to the connection's prefix; hidden from listings.
pub const LOCKS: &str = ".coffer-locks/";
/// How long a lock holds without being renewed.
pub const LEASE: Duration = Duration::from_secs(10 * 60);
/// Locks read at the same time when a folder's are listed.
const READS_IN_FLIGHT: usize = 8;

/// Someone's lock on a document.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct EditLock {
    /// The document, relative to the connection's prefix.
    pub key: String,
    /// Who is editing it (their display name).
    pub by: String,
    /// When they started, in milliseconds since the epoch.
    pub since_ms: i64,
    /// When the lock lapses unless renewed, in milliseconds since the epoch.
    pub expires_ms: i64,
    /// The editing session holding it: tells one person's two computers apart.
    pub holder: String,
}

impl EditLock {
    fn live_at(&self, now_ms: i64) -> bool {
        self.expires_ms > now_ms
    }
}

/// What taking a lock found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Taken {
    /// The lock is ours now (new, renewed, or taken over from a lapsed one).
    Ours,
    /// Someone else holds it and it has not lapsed.
    HeldBy(EditLock),
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn lock_key(key: &ObjectKey) -> Result<ObjectKey> {
    ObjectKey::new(format!("{LOCKS}{key}"))
}

impl Bucket {
    /// The live lock on `key`, if anyone holds one.
    pub async fn lock_of(&self, key: &ObjectKey) -> Result<Option<EditLock>> {
        Ok(self.read_lock(key).await?.map(|(lock, _)| lock).filter(|lock| lock.live_at(now_ms())))
    }

    /// The lock object on `key` and its ETag, live or lapsed.
    async fn read_lock(&self, key: &ObjectKey) -> Result<Option<(EditLock, String)>> {
        let full = self.full_key(&lock_key(key)?)?;
        let ctx = self.ctx(Some(key.as_str()));
        let object = match self.client.get_object().bucket(&self.conn.bucket).key(&full).send().await {
            Ok(object) => object,
            Err(e) => {
                let e = ctx.sdk(e);
                return if e.kind() == ErrorKind::NotFound { Ok(None) } else { Err(e) };
            }
        };
        let etag = object.e_tag.clone().unwrap_or_default();
        let bytes = object.body.collect().await.map_err(|e| Error::record_unreadable(key, e))?;
        // A damaged lock locks nothing: it is treated as lapsed, and overwritten by the next editor.
        let lock = serde_json::from_slice::<EditLock>(&bytes.into_bytes())
            .unwrap_or_else(|_| EditLock { key: key.to_string(), ..EditLock::default() });
        Ok(Some((lock, etag)))
    }

    /// Takes or renews the lock on `key` for the session `holder`, editing as `by` since `since_ms`,
    /// for one [`LEASE`] from now. A live lock of another session is left alone and returned.
    pub async fn take_lock(&self, key: &ObjectKey, by: &str, holder: &str, since_ms: i64) -> Result<Taken> {
        let current = self.read_lock(key).await?;
        let now = now_ms();
        if let Some((lock, _)) = &current
            && lock.holder != holder
            && lock.live_at(now)
        {
            return Ok(Taken::HeldBy(lock.clone()));
        }
        let lock = EditLock {
            key: key.to_string(),
            by: by.to_owned(),
            since_ms,
            expires_ms: now + i64::try_from(LEASE.as_millis()).unwrap_or(i64::MAX),
            holder: holder.to_owned(),
        };
        let seen = match &current {
            None => Seen::Absent,
            Some((_, etag)) => Seen::Present { etag: etag.clone(), size: 0, modified_s: None },
        };
        let object = lock_key(key)?;
        let written = async {
            let precondition = self.precondition(&object, &seen, None).await?;
            let full = self.full_key(&object)?;
            let mut request = self
                .client
                .put_object()
                .bucket(&self.conn.bucket)
                .key(&full)
                .content_type("application/json")
                .body(ByteStream::from(serde_json::to_vec(&lock).expect("a lock serialises")));
            match precondition {
                Some(Precondition::Absent) => request = request.if_none_match("*"),
                Some(Precondition::Etag(etag)) => request = request.if_match(etag),
                None => {}
            }
            request.send().await.map(drop).map_err(|e| self.ctx(Some(key.as_str())).sdk(e))
        }
        .await;
        match written {
            Ok(()) => Ok(Taken::Ours),
            // Someone took it between the read and the write: theirs, unless it lapsed already.
            Err(e) if e.kind() == ErrorKind::AlreadyExists => match self.read_lock(key).await? {
                Some((lock, _)) if lock.holder != holder && lock.live_at(now_ms()) => Ok(Taken::HeldBy(lock)),
                _ => Err(e),
            },
            Err(e) => Err(e),
        }
    }

    /// Releases the lock on `key` if the session `holder` has it; someone else's is left alone.
    pub async fn release_lock(&self, key: &ObjectKey, holder: &str) -> Result<()> {
        match self.read_lock(key).await? {
            Some((lock, _)) if lock.holder == holder => {
                let full = self.full_key(&lock_key(key)?)?;
                self.client
                    .delete_object()
                    .bucket(&self.conn.bucket)
                    .key(&full)
                    .send()
                    .await
                    .map(drop)
                    .map_err(|e| self.ctx(Some(key.as_str())).sdk(e))
            }
            _ => Ok(()),
        }
    }

    /// The live locks on the documents of `folder` (not of its sub-folders).
    pub async fn locks(&self, folder: &Prefix) -> Result<Vec<EditLock>> {
        let under = Prefix::new(format!("{LOCKS}{folder}"))?;
        let keys: Vec<ObjectKey> = self
            .full_objects_under(&under)
            .await?
            .into_iter()
            .filter_map(|(full, _)| {
                let key = self.relative(&full).strip_prefix(LOCKS)?.to_owned();
                key.strip_prefix(folder.as_str()).is_some_and(|name| !name.contains('/')).then_some(key)
            })
            .filter_map(|key| ObjectKey::new(key).ok())
            .collect();
        let reads = keys.into_iter().map(|key| {
            let bucket = self.clone();
            async move { bucket.lock_of(&key).await }
        });
        let mut locks = Vec::new();
        let mut results = futures::stream::iter(reads).buffer_unordered(READS_IN_FLIGHT);
        while let Some(lock) = results.next().await {
            // One lock that cannot be read hides only itself.
            if let Ok(Some(lock)) = lock {
                locks.push(lock);
            }
        }
        locks.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(locks)
    }
}
