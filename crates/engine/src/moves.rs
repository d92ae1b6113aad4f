//! Organising documents on the server: new folders, rename, move and copy.
//!
//! Copies never leave the server: CopyObject, or UploadPartCopy in parallel parts above 5 GiB, with
//! type and metadata kept. The design decision that matters: **a move copies everything, checks
//! every copy, and only then deletes**, and it is recorded in the transfer journal before the first
//! copy. A crash at any point leaves each document in at least one place; the next start
//! ([`Bucket::resume_moves`]) finishes the move from the journal. An original that changed while it
//! was being moved is not deleted, so neither version is lost.

use std::collections::{HashMap, HashSet};

use futures::StreamExt;
use serde::{Deserialize, Serialize};

use crate::CancellationToken;
use crate::bucket::Bucket;
use crate::conditional::{Precondition, WriteGuard};
use crate::delete::{DeleteFailure, Target};
use crate::error::{Error, ErrorKind, Result};
use crate::journal::Journal;
use crate::key::{ObjectKey, Prefix};
use crate::list::FOLDER_PLACEHOLDER;
use crate::queue::{OnConflict, numbered};
use crate::trash::SINGLE_COPY_LIMIT;

/// Documents copied at the same time.
const COPIES_IN_FLIGHT: usize = 8;

/// Whether the originals stay.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub enum MoveKind {
    /// Copied, then the originals deleted.
    Move,
    /// Copied; the originals stay.
    Copy,
}

/// One object of a move, by full key.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Item {
    from: String,
    to: String,
    size: u64,
    /// The original's ETag when planned: only that version is deleted after the copy.
    etag: String,
    /// The ETag of what is stored at `to` already, if anything.
    taken: Option<String>,
}

impl Item {
    /// An empty folder's hidden placeholder: never a conflict, and where one exists at the
    /// destination already, nothing to copy.
    fn is_placeholder(&self) -> bool {
        self.to.rsplit('/').next() == Some(FOLDER_PLACEHOLDER)
    }

    /// A document stored at the destination that this move would replace.
    fn conflicts(&self) -> bool {
        self.taken.is_some() && !self.is_placeholder()
    }
}

/// One selected document or folder and where it goes, by full key or full prefix.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Root {
    from: String,
    to: String,
    folder: bool,
    items: Vec<Item>,
}

/// What a move or copy covers, counted before anything is written.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct MoveSummary {
    /// Objects, folder markers included.
    pub objects: u64,
    /// Their total size.
    pub bytes: u64,
    /// Destination keys already taken (relative to the connection's prefix): ask before going on.
    pub conflicts: Vec<String>,
}

/// A move or copy planned and counted: exactly these objects go, whatever is added meanwhile.
#[derive(Clone, Debug)]
pub struct MovePlan {
    kind: MoveKind,
    roots: Vec<Root>,
    /// What it covers, and what it would overwrite.
    pub summary: MoveSummary,
}

/// What a move or copy did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Moved {
    /// Destination keys now holding their document, relative to the connection's prefix.
    pub done: Vec<String>,
    /// Documents left alone because their destination was taken (under [`OnConflict::Skip`]).
    pub skipped: u64,
    /// Documents that could not be moved or copied, by original key, with the reason. Each is
    /// still where it was.
    pub failed: Vec<DeleteFailure>,
    /// Stopped by the person: what was copied before is complete (and, for a move, deleted at
    /// its origin); the rest was not touched.
    pub cancelled: bool,
}

/// Who runs a move, and what it reports to.
pub struct MoveRun<'a> {
    /// Where a move is recorded before it starts (a copy needs no record: a crash cannot harm it).
    pub journal: &'a Journal,
    /// Recorded as the one who replaced a document, where a copy replaces one.
    pub by: &'a str,
    /// `(objects done, objects in all)`, after each object.
    pub progress: &'a (dyn Fn(u64, u64) + Sync),
    /// Stops after the copies in flight.
    pub cancel: &'a CancellationToken,
}

/// A name for a new document or folder: one segment, nothing a URL would collapse.
fn checked_name(name: &str) -> Result<&str> {
    let name = name.trim();
    if name.is_empty() || name == "." || name == ".." || name.contains('/') {
        return Err(Error::name_invalid(name));
    }
    if name.starts_with(".coffer-") {
        return Err(Error::name_reserved());
    }
    Ok(name)
}

/// The parent folder of a target.
fn parent(target: &Target) -> Prefix {
    match target {
        Target::Object(key) => key.folder(),
        Target::Folder(folder) => {
            let trimmed = folder.as_str().trim_end_matches('/');
            match trimmed.rfind('/') {
                Some(i) => Prefix::new(&trimmed[..=i]).unwrap_or_default(),
                None => Prefix::root(),
            }
        }
    }
}

/// The name a person sees for a target.
fn target_name(target: &Target) -> &str {
    match target {
        Target::Object(key) => key.name(),
        Target::Folder(folder) => folder.name().unwrap_or_default(),
    }
}

impl Bucket {
    /// Creates the empty folder `name` in `parent` (holding only its hidden placeholder, see
    /// [`FOLDER_PLACEHOLDER`]), refusing one that exists.
    pub async fn create_folder(&self, parent: &Prefix, name: &str) -> Result<Prefix> {
        let folder = parent.child(checked_name(name)?)?;
        if self.folder_exists(&folder).await? {
            return Err(Error::folder_exists(folder));
        }
        let full = self.full_key(&folder.join(FOLDER_PLACEHOLDER)?)?;
        let mut put = self
            .client
            .put_object()
            .bucket(&self.conn.bucket)
            .key(&full)
            .body(aws_sdk_s3::primitives::ByteStream::from_static(b""));
        if self.write_guard().await == WriteGuard::Enforced {
            put = put.if_none_match("*");
        }
        put.send().await.map_err(|e| self.ctx(Some(&full)).sdk(e))?;
        Ok(folder)
    }

    /// Plans renaming `target` to `name` in its own folder.
    pub async fn plan_rename(&self, target: &Target, name: &str) -> Result<MovePlan> {
        if checked_name(name)? == target_name(target) {
            return Err(Error::same_name(name));
        }
        self.plan_move_as(target, &parent(target), name, MoveKind::Move).await
    }

    /// Plans moving or copying one `target` into `dest` under the new `name`.
    pub async fn plan_move_as(&self, target: &Target, dest: &Prefix, name: &str, kind: MoveKind) -> Result<MovePlan> {
        let name = checked_name(name)?;
        let to = match target {
            Target::Object(key) => {
                let to = dest.join(name)?;
                if to == *key {
                    return Err(Error::already_there(key));
                }
                self.full_key(&to)?
            }
            Target::Folder(folder) => {
                let to = dest.child(name)?;
                if to.as_str().starts_with(folder.as_str()) {
                    return Err(Error::into_itself(folder));
                }
                self.full_prefix(&to)
            }
        };
        let root = self.plan_root(target, to).await?;
        plan(kind, vec![root], self)
    }

    /// Plans moving or copying `targets` into `dest`. A copy into a document's own folder is named
    /// "name (1).ext" (the first free number); a move there, or a folder into itself, is refused.
    pub async fn plan_move(&self, targets: &[Target], dest: &Prefix, kind: MoveKind) -> Result<MovePlan> {
        let mut roots = Vec::new();
        for target in targets {
            if let Target::Folder(folder) = target {
                if folder.is_root() {
                    return Err(Error::whole_bucket_move());
                }
                if dest.as_str().starts_with(folder.as_str()) {
                    return Err(Error::into_itself(folder));
                }
            }
            let mut name = target_name(target).to_owned();
            if parent(target) == *dest {
                if kind == MoveKind::Move {
                    return Err(Error::already_in_folder(name));
                }
                name = self.free_name(dest, &name, matches!(target, Target::Folder(_)), &HashSet::new()).await?.0;
            }
            let to = match target {
                Target::Object(_) => self.full_key(&dest.join(&name)?)?,
                Target::Folder(_) => self.full_prefix(&dest.child(&name)?),
            };
            roots.push(self.plan_root(target, to).await?);
        }
        plan(kind, roots, self)
    }

    /// Lists what `target` holds, and what its destination `to` holds already.
    async fn plan_root(&self, target: &Target, to: String) -> Result<Root> {
        let (from, folder) = match target {
            Target::Object(key) => (self.full_key(key)?, false),
            Target::Folder(folder) => (self.full_prefix(folder), true),
        };
        let taken = self.listed(&to, folder).await?;
        let items: Vec<Item> = self
            .listed(&from, folder)
            .await?
            .into_iter()
            .map(|(key, (size, etag))| {
                let dest = format!("{to}{}", &key[from.len()..]);
                Item { taken: taken.get(&dest).map(|(_, etag)| etag.clone()), from: key, to: dest, size, etag }
            })
            .collect();
        if items.is_empty() {
            let shown = self.relative(&from).to_owned();
            return Err(Error::no_longer_there(shown));
        }
        Ok(Root { from, to, folder, items })
    }

    /// What is stored at `full` (the very key, or everything under the prefix): key → (size, ETag).
    async fn listed(&self, full: &str, folder: bool) -> Result<HashMap<String, (u64, String)>> {
        let mut found = HashMap::new();
        for (key, size, etag) in self.objects_with_prefix(full).await? {
            if folder || key == full {
                found.insert(key, (size, etag));
            }
        }
        Ok(found)
    }

    /// The first of "name (1)", "name (2)"… under which `folder` stores nothing and that is not
    /// among the full keys already `given` to other items of a move: (the name, its full key).
    async fn free_name(
        &self,
        folder: &Prefix,
        name: &str,
        is_folder: bool,
        given: &HashSet<String>,
    ) -> Result<(String, String)> {
        for n in 1..10_000 {
            let candidate = numbered(name, n, is_folder);
            let (full, taken) = if is_folder {
                let child = folder.child(&candidate)?;
                (self.full_prefix(&child), self.folder_exists(&child).await?)
            } else {
                let full = self.full_key(&folder.join(&candidate)?)?;
                let taken = !self.listed(&full, false).await?.is_empty();
                (full, taken)
            };
            if !taken && !given.contains(&full) {
                return Ok((candidate, full));
            }
        }
        Err(Error::no_free_name(name, folder))
    }

    /// Runs `plan`, resolving taken destinations by `on_conflict` (under [`OnConflict::Refuse`],
    /// any taken destination stops the whole plan before anything is written).
    pub async fn move_or_copy(&self, mut plan: MovePlan, on_conflict: OnConflict, run: &MoveRun<'_>) -> Result<Moved> {
        let mut moved = Moved::default();
        match on_conflict {
            _ if plan.summary.conflicts.is_empty() => {}
            OnConflict::Refuse => {
                let n = plan.summary.conflicts.len();
                return Err(Error::names_taken(n, &plan.summary.conflicts[0]));
            }
            OnConflict::Replace => {}
            OnConflict::Skip => {
                for root in &mut plan.roots {
                    let before = root.items.len();
                    root.items.retain(|item| !item.conflicts());
                    moved.skipped += (before - root.items.len()) as u64;
                }
            }
            OnConflict::KeepBoth => {
                let mut given = HashSet::new();
                for root in &mut plan.roots {
                    if root.items.iter().any(Item::conflicts) {
                        self.renumber(root, &given).await?;
                    }
                    given.insert(root.to.clone());
                }
            }
        }
        plan.roots.retain(|root| !root.items.is_empty());
        unique_destinations(&plan.roots, self)?;
        let id = match plan.kind {
            MoveKind::Move => Some(run.journal.record_move(&self.conn.name, &plan.roots)?),
            MoveKind::Copy => None,
        };
        self.carry_out(plan.kind, &plan.roots, id, false, run, &mut moved).await?;
        Ok(moved)
    }

    /// Gives `root` the first numbered name under which nothing is stored and that no other item
    /// of this move was `given`.
    async fn renumber(&self, root: &mut Root, given: &HashSet<String>) -> Result<()> {
        let relative = self.relative(&root.to).trim_end_matches('/').to_owned();
        let (folder, name) = match relative.rfind('/') {
            Some(i) => (Prefix::new(&relative[..=i])?, relative[i + 1..].to_owned()),
            None => (Prefix::root(), relative),
        };
        let (_, to) = self.free_name(&folder, &name, root.folder, given).await?;
        for item in &mut root.items {
            item.to = format!("{to}{}", &item.from[root.from.len()..]);
            item.taken = None;
        }
        root.to = to;
        Ok(())
    }

    /// Copies, checks the copies, then (for a move) deletes the originals that are unchanged.
    /// `resume` skips what a crashed run already copied.
    async fn carry_out(
        &self,
        kind: MoveKind,
        roots: &[Root],
        id: Option<u64>,
        resume: bool,
        run: &MoveRun<'_>,
        moved: &mut Moved,
    ) -> Result<()> {
        let total: u64 = roots.iter().map(|r| r.items.len() as u64).sum();
        let already: HashMap<String, (u64, String)> = if resume {
            let mut found = HashMap::new();
            for root in roots {
                found.extend(self.listed(&root.to, root.folder).await?);
            }
            found
        } else {
            HashMap::new()
        };
        let guard = self.write_guard().await;
        let already = &already;
        // Owned items: a stream of futures borrowing from `roots` would not be `Send` for every
        // lifetime, which Tauri's async commands need.
        let items: Vec<Item> = roots.iter().flat_map(|r| r.items.iter().cloned()).collect();
        let mut copies = futures::stream::iter(items)
            .map(|item| async move {
                if run.cancel.is_cancelled() {
                    return (item, None);
                }
                if already.contains_key(&item.to) {
                    match self.copied_before(&item).await {
                        Ok(Some(etag)) => return (item, Some(Ok(etag))),
                        Ok(None) => {}
                        Err(e) => return (item, Some(Err(e))),
                    }
                }
                let copied = self.copy_item(&item, guard, run.by).await;
                (item, Some(copied))
            })
            .buffer_unordered(COPIES_IN_FLIGHT);
        let mut done = 0;
        let mut copied: Vec<(Item, String)> = Vec::new();
        while let Some((item, result)) = copies.next().await {
            match result {
                None => moved.cancelled = true,
                Some(Ok(etag)) => copied.push((item, etag)),
                Some(Err(error)) => {
                    moved.failed.push(DeleteFailure { key: self.relative(&item.from).to_owned(), error });
                }
            }
            done += 1;
            (run.progress)(done, total);
        }
        drop(copies);

        // Every copy is checked against what the server lists before any original goes.
        let mut stored = HashMap::new();
        for root in roots {
            stored.extend(self.listed(&root.to, root.folder).await?);
        }
        let mut verified = Vec::new();
        let mut arrived = Vec::new();
        for (item, made) in copied {
            // The size always; the version too where both the copy's answer and the listing name it.
            let same =
                |size: &u64, etag: &String| *size == item.size && (made.is_empty() || etag.is_empty() || *etag == made);
            if let Some((size, etag)) = stored.get(&item.to).filter(|(size, etag)| same(size, etag)) {
                if let Ok(key) = ObjectKey::new(self.relative(&item.to)) {
                    arrived.push(crate::list::Entry::stored(&key, *size, etag));
                }
                verified.push(item);
            } else {
                moved
                    .failed
                    .push(DeleteFailure { key: self.relative(&item.from).to_owned(), error: Error::copy_missing() });
            }
        }

        arrived.retain(|entry| !crate::list::is_internal(&entry.key));
        self.note_in_index(|index| index.upsert(&arrived));
        if let (MoveKind::Move, Some(id)) = (kind, id) {
            run.journal.move_deleting(id)?;
            let mut originals = HashMap::new();
            for root in roots {
                originals.extend(self.listed(&root.from, root.folder).await?);
            }
            let mut doomed = Vec::new();
            for item in &verified {
                // Listings without ETags (some servers leave them out) are compared by size.
                let unchanged = |size: u64, etag: &str| {
                    if etag.is_empty() || item.etag.is_empty() { size == item.size } else { etag == item.etag }
                };
                match originals.get(&item.from) {
                    Some((size, etag)) if unchanged(*size, etag) => doomed.push(item.from.clone()),
                    // Already gone (an earlier run deleted it, or a colleague did).
                    None => {}
                    Some(_) => moved.failed.push(DeleteFailure {
                        key: self.relative(&item.from).to_owned(),
                        error: Error::changed_while_moving(),
                    }),
                }
            }
            let deleted = self.delete_full_keys(doomed, &|_, _| {}).await?;
            moved.failed.extend(deleted.failed);
            run.journal.finish_move(id)?;
        }
        let failed: HashSet<&str> = moved.failed.iter().map(|f| f.key.as_str()).collect();
        moved.done = verified
            .iter()
            .filter(|item| !failed.contains(self.relative(&item.from)))
            .map(|item| self.relative(&item.to).to_owned())
            .filter(|key| !key.ends_with('/') && !crate::list::is_internal(key))
            .collect();
        moved.done.sort();
        Ok(())
    }

    /// One server-side copy; returns the copy's ETag where the server gave one. The destination
    /// is checked just before (it must hold what the plan saw, or nothing), and where the server
    /// enforces preconditions the copy carries them too, closing the window between the two.
    async fn copy_item(&self, item: &Item, guard: WriteGuard, by: &str) -> Result<String> {
        if item.is_placeholder() && item.taken.is_some() {
            // The folder is already kept at the destination.
            return Ok(String::new());
        }
        let key = ObjectKey::new(self.relative(&item.to))?;
        match (self.stat(&key).await, &item.taken) {
            (Err(e), _) if e.kind() == ErrorKind::NotFound => {}
            (Err(e), _) => return Err(e),
            (Ok(info), Some(etag)) if etag.is_empty() || info.etag == *etag => {
                self.keep_previous_version(&key, by, &crate::trash::new_batch(crate::lock::now_ms())).await?;
            }
            (Ok(_), _) => {
                return Err(Error::stored_meanwhile(key));
            }
        }
        let precondition = match (&item.taken, guard) {
            (_, WriteGuard::BestEffort) => None,
            (None, WriteGuard::Enforced) => Some(Precondition::Absent),
            (Some(etag), WriteGuard::Enforced) if !etag.is_empty() => Some(Precondition::Etag(etag.clone())),
            // A replace whose listing named no version: checked just now, nothing more to insist on.
            (Some(_), WriteGuard::Enforced) => None,
        };
        self.copy_object_if(&item.from, &item.to, item.size, SINGLE_COPY_LIMIT, precondition.as_ref()).await
    }

    /// On resume: whether a crashed run had already copied `item` (its destination holds the same
    /// version as its original, or the original is gone because it was moved). Anything else at
    /// the destination means it was not, and it is copied (and checked) again.
    async fn copied_before(&self, item: &Item) -> Result<Option<String>> {
        let to = ObjectKey::new(self.relative(&item.to))?;
        let from = ObjectKey::new(self.relative(&item.from))?;
        let copy = match self.stat(&to).await {
            Ok(info) => info,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        match self.stat(&from).await {
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(Some(copy.etag)),
            Err(e) => Err(e),
            Ok(original) if !copy.etag.is_empty() && copy.etag == original.etag && copy.size == original.size => {
                Ok(Some(copy.etag))
            }
            Ok(_) => Ok(None),
        }
    }

    /// Finishes the moves a crashed run of any process left, for this connection: what was not
    /// copied yet is copied, then the unchanged originals are deleted.
    pub async fn resume_moves(&self, run: &MoveRun<'_>) -> Result<Moved> {
        let mut moved = Moved::default();
        for (id, roots) in run.journal.claim_moves(&self.conn.name)? {
            self.carry_out(MoveKind::Move, &roots, Some(id), true, run, &mut moved).await?;
        }
        Ok(moved)
    }
}

fn plan(kind: MoveKind, roots: Vec<Root>, bucket: &Bucket) -> Result<MovePlan> {
    unique_destinations(&roots, bucket)?;
    let mut summary = MoveSummary::default();
    for item in roots.iter().flat_map(|r| &r.items) {
        summary.objects += 1;
        summary.bytes = summary.bytes.saturating_add(item.size);
        if item.conflicts() {
            summary.conflicts.push(bucket.relative(&item.to).to_owned());
        }
    }
    Ok(MovePlan { kind, roots, summary })
}

/// Two documents going to one name would leave one copy for two deleted originals.
fn unique_destinations(roots: &[Root], bucket: &Bucket) -> Result<()> {
    let mut seen = HashSet::new();
    match roots.iter().flat_map(|r| &r.items).find(|item| !seen.insert(item.to.as_str())) {
        Some(item) => Err(Error::same_destination(bucket.relative(&item.to))),
        None => Ok(()),
    }
}

impl Journal {
    /// Records a move before anything is copied.
    fn record_move(&self, connection: &str, roots: &[Root]) -> Result<u64> {
        let plan = serde_json::to_string(roots).expect("a move serialises");
        self.insert_move(connection, &plan)
    }

    /// Takes over the moves of dead processes for `connection`.
    fn claim_moves(&self, connection: &str) -> Result<Vec<(u64, Vec<Root>)>> {
        let mut claimed = Vec::new();
        for (id, plan) in self.claim_orphan_moves(connection)? {
            match serde_json::from_str(&plan) {
                Ok(roots) => claimed.push((id, roots)),
                Err(e) => {
                    // Nothing can be done with it; its copies and originals are both still there.
                    tracing::warn!("an unreadable move record was dropped: {e}");
                    self.finish_move(id)?;
                }
            }
        }
        Ok(claimed)
    }
}
