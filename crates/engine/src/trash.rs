//! The trash: a delete moves documents under `.coffer-trash/` inside the connection's prefix, so it
//! can be undone on every store, with or without versioning.
//!
//! Layout: one batch per delete, `.coffer-trash/<batch>/<original key>`, with the batch's manifest
//! at `.coffer-trash/<batch>.json` (who deleted, when, the keys, and whether the move finished).
//! The design decision that matters: **the manifest is written before anything moves, and every
//! document is copied before any original is deleted.** The originals then go in batches of up to
//! 1,000 keys, and only those still as the person counted them. A crash in the middle leaves originals
//! that still exist beside their copies; [`Bucket::finish_trash_moves`] (run at the next start, by
//! whoever opens the bucket) deletes those originals, so nothing is lost and nothing is left half
//! moved.

use std::collections::{HashMap, HashSet};

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart, MetadataDirective};
use futures::{StreamExt, TryStreamExt};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Deserialize, Serialize};

use crate::bucket::Bucket;
use crate::conditional::Precondition;
use crate::delete::{DeleteFailure, DeletePlan, Deleted};
use crate::error::{Error, ErrorKind, Result};
use crate::key::{ObjectKey, Prefix};

/// The trash's folder, relative to the connection's prefix; hidden from listings.
pub const TRASH: &str = ".coffer-trash/";
/// The largest object one CopyObject may copy; bigger ones are copied in parts (UploadPartCopy).
pub(crate) const SINGLE_COPY_LIMIT: u64 = 5 * 1024 * 1024 * 1024;
/// Parts of a copy in parts.
const COPY_PART: u64 = 512 * 1024 * 1024;
/// Server-side copies into the trash at the same time: each is one small request.
const COPIES_IN_FLIGHT: usize = 32;

/// How one document's copy into the trash went.
enum Copied {
    /// Copied.
    Copy,
    /// A folder marker: nothing to copy, only the marker to delete.
    Marker,
    /// Gone before it was copied (a colleague deleted it first): it counts as moved.
    Gone,
}

/// Whether an original now of `size` and `etag` is still the version the person confirmed
/// (counted as `counted`). The copy's own ETag is no help: a copy of a multipart object may get a
/// new one. Servers that list no ETags are compared by size.
fn unchanged(size: u64, etag: &str, counted: &(u64, String)) -> bool {
    if etag.is_empty() || counted.1.is_empty() { size == counted.0 } else { etag == counted.1 }
}

/// Characters escaped in a `x-amz-copy-source`: everything but letters, digits and `/-_.~`.
const COPY_SOURCE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'/').remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// One delete's record in the trash.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Manifest {
    deleted_by: String,
    deleted_at_ms: i64,
    /// Original keys, relative to the connection's prefix.
    keys: Vec<String>,
    /// False until every document has been moved.
    done: bool,
    /// The documents were not deleted but replaced: these are their previous versions.
    #[serde(default)]
    replaced: bool,
}

/// A document in the trash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct TrashItem {
    /// The delete it belongs to (what Undo and Restore name).
    pub batch: String,
    /// Where it was, relative to the connection's prefix.
    pub key: String,
    /// Its size.
    pub size: u64,
    /// When it was deleted, in milliseconds since the epoch.
    pub deleted_at_ms: i64,
    /// Who deleted it, as recorded.
    pub deleted_by: String,
    /// Not deleted but replaced: this is the version before the replace.
    pub replaced: bool,
}

/// What a move to the trash did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Trashed {
    /// The batch to undo it with.
    pub batch: String,
    /// What was moved and what could not be.
    pub deleted: Deleted,
}

/// What a restore did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Restored {
    /// Keys back where they were.
    pub restored: Vec<String>,
    /// Keys whose place is taken by a newer document: left in the trash, to ask about.
    pub taken: Vec<String>,
    /// Keys that could not be restored, with the reason.
    pub failed: Vec<DeleteFailure>,
}

impl Bucket {
    fn trash_prefix(&self) -> String {
        format!("{}{TRASH}", self.conn.prefix.as_str())
    }

    fn manifest_key(&self, batch: &str) -> String {
        format!("{}{batch}.json", self.trash_prefix())
    }

    async fn put_manifest(&self, batch: &str, manifest: &Manifest) -> Result<()> {
        let key = self.manifest_key(batch);
        let body = serde_json::to_vec(manifest).expect("a manifest serialises");
        self.client
            .put_object()
            .bucket(&self.conn.bucket)
            .key(&key)
            .content_type("application/json")
            .body(ByteStream::from(body))
            .send()
            .await
            .map(drop)
            .map_err(|e| self.ctx(Some(&key)).sdk(e))
    }

    async fn manifest(&self, batch: &str) -> Result<Manifest> {
        let key = self.manifest_key(batch);
        let object = self
            .client
            .get_object()
            .bucket(&self.conn.bucket)
            .key(&key)
            .send()
            .await
            .map_err(|e| self.ctx(Some(&key)).sdk(e))?;
        let bytes = object.body.collect().await.map_err(|e| Error::record_unreadable(&key, e))?;
        serde_json::from_slice(&bytes.into_bytes()).map_err(|e| Error::trash_record_damaged(&key, e))
    }

    /// Moves exactly what `plan` counted to the trash, as one batch recorded as deleted by `by`.
    /// Each document is copied (content, type and metadata kept) and only then deleted.
    pub async fn move_to_trash(
        &self,
        plan: DeletePlan,
        by: &str,
        now_ms: i64,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<Trashed> {
        let batch = new_batch(now_ms);
        let keys: Vec<String> = plan.keys.iter().map(|full| self.relative(full).to_owned()).collect();
        let mut manifest = Manifest {
            deleted_by: by.to_owned(),
            deleted_at_ms: now_ms,
            keys: keys.clone(),
            done: false,
            replaced: false,
        };
        // Recorded first: a crash from here on is finished by the next start.
        self.put_manifest(&batch, &manifest).await?;
        let total = keys.len() as u64;
        let done = std::sync::atomic::AtomicU64::new(0);
        let (batch_ref, done_ref) = (&batch, &done);
        let seen = |i: usize| plan.seen.get(i).cloned().unwrap_or_default();
        // Every document is copied first, many at once; nothing is deleted yet.
        let copies: Vec<(usize, Result<Copied>)> = futures::stream::iter(0..keys.len())
            .map(|i| {
                let (key, (size, _)) = (&keys[i], seen(i));
                async move {
                    let copied = self.copy_into_trash(key, size, batch_ref).await;
                    let n = done_ref.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                    progress(n, total);
                    (i, copied)
                }
            })
            .buffer_unordered(COPIES_IN_FLIGHT)
            .collect()
            .await;
        // Then the originals are read again, and only those still as the person counted them go,
        // in batches of up to 1,000 keys; one changed since stays where it is.
        let current = self.current_versions(&plan.keys, &plan.folders).await?;
        let mut deleted = Deleted::default();
        let mut doomed = Vec::new();
        // Copies of originals that stay: the trash holds only what was deleted.
        let mut strays = Vec::new();
        for (i, copied) in copies {
            let key = keys[i].clone();
            let full = &plan.keys[i];
            match copied {
                Err(error) => deleted.failed.push(DeleteFailure { key, error }),
                Ok(Copied::Gone) => deleted.deleted.push(key),
                Ok(Copied::Marker) => doomed.push((full.clone(), key)),
                Ok(Copied::Copy) => match current.get(full) {
                    // A colleague deleted it meanwhile: its copy is in the trash all the same.
                    None => deleted.deleted.push(key),
                    Some((size, now)) if unchanged(*size, now, &seen(i)) => doomed.push((full.clone(), key)),
                    Some(_) => {
                        strays.push(format!("{}{batch}/{key}", self.trash_prefix()));
                        deleted.failed.push(DeleteFailure { key, error: Error::changed_while_moving() });
                    }
                },
            }
        }
        let (fulls, relative): (Vec<String>, Vec<String>) = doomed.into_iter().unzip();
        let removed = self.delete_full_keys(fulls, &|_, _| {}).await?;
        if !strays.is_empty() {
            // A stray copy left behind is only clutter in the trash, never a loss.
            let _ = self.delete_full_keys(strays, &|_, _| {}).await;
        }
        let failed: HashSet<&str> = removed.failed.iter().map(|f| f.key.as_str()).collect();
        deleted.deleted.extend(relative.iter().filter(|k| !failed.contains(k.as_str())).cloned());
        deleted.failed.extend(removed.failed);
        deleted.deleted.sort();
        manifest.done = true;
        manifest.keys = deleted.deleted.clone();
        self.put_manifest(&batch, &manifest).await?;
        let documents: Vec<String> = deleted.deleted.iter().filter(|k| !k.ends_with('/')).cloned().collect();
        self.note_in_index(|index| index.remove(&documents));
        Ok(Trashed { batch, deleted })
    }

    /// Keeps the version of `key` that a replace is about to overwrite in the trash, as its
    /// previous version recorded as replaced by `by`, so a replace can be undone like a delete on
    /// stores without versioning. A document already gone has nothing to keep.
    /// Into `batch` (see [`new_batch`]): run again with the same batch after a failure, it writes
    /// the same copy and manifest again instead of a second entry in the trash.
    pub(crate) async fn keep_previous_version(&self, key: &ObjectKey, by: &str, batch: &str) -> Result<()> {
        let size = match self.stat(key).await {
            Ok(info) => info.size,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        let target = format!("{}{batch}/{key}", self.trash_prefix());
        self.copy_object(&self.full_key(key)?, &target, size, SINGLE_COPY_LIMIT).await?;
        let manifest = Manifest {
            deleted_by: by.to_owned(),
            deleted_at_ms: batch_time(batch),
            keys: vec![key.to_string()],
            done: true,
            replaced: true,
        };
        self.put_manifest(batch, &manifest).await
    }

    /// Copies `key` (relative, `size` bytes as counted) into the batch, unless it is a folder
    /// marker (which holds nothing: the folder comes back with its documents) or already gone.
    async fn copy_into_trash(&self, key: &str, size: u64, batch: &str) -> Result<Copied> {
        if key.ends_with('/') {
            return Ok(Copied::Marker);
        }
        let full = self.full_key(&ObjectKey::new(key)?)?;
        let target = format!("{}{batch}/{key}", self.trash_prefix());
        match self.copy_object_if(&full, &target, size, SINGLE_COPY_LIMIT, None).await {
            Ok(_) => Ok(Copied::Copy),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(Copied::Gone),
            Err(e) => Err(e),
        }
    }

    /// The size and ETag now of each of `keys` (full keys) that still exists: the `folders` are
    /// listed once each, any other key is asked about alone.
    async fn current_versions(&self, keys: &[String], folders: &[String]) -> Result<HashMap<String, (u64, String)>> {
        let mut current = HashMap::new();
        for folder in folders {
            current.extend(
                self.objects_with_prefix(folder).await?.into_iter().map(|(key, size, etag)| (key, (size, etag))),
            );
        }
        for full in keys.iter().filter(|k| !folders.iter().any(|f| k.starts_with(f.as_str()))) {
            match self.stat(&ObjectKey::new(self.relative(full))?).await {
                Ok(info) => {
                    current.insert(full.clone(), (info.size, info.etag));
                }
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(current)
    }

    /// One DeleteObject, by full bucket key.
    async fn delete_full_key(&self, full: &str) -> Result<()> {
        let request = self.client.delete_object().bucket(&self.conn.bucket).key(full);
        request.send().await.map(drop).map_err(|e| self.ctx(Some(self.relative(full))).sdk(e))
    }

    /// Drops `batch`'s record once nothing of it is left in the trash.
    async fn forget_batch_if_empty(&self, batch: &str) -> Result<()> {
        if self.trash().await?.iter().all(|item| item.batch != batch) {
            // A record left behind costs a few bytes and is purged with the trash.
            let _ = self.delete_full_key(&self.manifest_key(batch)).await;
        }
        Ok(())
    }

    /// Copies `from` to `to` on the server, keeping type and metadata, in parts above
    /// `single_limit` bytes (by default S3's 5 GiB; some servers accept less in one request).
    pub async fn copy(&self, from: &ObjectKey, to: &ObjectKey, single_limit: Option<u64>) -> Result<()> {
        let size = self.stat(from).await?.size;
        let limit = single_limit.unwrap_or(SINGLE_COPY_LIMIT);
        self.copy_object(&self.full_key(from)?, &self.full_key(to)?, size, limit).await
    }

    /// A server-side copy of `from` to `to` (full keys) keeping type and metadata: one CopyObject
    /// up to `single_limit`, UploadPartCopy in parts above it.
    pub(crate) async fn copy_object(&self, from: &str, to: &str, size: u64, single_limit: u64) -> Result<()> {
        self.copy_object_if(from, to, size, single_limit, None).await.map(drop)
    }

    /// [`Bucket::copy_object`] that the server refuses unless `precondition` holds at `to` (sent
    /// only to servers that enforce it; see [`crate::conditional`]).
    pub(crate) async fn copy_object_if(
        &self,
        from: &str,
        to: &str,
        size: u64,
        single_limit: u64,
        precondition: Option<&Precondition>,
    ) -> Result<String> {
        let source = format!("{}/{}", self.conn.bucket, utf8_percent_encode(from, COPY_SOURCE));
        let ctx = self.ctx(Some(to));
        let (if_none_match, if_match) = match precondition {
            Some(Precondition::Absent) => (Some("*".to_owned()), None),
            Some(Precondition::Etag(etag)) => (None, Some(etag.clone())),
            None => (None, None),
        };
        if size <= single_limit {
            return self
                .client
                .copy_object()
                .bucket(&self.conn.bucket)
                .key(to)
                .copy_source(&source)
                .metadata_directive(MetadataDirective::Copy)
                .set_if_none_match(if_none_match)
                .set_if_match(if_match)
                .send()
                .await
                .map(|out| out.copy_object_result.and_then(|r| r.e_tag).unwrap_or_default())
                .map_err(|e| ctx.sdk(e));
        }
        // Content-Type and metadata are set when the multipart upload is created.
        let head =
            self.client.head_object().bucket(&self.conn.bucket).key(from).send().await.map_err(|e| ctx.sdk(e))?;
        let created = self
            .client
            .create_multipart_upload()
            .bucket(&self.conn.bucket)
            .key(to)
            .set_content_type(head.content_type)
            .set_metadata(head.metadata)
            .send()
            .await
            .map_err(|e| ctx.sdk(e))?;
        let upload_id = created.upload_id.ok_or_else(Error::no_upload_id)?;
        let part_size = COPY_PART.min(single_limit).max(5 * 1024 * 1024);
        let copied: Result<Vec<CompletedPart>> = futures::stream::iter(0..size.div_ceil(part_size))
            .map(|i| {
                let (source, upload_id) = (&source, &upload_id);
                async move {
                    let start = i * part_size;
                    let end = (start + part_size).min(size) - 1;
                    let number = i32::try_from(i + 1).map_err(|_| Error::too_many_parts())?;
                    let part = self
                        .client
                        .upload_part_copy()
                        .bucket(&self.conn.bucket)
                        .key(to)
                        .upload_id(upload_id)
                        .part_number(number)
                        .copy_source(source)
                        .copy_source_range(format!("bytes={start}-{end}"))
                        .send()
                        .await
                        .map_err(|e| ctx.sdk(e))?;
                    let etag = part.copy_part_result.and_then(|r| r.e_tag);
                    Ok::<_, Error>(CompletedPart::builder().part_number(number).set_e_tag(etag).build())
                }
            })
            .buffered(4)
            .try_collect()
            .await;
        let completed = match copied {
            Ok(parts) => self
                .client
                .complete_multipart_upload()
                .bucket(&self.conn.bucket)
                .key(to)
                .upload_id(&upload_id)
                .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts)).build())
                .set_if_none_match(if_none_match)
                .set_if_match(if_match)
                .send()
                .await
                .map(|out| out.e_tag.unwrap_or_default())
                .map_err(|e| ctx.sdk(e)),
            Err(e) => Err(e),
        };
        if completed.is_err() {
            self.abort_upload(to, &upload_id).await;
        }
        completed
    }

    /// Every document in the trash, newest delete first.
    pub async fn trash(&self) -> Result<Vec<TrashItem>> {
        let mut items = Vec::new();
        let mut batches = std::collections::HashMap::new();
        for (full, size) in self.full_objects_under(&Prefix::new(TRASH)?).await? {
            let rest = self.relative(&full).strip_prefix(TRASH).unwrap_or_default();
            let Some((batch, key)) = rest.split_once('/') else { continue };
            if crate::list::is_internal(key) {
                // An empty folder's placeholder comes back with its folder but is no document.
                continue;
            }
            if !batches.contains_key(batch) {
                let manifest = self.manifest(batch).await.ok();
                batches.insert(batch.to_owned(), manifest);
            }
            let manifest = batches[batch].as_ref();
            items.push(TrashItem {
                batch: batch.to_owned(),
                key: key.to_owned(),
                size,
                deleted_at_ms: manifest.map_or_else(|| batch_time(batch), |m| m.deleted_at_ms),
                deleted_by: manifest.map(|m| m.deleted_by.clone()).unwrap_or_default(),
                replaced: manifest.is_some_and(|m| m.replaced),
            });
        }
        items.sort_by(|a, b| b.deleted_at_ms.cmp(&a.deleted_at_ms).then_with(|| a.key.cmp(&b.key)));
        Ok(items)
    }

    /// Puts `keys` of `batch` (all of it when empty) back where they were. A place taken by a
    /// newer document is not overwritten: that key stays in the trash and is reported as taken.
    pub async fn restore(&self, batch: &str, keys: &[String]) -> Result<Restored> {
        let in_batch: Vec<TrashItem> = self
            .trash()
            .await?
            .into_iter()
            .filter(|item| item.batch == batch && (keys.is_empty() || keys.contains(&item.key)))
            .collect();
        let mut restored = Restored::default();
        for item in in_batch {
            let original = ObjectKey::new(item.key.as_str())?;
            match self.stat(&original).await {
                Ok(_) => {
                    restored.taken.push(item.key);
                    continue;
                }
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
            let from = format!("{}{batch}/{}", self.trash_prefix(), item.key);
            let result = async {
                self.copy_object(&from, &self.full_key(&original)?, item.size, SINGLE_COPY_LIMIT).await?;
                self.delete_full_key(&from).await
            }
            .await;
            match result {
                Ok(()) => restored.restored.push(item.key),
                Err(error) => restored.failed.push(DeleteFailure { key: item.key, error }),
            }
        }
        self.forget_batch_if_empty(batch).await?;
        Ok(restored)
    }

    /// Deletes `keys` of `batch` from the trash for good.
    pub async fn delete_from_trash(&self, batch: &str, keys: &[String]) -> Result<Deleted> {
        let mut plan = DeletePlan::default();
        for key in keys {
            plan.keys.push(format!("{}{batch}/{key}", self.trash_prefix()));
            plan.summary.objects += 1;
        }
        let mut deleted = self.delete(plan, &|_, _| {}).await?;
        let original = |trashed: &str| trashed.strip_prefix(&format!("{TRASH}{batch}/")).unwrap_or(trashed).to_owned();
        deleted.deleted = deleted.deleted.iter().map(|k| original(k)).collect();
        for failure in &mut deleted.failed {
            failure.key = original(&failure.key);
        }
        self.forget_batch_if_empty(batch).await?;
        Ok(deleted)
    }

    /// Deletes for good what the trash holds from deletes at or before `older_than_ms` (every
    /// batch with `None`); returns how many documents went.
    pub async fn empty_trash(&self, older_than_ms: Option<i64>) -> Result<u64> {
        let mut plan = DeletePlan::default();
        let mut documents = 0;
        for (full, size) in self.full_objects_under(&Prefix::new(TRASH)?).await? {
            let rest = self.relative(&full).strip_prefix(TRASH).unwrap_or_default();
            // A document is `<batch>/<key>`; a batch's record is `<batch>.json`.
            let (batch, is_document) = match rest.split_once('/') {
                Some((batch, _)) => (batch, true),
                None => (rest.trim_end_matches(".json"), false),
            };
            if older_than_ms.is_none_or(|limit| batch_time(batch) <= limit) {
                documents += u64::from(is_document);
                plan.keys.push(full);
                plan.summary.objects += 1;
                plan.summary.bytes = plan.summary.bytes.saturating_add(size);
            }
        }
        let deleted = self.delete(plan, &|_, _| {}).await?;
        match deleted.failed.first() {
            Some(failure) => Err(failure.error.clone()),
            None => Ok(documents),
        }
    }

    /// Finishes moves to the trash that a crash interrupted: an original still beside its copy
    /// is deleted. Returns how many documents that was.
    pub async fn finish_trash_moves(&self) -> Result<u64> {
        let mut finished = 0;
        let manifests: Vec<String> = self
            .full_objects_under(&Prefix::new(TRASH)?)
            .await?
            .into_iter()
            .filter_map(|(full, _)| {
                let rest = self.relative(&full).strip_prefix(TRASH)?;
                rest.strip_suffix(".json").filter(|batch| !batch.contains('/')).map(str::to_owned)
            })
            .collect();
        for batch in manifests {
            let Ok(mut manifest) = self.manifest(&batch).await else { continue };
            if manifest.done {
                continue;
            }
            let mut moved = Vec::new();
            for key in &manifest.keys {
                let copy = ObjectKey::new(format!("{TRASH}{batch}/{key}"))?;
                let Ok(copied) = self.stat(&copy).await else {
                    // Never copied: the original stays where it is, untouched.
                    continue;
                };
                let original = ObjectKey::new(key.as_str())?;
                // Only the very document that was copied goes; one saved there since stays.
                let same = |info: &crate::stat::ObjectInfo| {
                    info.size == copied.size && info.last_modified_ms <= copied.last_modified_ms
                };
                if self.stat(&original).await.is_ok_and(|info| same(&info)) {
                    self.delete_full_key(&self.full_key(&original)?).await?;
                    finished += 1;
                }
                moved.push(key.clone());
            }
            manifest.keys = moved;
            manifest.done = true;
            self.put_manifest(&batch, &manifest).await?;
        }
        Ok(finished)
    }
}

/// A fresh batch's name, made at `now_ms`: its time first, so batches sort by age.
pub(crate) fn new_batch(now_ms: i64) -> String {
    format!("{now_ms:013}-{:08x}", rand::random::<u32>())
}

/// A batch's time, from its name (`<ms>-<random>`); 0 for a name that is not one.
fn batch_time(batch: &str) -> i64 {
    batch.split('-').next().and_then(|ms| ms.parse().ok()).unwrap_or(0)
}
