//! Deleting documents and folders: planned (listed and counted) first, then deleted exactly as planned.
//!
//! Batches go through DeleteObjects, 1,000 keys a request (the S3 limit), and report per key what
//! was deleted and what failed with the server's reason, so a partial failure is never hidden.

use std::collections::HashMap;
use std::time::Instant;

use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use serde::Serialize;

use crate::bucket::Bucket;
use crate::error::{Error, ErrorKind, Result};
use crate::key::{ObjectKey, Prefix};
use crate::pace::Pace;

/// S3's limit on keys per DeleteObjects request.
const BATCH: usize = 1000;

/// One batch's keys and those of them the server could not delete, with why.
type Batch = (Vec<String>, HashMap<String, (ErrorKind, String)>);

/// A key that could not be deleted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct DeleteFailure {
    /// The key, relative to the connection's prefix.
    pub key: String,
    /// Why it was not deleted.
    pub error: Error,
}

/// What a delete removed and what it could not.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Deleted {
    /// Keys deleted, relative to the connection's prefix.
    pub deleted: Vec<String>,
    /// Keys that could not be deleted, each with its reason.
    pub failed: Vec<DeleteFailure>,
}

/// Something a person selected to delete: a document or a whole folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// One document.
    Object(ObjectKey),
    /// A folder with everything under it.
    Folder(Prefix),
}

impl Target {
    /// A key ending in `/` names a folder.
    pub fn parse(key: &str) -> Result<Self> {
        if key.ends_with('/') { Ok(Self::Folder(Prefix::new(key)?)) } else { Ok(Self::Object(ObjectKey::new(key)?)) }
    }
}

/// How much a delete would remove, folders counted with everything inside them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct DeleteSummary {
    /// Objects, folder markers included.
    pub objects: u64,
    /// Their total size.
    pub bytes: u64,
}

/// A delete the person is asked to confirm: exactly these objects, counted once. Deleting the plan
/// removes what was counted and nothing else, so a document a colleague adds in the meantime
/// survives.
#[derive(Clone, Debug, Default)]
pub struct DeletePlan {
    /// Full bucket keys, folder markers included.
    pub(crate) keys: Vec<String>,
    /// Each key's size and ETag as counted (the ETag empty where the server listed none), so a
    /// move to the trash needs no request per document to learn them.
    pub(crate) seen: Vec<(u64, String)>,
    /// The full prefixes of the folders counted: what a move to the trash lists again to tell
    /// which originals are still as they were copied (documents named alone are asked one by one).
    pub(crate) folders: Vec<String>,
    /// What the keys add up to.
    pub summary: DeleteSummary,
}

impl Bucket {
    /// Lists everything `targets` cover (folders with everything inside them) and counts it, for a
    /// confirmation that says what will go.
    pub async fn plan_delete(&self, targets: &[Target]) -> Result<DeletePlan> {
        let mut plan = DeletePlan::default();
        for target in targets {
            match target {
                Target::Object(key) => {
                    // Already gone (a colleague deleted it): there is nothing to count or delete.
                    let info = match self.stat(key).await {
                        Ok(info) => info,
                        Err(e) if e.kind() == crate::ErrorKind::NotFound => continue,
                        Err(e) => return Err(e),
                    };
                    let size = info.size;
                    plan.keys.push(self.full_key(key)?);
                    plan.seen.push((size, info.etag));
                    plan.summary.objects += 1;
                    plan.summary.bytes = plan.summary.bytes.saturating_add(size);
                }
                Target::Folder(folder) if folder.is_root() => {
                    return Err(Error::whole_bucket_delete());
                }
                Target::Folder(folder) => {
                    let full = self.full_prefix(folder);
                    for (key, size, etag) in self.objects_with_prefix(&full).await? {
                        plan.keys.push(key);
                        plan.seen.push((size, etag));
                        plan.summary.objects += 1;
                        plan.summary.bytes = plan.summary.bytes.saturating_add(size);
                    }
                    plan.folders.push(full);
                }
            }
        }
        Ok(plan)
    }

    /// Deletes exactly what `plan` counted: the one way anything is deleted. Reports
    /// `progress(done, total)` after each batch, and per key what was deleted and what failed.
    pub async fn delete(&self, plan: DeletePlan, progress: &(dyn Fn(u64, u64) + Sync)) -> Result<Deleted> {
        self.delete_full_keys(plan.keys, progress).await
    }

    pub(crate) async fn delete_full_keys(
        &self,
        keys: Vec<String>,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<Deleted> {
        let total = keys.len() as u64;
        // Batches are independent, so several go at once, as many as `Pace` finds pay; the report
        // keeps key order. Owned batches: a future borrowing from `keys` would not be `Send` for
        // every lifetime, which Tauri's async commands need.
        let mut waiting = keys.chunks(BATCH).map(<[String]>::to_vec).enumerate();
        let mut results: Vec<Option<Batch>> = vec![None; waiting.len()];
        let mut running = FuturesUnordered::new();
        let mut pace = Pace::new();
        let mut finished = 0;
        loop {
            while running.len() < pace.in_flight() {
                let Some((index, batch)) = waiting.next() else { break };
                let sent_at = pace.in_flight();
                running.push(async move {
                    let started = Instant::now();
                    let failed = self.delete_batch(&batch).await;
                    (index, sent_at, started.elapsed(), failed.map(|failed| (batch, failed)))
                });
            }
            let Some((index, sent_at, took, result)) = running.next().await else { break };
            let done = result?;
            pace.finished(sent_at, took);
            finished += done.0.len() as u64;
            results[index] = Some(done);
            progress(finished, total);
        }
        let mut report = Deleted::default();
        for (batch, mut failed) in results.into_iter().flatten() {
            for key in &batch {
                let relative = self.relative(key).to_owned();
                match failed.remove(key) {
                    Some((kind, reason)) => report.failed.push(DeleteFailure {
                        error: Error::not_deleted(&relative, reason).with_kind(kind),
                        key: relative,
                    }),
                    None => report.deleted.push(relative),
                }
            }
        }
        // A folder marker's key would remove everything indexed under it, documents that stayed
        // included; only documents are removed.
        let documents: Vec<String> = report.deleted.iter().filter(|k| !k.ends_with('/')).cloned().collect();
        self.note_in_index(|index| index.remove(&documents));
        Ok(report)
    }

    /// One DeleteObjects request; returns the keys the server could not delete, with why.
    async fn delete_batch(&self, batch: &[String]) -> Result<HashMap<String, (ErrorKind, String)>> {
        let objects = batch
            .iter()
            .map(|k| ObjectIdentifier::builder().key(k).build().expect("the key is set"))
            .collect::<Vec<_>>();
        let delete = Delete::builder().set_objects(Some(objects)).quiet(true).build().expect("objects are set");
        let output = self
            .client
            .delete_objects()
            .bucket(&self.conn.bucket)
            .delete(delete)
            .send()
            .await
            .map_err(|e| self.ctx(None).sdk(e))?;
        // Quiet mode: the server lists only failures; every other key of the batch is gone.
        let mut failed = HashMap::new();
        for err in output.errors.unwrap_or_default() {
            if let Some(key) = err.key {
                let kind = match err.code.as_deref() {
                    Some("AccessDenied") => ErrorKind::PermissionDenied,
                    _ => ErrorKind::Server,
                };
                let reason = err.message.or(err.code).unwrap_or_else(|| "no reason given".to_owned());
                failed.insert(key, (kind, reason));
            }
        }
        Ok(failed)
    }
}
