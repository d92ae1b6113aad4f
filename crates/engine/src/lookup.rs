//! What is stored at a key right now, asked by many writers at once.
//!
//! Where the server does not enforce conditional writes, every upload and every server-side copy
//! checks its destination just before it writes ([`crate::conditional`]). One HEAD per document
//! doubled the requests of a folder of small files, and each request costs the client and the
//! server more than the answer is worth. The design decision that matters: **asks that arrive
//! together share one listing, sent after every one of them was made**, so each answer is as
//! fresh as a HEAD sent at that moment would have been. Sixty-four uploads in flight then need a
//! listing of their folder where they needed sixty-four HEADs.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use tokio::sync::oneshot;

use crate::bucket::Bucket;
use crate::error::{ErrorKind, Result};
use crate::key::ObjectKey;

/// Entries a listing may return beyond one per ask: room for documents stored between the asked
/// names, without asking for a whole folder.
const SLACK: usize = 32;

/// What a listing says of a stored object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Listed {
    /// The ETag, quoted as the server sends it; empty where the listing had none.
    pub(crate) etag: String,
    /// Its size in bytes.
    pub(crate) size: u64,
    /// When it was stored, in milliseconds since the epoch.
    pub(crate) last_modified_ms: Option<i64>,
}

/// The asks waiting for the next listing, shared by a bucket's clones.
#[derive(Debug, Default)]
pub(crate) struct Lookups {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    waiting: Vec<Ask>,
    /// Whether a task is answering: the first ask starts one, and it runs while asks keep coming.
    answering: bool,
}

#[derive(Debug)]
struct Ask {
    full: String,
    reply: oneshot::Sender<Result<Option<Listed>>>,
}

impl Bucket {
    /// What is stored at `key` now (`None` if nothing is), from a listing sent after this call.
    pub(crate) async fn lookup(&self, key: &ObjectKey) -> Result<Option<Listed>> {
        let full = self.full_key(key)?;
        let (reply, answer) = oneshot::channel();
        let start = {
            let mut state = self.lookups.state.lock().unwrap_or_else(|e| e.into_inner());
            state.waiting.push(Ask { full, reply });
            !std::mem::replace(&mut state.answering, true)
        };
        if start {
            // Its own task: an ask that is dropped (its upload cancelled) must not strand the others.
            let bucket = self.clone();
            tokio::spawn(async move { bucket.answer_lookups().await });
        }
        answer.await.expect("the answering task replies to every ask it takes")
    }

    /// Answers every waiting ask, one listing per folder per round, until none is left.
    async fn answer_lookups(&self) {
        loop {
            let asks = {
                let mut state = self.lookups.state.lock().unwrap_or_else(|e| e.into_inner());
                if state.waiting.is_empty() {
                    state.answering = false;
                    return;
                }
                std::mem::take(&mut state.waiting)
            };
            let mut by_folder: BTreeMap<String, Vec<Ask>> = BTreeMap::new();
            for ask in asks {
                by_folder.entry(folder_of(&ask.full).to_owned()).or_default().push(ask);
            }
            futures::future::join_all(by_folder.into_iter().map(|(folder, asks)| self.answer_folder(folder, asks)))
                .await;
        }
    }

    /// Lists `folder` from just before its first asked name until every ask is answered.
    async fn answer_folder(&self, folder: String, mut asks: Vec<Ask>) {
        asks.sort_by(|a, b| a.full.cmp(&b.full));
        while let Some(first) = asks.first() {
            let page = self
                .client
                .list_objects_v2()
                .bucket(&self.conn.bucket)
                .prefix(&folder)
                .delimiter("/")
                .set_start_after(just_before(&first.full, &folder))
                .max_keys(i32::try_from(asks.len() + SLACK).unwrap_or(1000).min(1000))
                .send()
                .await;
            let page = match page {
                Ok(page) => page,
                Err(e) => {
                    let error = self.ctx(None).sdk(e);
                    for ask in asks {
                        let _ = ask.reply.send(Err(error.clone()));
                    }
                    return;
                }
            };
            let objects = page.contents.unwrap_or_default();
            // How far the listing got: its last document or subfolder, whichever sorts later.
            let reached = objects
                .iter()
                .filter_map(|o| o.key.as_deref())
                .chain(page.common_prefixes.iter().flatten().filter_map(|p| p.prefix.as_deref()))
                .max()
                .map(str::to_owned);
            let complete = !page.is_truncated.unwrap_or(false);
            let found: HashMap<&str, Listed> = objects
                .iter()
                .filter_map(|o| {
                    let listed = Listed {
                        etag: o.e_tag.clone().unwrap_or_default(),
                        size: u64::try_from(o.size.unwrap_or(0)).unwrap_or(0),
                        last_modified_ms: o.last_modified.as_ref().and_then(|t| t.to_millis().ok()),
                    };
                    Some((o.key.as_deref()?, listed))
                })
                .collect();
            let mut rest = Vec::new();
            for ask in asks {
                if let Some(listed) = found.get(ask.full.as_str()) {
                    let _ = ask.reply.send(Ok(Some(listed.clone())));
                } else if complete || reached.as_deref().is_some_and(|r| ask.full.as_str() <= r) {
                    let _ = ask.reply.send(Ok(None));
                } else {
                    rest.push(ask);
                }
            }
            if reached.is_none() && !rest.is_empty() {
                // A truncated page with nothing in it: no listing will get further, so each asks alone.
                for ask in rest {
                    let _ = ask.reply.send(self.head_full(&ask.full).await);
                }
                return;
            }
            asks = rest;
        }
    }

    /// The same answer from a HEAD, for a server whose listings do not advance.
    async fn head_full(&self, full: &str) -> Result<Option<Listed>> {
        let key = ObjectKey::new(self.relative(full))?;
        match self.stat(&key).await {
            Ok(info) => Ok(Some(Listed { etag: info.etag, size: info.size, last_modified_ms: info.last_modified_ms })),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// The folder a full key is in, with its trailing `/` (empty at the bucket's root).
fn folder_of(full: &str) -> &str {
    full.rfind('/').map_or("", |i| &full[..=i])
}

/// A `start-after` that lists `full` itself (S3 lists the keys after it): `full` without its last
/// character, which sorts before it, or nothing where that is the folder itself.
fn just_before(full: &str, folder: &str) -> Option<String> {
    let mut before = full.to_owned();
    before.pop();
    (before.len() > folder.len()).then_some(before)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_listed_from_just_before_it_within_its_folder() {
        assert_eq!(folder_of("up/reports/a.pdf"), "up/reports/");
        assert_eq!(folder_of("a.pdf"), "");
        assert_eq!(just_before("up/f0017.bin", "up/"), Some("up/f0017.bi".to_owned()));
        assert_eq!(just_before("up/a", "up/"), None, "the folder itself: list it from its start");
        assert_eq!(just_before("é", ""), None);
        let before = just_before("up/rapport-é", "up/").unwrap();
        assert!(before.as_str() < "up/rapport-é" && "up/rapport-é".starts_with(&before));
    }
}
