//! The cases. Each takes a fresh, empty bucket and asserts engine behaviour through the public API,
//! uploading through the same journal-backed [`Queue`] (and, for drops, [`Transfers`]) that the
//! CLI and the app use.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use std::collections::{HashMap, HashSet};

use coffer_engine::{
    AccessKey, Bucket, CancellationToken, Checksum, ConflictChoice, Depth, DocumentKind, EditState, EditUpdate, Editor,
    Entry, ErrorKind, Events, FileOutcome, FileUpdate, GroupState, GroupUpdate, Item, Journal, JournalEntry, MoveKind,
    MoveRun, ObjectKey, OnConflict, Opened, Prefix, Progress, Queue, Result, SearchIndex, SearchQuery, Tally, Target,
    TransferReport, TransferState, Transfers, UploadOptions, Uploaded, WriteGuard, content_type,
};

use crate::fixture::{Fixture, read};

const MIB: usize = 1024 * 1024;

/// Small parts so multipart cases stay quick: 5 MiB is the least S3 accepts.
fn small_parts() -> UploadOptions {
    UploadOptions {
        multipart_threshold: 5 * MIB as u64,
        part_size: 5 * MIB as u64,
        parts_in_flight: 3,
        files_in_flight: 16,
        ..UploadOptions::default()
    }
}

fn key(k: &str) -> ObjectKey {
    ObjectKey::new(k).expect("a valid key")
}

fn no_progress(_: Progress) {}

/// Listens to a run: counts it, remembers every progress step and outcome, and calls `hook` with
/// the progress after each change.
struct Recorder<'a> {
    tally: Tally,
    steps: Mutex<Vec<Progress>>,
    outcomes: Mutex<Vec<FileOutcome>>,
    started: Mutex<Vec<JournalEntry>>,
    /// Files that waited to be retried at least once.
    waited: Mutex<HashSet<u64>>,
    hook: &'a (dyn Fn(Progress) + Sync),
}

impl<'a> Recorder<'a> {
    fn new(files: u64, bytes: u64, hook: &'a (dyn Fn(Progress) + Sync)) -> Self {
        Self {
            tally: Tally::new(files, bytes),
            steps: Mutex::default(),
            outcomes: Mutex::default(),
            started: Mutex::default(),
            waited: Mutex::default(),
            hook,
        }
    }

    fn step(&self) {
        let progress = self.tally.progress();
        self.steps.lock().unwrap().push(progress);
        (self.hook)(progress);
    }

    fn outcomes(&self) -> Vec<FileOutcome> {
        let mut outcomes = self.outcomes.lock().unwrap().clone();
        outcomes.sort_by(|a, b| a.key.cmp(&b.key));
        outcomes
    }
}

impl Events for Recorder<'_> {
    fn started(&self, entry: &JournalEntry) {
        self.started.lock().unwrap().push(entry.clone());
    }

    fn bytes(&self, id: u64, bytes: u64) {
        self.tally.bytes(id, bytes);
        self.step();
    }

    fn resized(&self, id: u64, old: u64, new: u64) {
        self.tally.resized(id, old, new);
    }

    fn waiting(&self, id: u64, waiting: bool) {
        if waiting {
            self.waited.lock().unwrap().insert(id);
        }
    }

    fn ended(&self, outcome: FileOutcome) {
        self.outcomes.lock().unwrap().push(outcome.clone());
        self.tally.ended(outcome);
        self.step();
    }
}

/// A queue over the case's own journal.
fn queue(f: &Fixture, options: UploadOptions) -> Queue {
    Queue::new(Arc::new(Journal::open(&f.path("data")).unwrap()), options)
}

/// Uploads `paths` into `dest` of `bucket` the way `coffer put` does (one batch through the
/// journal-backed queue), calling `hook` on progress. Returns each file's outcome, sorted by key,
/// and the files refused before anything was sent.
async fn put_with(
    f: &Fixture,
    bucket: &Bucket,
    paths: Vec<PathBuf>,
    dest: &str,
    options: UploadOptions,
    hook: &(dyn Fn(Progress) + Sync),
    cancel: &CancellationToken,
) -> (Vec<FileOutcome>, Vec<coffer_engine::UploadFailure>, Vec<Progress>) {
    let queue = queue(f, options);
    let items = paths.into_iter().map(|p| Item::named_as_is(p).unwrap()).collect();
    let enqueued =
        queue.enqueue(bucket, &Prefix::new(dest).unwrap(), "test", true, items, OnConflict::Replace).await.unwrap();
    let recorder = Recorder::new(enqueued.batch.files, enqueued.batch.bytes, hook);
    let _ = queue.run(bucket, enqueued.batch.id, &recorder, cancel).await;
    let steps = recorder.steps.lock().unwrap().clone();
    (recorder.outcomes(), enqueued.refused, steps)
}

/// Uploads one local file to key `k` of `bucket` through the queue.
async fn store(f: &Fixture, bucket: &Bucket, path: &Path, k: &str) -> Result<Uploaded> {
    let k = key(k);
    let queue = queue(f, small_parts());
    let item = Item { path: path.to_owned(), name: k.name().to_owned() };
    let enqueued = queue.enqueue(bucket, &k.folder(), k.name(), false, vec![item], OnConflict::Replace).await?;
    if let Some(refused) = enqueued.refused.into_iter().next() {
        return Err(refused.error);
    }
    let recorder = Recorder::new(1, 0, &no_progress);
    queue.run(bucket, enqueued.batch.id, &recorder, &CancellationToken::new()).await?;
    let outcome = recorder.outcomes().into_iter().next().expect("the file ran");
    outcome.result
}

async fn upload(f: &Fixture, local: &str, len: usize, k: &str) -> Vec<u8> {
    let path = f.file(local, len);
    let done = store(f, &f.bucket, &path, k).await.unwrap_or_else(|e| panic!("uploading {k}: {e}"));
    assert_eq!(done.size, len as u64, "the upload reports the file's size");
    read(&path)
}

async fn download(f: &Fixture, k: &str) -> Vec<u8> {
    let target = f.path(&format!("downloads/{}", k.replace('/', "_")));
    f.bucket
        .download(&key(k), &target, &no_progress, &CancellationToken::new())
        .await
        .unwrap_or_else(|e| panic!("downloading {k}: {e}"));
    read(&target)
}

async fn names(f: &Fixture, folder: &str, depth: Depth) -> Vec<String> {
    let entries = f.bucket.list(&Prefix::new(folder).unwrap(), depth).await.expect("listing works");
    entries.into_iter().map(|e: Entry| if e.is_folder { format!("{}/", e.name) } else { e.key }).collect()
}

pub async fn round_trip_of_empty_small_and_multipart_files(f: &Fixture) {
    let path = f.file("big.bin", 12 * MIB + 7);
    let (outcomes, _, progress) =
        put_with(f, &f.bucket, vec![path.clone()], "", small_parts(), &no_progress, &CancellationToken::new()).await;
    assert!(outcomes[0].result.is_ok(), "a three-part upload works: {outcomes:?}");
    let last = progress.last().expect("progress was reported");
    assert_eq!((last.bytes_done, last.bytes_total, last.files_done), (12 * MIB as u64 + 7, 12 * MIB as u64 + 7, 1));
    assert!(progress.len() >= 3, "every part reports progress, got {progress:?}");
    assert!(progress.windows(2).all(|w| w[0].bytes_done <= w[1].bytes_done), "progress never goes back");
    assert_eq!(download(f, "big.bin").await, read(&path), "the multipart object is byte-identical");

    for (name, len) in [("empty.txt", 0), ("one.txt", 1), ("small.pdf", 100_000), ("just-under.bin", 5 * MIB - 1)] {
        let sent = upload(f, name, len, name).await;
        assert_eq!(download(f, name).await, sent, "{name} comes back byte-identical");
    }
    let listed = f.bucket.list(&Prefix::root(), Depth::OneLevel).await.unwrap();
    let sizes: Vec<(String, u64)> = listed.iter().map(|e| (e.key.clone(), e.size)).collect();
    assert_eq!(
        sizes,
        vec![
            ("big.bin".into(), 12 * MIB as u64 + 7),
            ("empty.txt".into(), 0),
            ("just-under.bin".into(), 5 * MIB as u64 - 1),
            ("one.txt".into(), 1),
            ("small.pdf".into(), 100_000)
        ],
        "the listing shows every object with its size"
    );
    assert!(listed.iter().all(|e| e.last_modified_ms.is_some()), "entries carry their time");
    if f.lists_etags {
        assert!(listed.iter().all(|e| !e.etag.is_empty()), "entries carry their ETag");
    }
}

pub async fn awkward_keys_survive_the_round_trip(f: &Fixture) {
    let nfc = "caf\u{e9}.txt";
    let nfd = "cafe\u{301}.txt";
    let keys = [
        "with space.txt",
        "plus+sign.txt",
        "100% sure.txt",
        "this&that.txt",
        "#hash.txt",
        nfc,
        nfd,
        "emoji 😀📄.txt",
        "dir with space/ünïcödé/report (1).docx",
        "a=b;c,d'e\"f.txt",
        "~tilde!@$^*()[]{}.txt",
    ];
    for (i, k) in keys.iter().enumerate() {
        let sent = upload(f, &format!("src/{i}"), 10 + i, k).await;
        assert_eq!(download(f, k).await, sent, "{k:?} comes back byte-identical");
    }
    let mut listed = names(f, "", Depth::Recursive).await;
    listed.sort();
    let mut expected: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    expected.sort();
    assert_eq!(listed, expected, "every key is listed exactly as written; NFC and NFD stay distinct");
    let folder = names(f, "dir with space/ünïcödé", Depth::OneLevel).await;
    assert_eq!(folder, vec!["dir with space/ünïcödé/report (1).docx"]);
}

pub async fn content_type_and_mtime_are_stored(f: &Fixture) {
    let cases =
        ["letter.docx", "budget.xlsx", "deck.pptx", "scan.pdf", "notes.odt", "mail.eml", "data.csv", "photo.jpg"];
    let mtime = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000) + Duration::from_millis(250);
    let mtime_ms = 1_700_000_000_250;
    for name in cases {
        let path = f.file(name, 64);
        std::fs::File::options().write(true).open(&path).unwrap().set_modified(mtime).unwrap();
        store(f, &f.bucket, &path, name).await.unwrap();
        let info = f.bucket.stat(&key(name)).await.expect("the object exists");
        assert_eq!(info.content_type.as_deref(), Some(content_type(&path).as_str()), "{name} keeps its Content-Type");
        assert_eq!(info.file_modified_ms, Some(mtime_ms), "{name} keeps the file's mtime in x-amz-meta-mtime");
        assert_eq!(info.size, 64);
    }
    // Multipart uploads carry the same metadata.
    let path = f.file("large.pdf", 6 * MIB);
    std::fs::File::options().write(true).open(&path).unwrap().set_modified(mtime).unwrap();
    store(f, &f.bucket, &path, "large.pdf").await.unwrap();
    let info = f.bucket.stat(&key("large.pdf")).await.unwrap();
    assert_eq!(info.content_type.as_deref(), Some("application/pdf"));
    assert_eq!(info.file_modified_ms, Some(mtime_ms));
    let err = f.bucket.stat(&key("absent.pdf")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
}

pub async fn folder_upload_keeps_relative_paths(f: &Fixture) {
    let files = ["Team Docs/a.txt", "Team Docs/sub/b.pdf", "Team Docs/sub/deeper/ç.docx", "Team Docs/big.bin"];
    for (i, rel) in files.iter().enumerate() {
        f.file(rel, if rel.ends_with("big.bin") { 6 * MIB } else { 1000 * (i + 1) });
    }
    let (outcomes, refused, progress) = put_with(
        f,
        &f.bucket,
        vec![f.path("Team Docs")],
        "inbox",
        small_parts(),
        &no_progress,
        &CancellationToken::new(),
    )
    .await;
    assert!(refused.is_empty() && outcomes.iter().all(|o| o.result.is_ok()), "nothing failed: {outcomes:?}");
    let keys: Vec<&str> = outcomes.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(
        keys,
        vec![
            "inbox/Team Docs/a.txt",
            "inbox/Team Docs/big.bin",
            "inbox/Team Docs/sub/b.pdf",
            "inbox/Team Docs/sub/deeper/ç.docx"
        ]
    );
    let last = *progress.last().unwrap();
    let total: u64 = files.iter().map(|r| std::fs::metadata(f.path(r)).unwrap().len()).sum();
    assert_eq!(
        last,
        Progress { bytes_done: total, bytes_total: total, files_done: 4, files_total: 4, ..Progress::default() },
        "one progress stream covers it all"
    );
    assert_eq!(
        names(f, "inbox/Team Docs", Depth::OneLevel).await,
        vec!["sub/", "inbox/Team Docs/a.txt", "inbox/Team Docs/big.bin"]
    );
    for rel in files {
        assert_eq!(download(f, &format!("inbox/{rel}")).await, read(&f.path(rel)), "{rel} is intact");
    }
}

pub async fn listing_follows_every_page(f: &Fixture) {
    for i in 0..1003 {
        f.file(&format!("many/f{i:04}.txt"), i % 7);
    }
    f.file("many/sub/x.txt", 1);
    f.file("many/another/y.txt", 1);
    let (outcomes, refused, _) =
        put_with(f, &f.bucket, vec![f.path("many")], "", small_parts(), &no_progress, &CancellationToken::new()).await;
    assert_eq!((outcomes.iter().filter(|o| o.result.is_ok()).count(), refused.len()), (1005, 0));
    let level = f.bucket.list(&Prefix::new("many").unwrap(), Depth::OneLevel).await.unwrap();
    assert_eq!(level.len(), 1005, "1,003 documents and 2 folders, across more than one page");
    assert_eq!(level[0].name, "another", "folders come first");
    assert!(level[0].is_folder && level[1].is_folder && !level[2].is_folder);
    assert_eq!(level[2].name, "f0000.txt");
    assert_eq!(level.last().unwrap().name, "f1002.txt");
    let all = f.bucket.list(&Prefix::new("many").unwrap(), Depth::Recursive).await.unwrap();
    assert_eq!(all.len(), 1005, "recursive listing holds every document and no folder rows");
    assert!(all.iter().all(|e| !e.is_folder));
    let mut pages = 0;
    f.bucket.list_pages(&Prefix::new("many").unwrap(), Depth::Recursive, |_| pages += 1).await.unwrap();
    assert!(pages >= 2, "more than 1,000 keys need more than one page, saw {pages}");
}

pub async fn delete_one_many_and_a_folder(f: &Fixture) {
    for k in ["one.txt", "two.txt", "three.txt", "keep.txt", "old/a.txt", "old/b/c.txt", "old/b/d.txt", "older.txt"] {
        upload(f, k, 5, k).await;
    }
    let delete = |targets: Vec<Target>| async move {
        let done = std::sync::atomic::AtomicU64::new(0);
        let plan = f.bucket.plan_delete(&targets).await?;
        let report = f.bucket.delete(plan, &|d, _| done.store(d, std::sync::atomic::Ordering::Relaxed)).await?;
        Ok::<_, coffer_engine::Error>((report, done.into_inner()))
    };
    let (report, _) = delete(vec![Target::Object(key("one.txt"))]).await.expect("deleting one object works");
    assert_eq!(report.deleted, vec!["one.txt"]);
    let (report, done) = delete(vec![Target::Object(key("two.txt")), Target::Object(key("three.txt"))]).await.unwrap();
    assert_eq!(report.deleted, vec!["two.txt", "three.txt"]);
    assert!(report.failed.is_empty());
    assert_eq!(done, 2, "progress counts every key");
    let (report, _) = delete(vec![Target::Folder(Prefix::new("old").unwrap())]).await.unwrap();
    let mut deleted = report.deleted.clone();
    deleted.sort();
    assert_eq!(
        deleted,
        vec!["old/a.txt", "old/b/c.txt", "old/b/d.txt"],
        "everything under the folder, nothing beside it"
    );
    assert_eq!(names(f, "", Depth::Recursive).await, vec!["keep.txt", "older.txt"]);
    let err = delete(vec![Target::Folder(Prefix::root())]).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "the whole bucket is never deleted by accident");
    let plan = f.bucket.plan_delete(&[Target::Object(key("never-there.txt"))]).await.unwrap();
    assert_eq!(plan.summary.objects, 0, "a document already gone counts as nothing");
    let report = f.bucket.delete(plan, &|_, _| {}).await.unwrap();
    assert!(report.deleted.is_empty() && report.failed.is_empty(), "and deleting it is no error: {report:?}");
}

pub async fn share_link_serves_the_bytes(f: &Fixture) {
    let sent = upload(f, "shared.pdf", 3000, "to share/shared report #1.pdf").await;
    let now = SystemTime::now();
    let link =
        f.bucket.share_link(&key("to share/shared report #1.pdf"), Duration::from_secs(3600), now).await.unwrap();
    assert_eq!(link.expires_in_secs, 3600);
    let response = reqwest::get(&link.url).await.expect("the link is fetched");
    assert_eq!(response.status(), 200, "the link works for a plain HTTP client");
    assert_eq!(response.bytes().await.unwrap().as_ref(), sent.as_slice());

    let clamped =
        f.bucket.share_link(&key("to share/shared report #1.pdf"), Duration::from_secs(30 * 86400), now).await.unwrap();
    assert_eq!(clamped.expires_in_secs, 7 * 86400, "a month is clamped to the 7 days S3 allows");
    assert_eq!(reqwest::get(&clamped.url).await.unwrap().status(), 200);

    let tampered = link.url.replace("X-Amz-Expires=3600", "X-Amz-Expires=3601");
    assert_ne!(reqwest::get(&tampered).await.unwrap().status(), 200, "a tampered link is refused");
    let err = f.bucket.share_link(&key("nothing-here.pdf"), Duration::from_secs(60), now).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "no link is made to a missing document: {err}");
}

pub async fn cancel_leaves_no_multipart_upload(f: &Fixture) {
    let path = f.file("cancel.bin", 30 * MIB);
    let cancel = CancellationToken::new();
    let options = UploadOptions { parts_in_flight: 1, ..small_parts() };
    let hook = |p: Progress| {
        if p.bytes_done > 0 {
            cancel.cancel();
        }
    };
    let (outcomes, _, _) = put_with(f, &f.bucket, vec![path], "", options.clone(), &hook, &cancel).await;
    let err = outcomes[0].result.clone().expect_err("the upload was cancelled after its first part");
    assert_eq!(err.kind(), ErrorKind::Cancelled, "{err}");
    assert_eq!(f.unfinished_uploads().await, 0, "cancelling aborts the multipart upload");
    assert_eq!(f.bucket.stat(&key("cancel.bin")).await.unwrap_err().kind(), ErrorKind::NotFound, "nothing was stored");
    assert_eq!(queue(f, small_parts()).journal().unfinished().unwrap(), 0, "a cancelled file leaves the journal");

    // Cancelled before it starts: nothing is sent at all, and the file stays queued.
    let small = f.file("small.txt", 10);
    let cancelled = CancellationToken::new();
    cancelled.cancel();
    let (outcomes, _, _) = put_with(f, &f.bucket, vec![small], "", options, &no_progress, &cancelled).await;
    assert!(outcomes.is_empty(), "nothing ran: {outcomes:?}");
    assert_eq!(f.bucket.stat(&key("small.txt")).await.unwrap_err().kind(), ErrorKind::NotFound);
}

pub async fn file_changing_during_upload_is_refused(f: &Fixture) {
    let path = f.file("growing.log", 11 * MIB);
    let options = UploadOptions { parts_in_flight: 1, ..small_parts() };
    let appended = std::sync::atomic::AtomicBool::new(false);
    let hook = |p: Progress| {
        if p.bytes_done > 0 && !appended.swap(true, std::sync::atomic::Ordering::SeqCst) {
            use std::io::Write;
            let mut file = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
            file.write_all(b"one more line\n").unwrap();
        }
    };
    let (outcomes, _, _) =
        put_with(f, &f.bucket, vec![path.clone()], "", options, &hook, &CancellationToken::new()).await;
    let err = outcomes[0].result.clone().expect_err("a file appended to during its upload is not stored");
    assert_eq!(err.kind(), ErrorKind::Io, "{err}");
    assert_eq!(
        f.bucket.stat(&key("growing.log")).await.unwrap_err().kind(),
        ErrorKind::NotFound,
        "no mix of old and new"
    );
    assert_eq!(f.unfinished_uploads().await, 0, "the multipart upload was aborted");
}

pub async fn bad_local_input_is_refused(f: &Fixture) {
    let none = CancellationToken::new();
    let ok = f.file("drop/ok.txt", 3);
    let locked = f.file("drop/locked.txt", 3);
    std::fs::set_permissions(&locked, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    let paths = vec![f.path("missing.pdf"), ok, locked.clone()];
    let (outcomes, refused, _) = put_with(f, &f.bucket, paths, "", small_parts(), &no_progress, &none).await;
    assert_eq!(refused.len(), 1, "a missing file is refused alone: {refused:?}");
    assert_eq!(refused[0].error.kind(), ErrorKind::NotFound, "{}", refused[0].error);
    let results: Vec<(&str, bool)> = outcomes.iter().map(|o| (o.key.as_str(), o.result.is_ok())).collect();
    // Root reads any file, so the unreadable case only means something for other users.
    if std::fs::read(&locked).is_err() {
        assert_eq!(results, vec![("locked.txt", false), ("ok.txt", true)], "an unreadable file fails alone");
        let err = outcomes[0].result.clone().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io, "{err}");
        assert_eq!(names(f, "", Depth::Recursive).await, vec!["ok.txt"], "nothing half-done was stored");
    } else {
        assert_eq!(results, vec![("locked.txt", true), ("ok.txt", true)]);
    }
}

pub async fn bad_keys_are_refused(f: &Fixture) {
    for bad in ["", "a//b", "../x", "/abs", "x/./y"] {
        assert_eq!(ObjectKey::new(bad).unwrap_err().kind(), ErrorKind::InvalidInput, "{bad:?} is refused");
    }
    let long = "k".repeat(1025);
    assert_eq!(ObjectKey::new(long).unwrap_err().kind(), ErrorKind::InvalidInput, "a key over 1,024 bytes is refused");
    // Within the limit alone, but not with the connection's prefix in front of it.
    let prefixed = f.variant(|c| c.prefix = Prefix::new("team").unwrap(), None).await;
    let path = f.file("x.txt", 1);
    let k = key(&"k".repeat(1024));
    let err = store(f, &prefixed, &path, k.as_str()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
}

pub async fn server_side_errors_have_their_kinds(f: &Fixture) {
    let wrong_secret =
        f.variant(|_| {}, Some(AccessKey::new(f.key().access_key_id, "not-the-secret-at-all-0000000000000000"))).await;
    let err = wrong_secret.check().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidCredentials, "{err}");
    assert!(!err.message().contains("not-the-secret"), "the secret never reaches a message: {err}");
    // Outside check(), a server that answers a bad signature with AccessDenied (Garage) cannot be
    // told apart from a missing permission; either kind sends the user to Connections.
    let err = wrong_secret.list(&Prefix::root(), Depth::OneLevel).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidCredentials | ErrorKind::PermissionDenied), "{err}");

    let unknown_key = f
        .variant(|_| {}, Some(AccessKey::new("GKnosuchkey0000000000000", "whatever-secret-0000000000000000000000")))
        .await;
    assert_eq!(unknown_key.check().await.unwrap_err().kind(), ErrorKind::InvalidCredentials);

    let missing = f.variant(|c| c.bucket = "no-such-bucket-here".into(), None).await;
    let err = missing.check().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BucketNotFound, "{err}");

    let port = coffer_testkit::free_port();
    let unreachable = f.variant(|c| c.endpoint = format!("http://127.0.0.1:{port}"), None).await;
    let err = unreachable.check().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unreachable, "{err}");

    if f.checks_region {
        let wrong_region = f.variant(|c| c.region = "eu-west-3".into(), None).await;
        let err = wrong_region.check().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "a wrong region is a setting to fix: {err}");
    }
    assert_eq!(f.bucket.check().await.unwrap(), coffer_engine::Access::ReadWrite);
    assert_eq!(names(f, "", Depth::Recursive).await, Vec::<String>::new(), "the write test cleans up after itself");
}

pub async fn read_only_key_can_read_but_not_write(f: &Fixture) {
    let Some(read_only) = &f.read_only else {
        return;
    };
    let sent = upload(f, "public.txt", 50, "public.txt").await;
    assert_eq!(read_only.check().await.unwrap(), coffer_engine::Access::ReadOnly);
    assert_eq!(read_only.list(&Prefix::root(), Depth::OneLevel).await.unwrap().len(), 1);
    let target = f.path("ro-download.txt");
    read_only.download(&key("public.txt"), &target, &no_progress, &CancellationToken::new()).await.unwrap();
    assert_eq!(read(&target), sent);

    let path = f.file("new.txt", 10);
    let err = store(f, read_only, &path, "new.txt").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{err}");
    let big = f.file("new.bin", 6 * MIB);
    let err = store(f, read_only, &big, "new.bin").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{err}");
    let plan = read_only.plan_delete(&[Target::Object(key("public.txt"))]).await.unwrap();
    let outcome = read_only.delete(plan, &|_, _| {}).await;
    match outcome {
        Ok(report) => assert_eq!(report.failed.len(), 1, "the batch reports the key it could not delete"),
        Err(err) => assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{err}"),
    }
    assert_eq!(names(f, "", Depth::Recursive).await, vec!["public.txt"], "nothing was written or deleted");
}

pub async fn prefix_confines_the_connection(f: &Fixture) {
    upload(f, "outside.txt", 3, "outside.txt").await;
    let team = f.variant(|c| c.prefix = Prefix::new("teams/finance").unwrap(), None).await;
    let path = f.file("inside.txt", 4);
    store(f, &team, &path, "q1/inside.txt").await.unwrap();
    assert_eq!(names(f, "", Depth::Recursive).await, vec!["outside.txt", "teams/finance/q1/inside.txt"]);
    let seen: Vec<String> =
        team.list(&Prefix::root(), Depth::Recursive).await.unwrap().into_iter().map(|e| e.key).collect();
    assert_eq!(seen, vec!["q1/inside.txt"], "keys are relative to the prefix and nothing outside it shows");
    assert_eq!(team.check().await.unwrap(), coffer_engine::Access::ReadWrite);
    let plan = team.plan_delete(&[Target::Folder(Prefix::new("q1").unwrap())]).await.unwrap();
    team.delete(plan, &|_, _| {}).await.unwrap();
    assert_eq!(names(f, "", Depth::Recursive).await, vec!["outside.txt"]);
}

pub async fn download_is_atomic_and_stays_in_its_folder(f: &Fixture) {
    let sent = upload(f, "doc.pdf", 2000, "etc/passwd").await;
    let folder = f.path("chosen");
    std::fs::create_dir_all(&folder).unwrap();
    let written = coffer_engine::safe_path(&folder, "etc/passwd").unwrap();
    f.bucket.download(&key("etc/passwd"), &written, &no_progress, &CancellationToken::new()).await.unwrap();
    assert_eq!(written, folder.join("etc").join("passwd"), "a key naming a system path lands inside the chosen folder");
    assert_eq!(read(&written), sent);

    std::fs::write(folder.join("keep.pdf"), b"old").unwrap();
    let err = f
        .bucket
        .download(&key("missing.pdf"), &folder.join("keep.pdf"), &no_progress, &CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(read(&folder.join("keep.pdf")), b"old", "a failed download leaves the existing file alone");
    let leftovers: Vec<_> = std::fs::read_dir(&folder).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 2, "no temporary file is left behind: {leftovers:?}");
    let err =
        f.bucket.download(&key("etc/passwd"), &folder, &no_progress, &CancellationToken::new()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "a folder is not a file name: {err}");
}

/// Everything a [`Transfers`] session reported, and a way to wait for a state.
#[derive(Default)]
struct Reports {
    all: Mutex<Vec<TransferReport>>,
    changed: tokio::sync::Notify,
}

impl Reports {
    /// Waits until `done` holds for what was reported so far; waiting is for a state, never a time
    /// (the minute is only there to fail a broken case instead of hanging it).
    async fn wait_for(&self, what: &str, done: impl Fn(&[TransferReport]) -> bool) {
        let waiting = async {
            loop {
                let notified = self.changed.notified();
                if done(&self.all.lock().unwrap()) {
                    return;
                }
                notified.await;
            }
        };
        tokio::time::timeout(Duration::from_secs(120), waiting)
            .await
            .unwrap_or_else(|_| panic!("never saw {what}: {:?}", self.all.lock().unwrap()));
    }

    fn files(&self) -> Vec<FileUpdate> {
        files_of(&self.all.lock().unwrap())
    }

    /// The last state of every file, by key.
    fn outcomes(&self) -> Vec<(String, TransferState)> {
        let mut last = std::collections::BTreeMap::new();
        for file in self.files() {
            last.insert(file.key, file.state);
        }
        last.into_iter().collect()
    }

    fn group(&self, id: u64) -> Option<GroupUpdate> {
        self.all.lock().unwrap().iter().flat_map(|r| r.groups.iter()).rfind(|g| g.id == id).cloned()
    }
}

fn files_of(reports: &[TransferReport]) -> Vec<FileUpdate> {
    reports.iter().flat_map(|r| r.files.clone()).collect()
}

/// A Transfers session over the case's own journal, as the app runs it.
fn transfers(f: &Fixture, options: UploadOptions) -> (Arc<Transfers>, Arc<Reports>) {
    let reports = Arc::new(Reports::default());
    let sink = Arc::clone(&reports);
    let transfers = Transfers::new(Arc::new(queue(f, options)), move |report| {
        sink.all.lock().unwrap().push(report);
        sink.changed.notify_waiters();
    });
    (transfers, reports)
}

fn ended(reports: &[TransferReport], groups: &[u64]) -> bool {
    groups.iter().all(|id| {
        reports
            .iter()
            .flat_map(|r| r.groups.iter())
            .rfind(|g| g.id == *id)
            .is_some_and(|g| g.state != GroupState::Running)
    })
}

async fn wait_for_groups(reports: &Reports, groups: &[GroupUpdate]) {
    let ids: Vec<u64> = groups.iter().map(|g| g.id).collect();
    reports.wait_for("the groups end", |all| ended(all, &ids)).await;
}

pub async fn dropped_files_resolve_name_conflicts(f: &Fixture) {
    let old = upload(f, "old/report.pdf", 10, "report.pdf").await;
    upload(f, "old/Team/a.txt", 10, "Team/a.txt").await;
    let report = f.file("drop/report.pdf", 20);
    let new = f.file("drop/new.txt", 30);
    f.file("drop/Team/b.txt", 40);
    let (transfers, reports) = transfers(f, small_parts());
    let paths = vec![report.clone(), new.clone(), f.path("drop/Team")];
    let id = transfers.add_selection(paths.clone());
    let selection = transfers.inspect(id, &f.bucket, &Prefix::root()).await.unwrap();
    let seen: Vec<(&str, bool, bool, u64)> =
        selection.items.iter().map(|i| (i.name.as_str(), i.is_folder, i.exists, i.size)).collect();
    assert_eq!(seen, vec![("report.pdf", false, true, 20), ("new.txt", false, false, 30), ("Team", true, true, 40)]);

    // A taken name without a choice is never overwritten: it comes back to be asked about.
    let started = transfers.upload_selection(id, &f.bucket, &Prefix::root(), &HashMap::new()).await.unwrap();
    let groups = started.groups;
    let names_of = |groups: &[GroupUpdate]| groups.iter().map(|g| g.name.clone()).collect::<Vec<_>>();
    assert_eq!(names_of(&groups), vec!["new.txt"], "one group per item that is sent");
    let again = started.ask_again.expect("the taken names are asked about again");
    let asked: Vec<(&str, bool)> = again.items.iter().map(|i| (i.name.as_str(), i.exists)).collect();
    assert_eq!(asked, vec![("report.pdf", true), ("Team", true)]);
    transfers.discard_selection(again.id);
    wait_for_groups(&reports, &groups).await;
    assert_eq!(reports.outcomes(), vec![("new.txt".into(), TransferState::Done)]);
    assert_eq!(download(f, "report.pdf").await, old);
    assert_eq!(
        transfers.upload_selection(id, &f.bucket, &Prefix::root(), &HashMap::new()).await.unwrap_err().kind(),
        ErrorKind::NotFound,
        "an uploaded selection is let go of"
    );

    let choices =
        HashMap::from([("report.pdf".to_owned(), ConflictChoice::KeepBoth), ("Team".to_owned(), ConflictChoice::Skip)]);
    let id = transfers.add_selection(paths.clone());
    let started = transfers.upload_selection(id, &f.bucket, &Prefix::root(), &choices).await.unwrap();
    let groups = started.groups;
    // new.txt is taken now (by the first round) and has no choice, so it is asked about again.
    assert_eq!(names_of(&groups), vec!["report (1).pdf"]);
    let again = started.ask_again.expect("new.txt is asked about");
    assert_eq!(again.items.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(), vec!["new.txt"]);
    transfers.discard_selection(again.id);
    wait_for_groups(&reports, &groups).await;
    assert_eq!(
        download(f, "report (1).pdf").await,
        read(&report),
        "keep both stores the new file under a numbered name"
    );
    assert_eq!(download(f, "report.pdf").await, old, "and leaves the old one alone");
    assert_eq!(names(f, "Team", Depth::OneLevel).await, vec!["Team/a.txt"], "the skipped folder was not touched");

    let choices = HashMap::from([
        ("report.pdf".to_owned(), ConflictChoice::Replace),
        ("Team".to_owned(), ConflictChoice::KeepBoth),
    ]);
    let id = transfers.add_selection(paths);
    let groups = transfers.upload_selection(id, &f.bucket, &Prefix::root(), &choices).await.unwrap().groups;
    assert_eq!(names_of(&groups), vec!["report.pdf", "Team (1)"]);
    assert!(groups[1].is_folder && groups[1].progress.files_total == 1 && groups[1].progress.bytes_total == 40);
    wait_for_groups(&reports, &groups).await;
    assert_eq!(download(f, "report.pdf").await, read(&report), "replace overwrites, because the user said so");
    assert_eq!(
        names(f, "Team (1)", Depth::OneLevel).await,
        vec!["Team (1)/b.txt"],
        "a kept folder gets a numbered name"
    );
    let states: Vec<TransferState> =
        reports.files().into_iter().filter(|u| u.key == "Team (1)/b.txt").map(|u| u.state).collect();
    assert_eq!(states.last(), Some(&TransferState::Done), "{states:?}");
    let group = reports.group(groups[1].id).unwrap();
    assert_eq!((group.state, group.progress.files_done, group.progress.bytes_done), (GroupState::Done, 1, 40));
}

pub async fn transfers_cancel_and_retry(f: &Fixture) {
    let path = f.file("drop/big.bin", 12 * MIB);
    let (transfers, reports) = transfers(f, UploadOptions { parts_in_flight: 1, ..small_parts() });
    // Every connection is cut once it has carried 1 MiB: each 5 MiB part fails and is sent again,
    // so the file is still running however fast the machine, while short requests (the abort) pass.
    let upstream = f.bucket.connection().endpoint.trim_start_matches("http://").parse().unwrap();
    let proxy = coffer_testkit::Proxy::start(upstream);
    proxy.cut_after(Some(MIB as u64));
    let cut = f.variant(|c| c.endpoint = proxy.endpoint(), None).await;
    let id = transfers.add_selection(vec![path.clone()]);
    let groups = transfers.upload_selection(id, &cut, &Prefix::root(), &HashMap::new()).await.unwrap().groups;
    reports.wait_for("the file start", |all| files_of(all).iter().any(|u| u.state == TransferState::Running)).await;
    let file = reports.files()[0].id;
    transfers.cancel(file).unwrap();
    wait_for_groups(&reports, &groups).await;
    drop(proxy);
    assert_eq!(reports.outcomes(), vec![("big.bin".into(), TransferState::Cancelled)]);
    assert_eq!(f.unfinished_uploads().await, 0);
    assert_eq!(f.bucket.stat(&key("big.bin")).await.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(transfers.retry(file).unwrap_err().kind(), ErrorKind::NotFound, "a cancelled file left the queue");
    assert_eq!(transfers.retry(999_999).unwrap_err().kind(), ErrorKind::NotFound);

    // A failed file reports why, stays in the journal, and runs again on Retry. A named pipe is
    // queued like a file but cannot be uploaded: a failure that does not depend on timing.
    let gone = f.path("drop/gone.txt");
    let made = std::process::Command::new("mkfifo").arg(&gone).status().unwrap();
    assert!(made.success(), "mkfifo works");
    let id = transfers.add_selection(vec![gone.clone()]);
    let before = reports.files().len();
    let groups = transfers.upload_selection(id, &f.bucket, &Prefix::root(), &HashMap::new()).await.unwrap().groups;
    wait_for_groups(&reports, &groups).await;
    let failed = reports.files().into_iter().skip(before).rfind(|u| u.state == TransferState::Failed);
    let failed = failed.expect("the pipe fails");
    assert_eq!(failed.error.map(|e| e.kind()), Some(ErrorKind::InvalidInput), "the reason travels with the failed row");
    assert_eq!(reports.group(groups[0].id).unwrap().state, GroupState::Failed);
    assert_eq!(queue(f, small_parts()).journal().unfinished().unwrap(), 1, "a failed file waits in the journal");

    std::fs::remove_file(&gone).unwrap();
    std::fs::write(&gone, b"now a document").unwrap();
    transfers.retry(failed.id).unwrap();
    reports
        .wait_for("the retried file done", |all| {
            files_of(all).iter().any(|u| u.id == failed.id && u.state == TransferState::Done)
        })
        .await;
    wait_for_groups(&reports, &groups).await;
    let group = reports.group(groups[0].id).unwrap();
    assert_eq!((group.state, group.progress.files_failed, group.progress.files_done), (GroupState::Done, 0, 1));
    assert_eq!(download(f, "gone.txt").await, read(&gone), "the retry ran under the same transfer id");
    assert_eq!(queue(f, small_parts()).journal().unfinished().unwrap(), 0);

    // A file gone between the drop and the upload is skipped, with the reason, and nothing is queued.
    let missing = f.file("drop/missing.txt", 5);
    let id = transfers.add_selection(vec![missing.clone()]);
    std::fs::remove_file(&missing).unwrap();
    let groups = transfers.upload_selection(id, &f.bucket, &Prefix::root(), &HashMap::new()).await.unwrap().groups;
    assert_eq!((groups[0].skipped_total, groups[0].progress.files_total), (1, 0));
    assert_eq!(groups[0].skipped[0].error.kind(), ErrorKind::NotFound);
    wait_for_groups(&reports, &groups).await;

    // Discarding a group's failed file takes it out of the journal.
    let pipe = f.path("drop/pipe");
    assert!(std::process::Command::new("mkfifo").arg(&pipe).status().unwrap().success());
    let id = transfers.add_selection(vec![pipe]);
    let groups = transfers.upload_selection(id, &f.bucket, &Prefix::root(), &HashMap::new()).await.unwrap().groups;
    wait_for_groups(&reports, &groups).await;
    assert_eq!(reports.group(groups[0].id).unwrap().state, GroupState::Failed);
    transfers.cancel_group(groups[0].id).unwrap();
    assert_eq!(reports.group(groups[0].id).unwrap().state, GroupState::Cancelled);
    assert_eq!(queue(f, small_parts()).journal().unfinished().unwrap(), 0, "discarded from the journal");
}

pub async fn delete_removes_exactly_what_was_confirmed(f: &Fixture) {
    for (k, n) in [("a.txt", 10), ("dir/b.txt", 20), ("dir/sub/c.txt", 30), ("other.txt", 40)] {
        upload(f, k, n, k).await;
    }
    let targets = [Target::parse("a.txt").unwrap(), Target::parse("dir/").unwrap()];
    let plan = f.bucket.plan_delete(&targets).await.unwrap();
    let summary = plan.summary;
    assert_eq!((summary.objects, summary.bytes), (3, 60), "a folder counts everything inside it");
    // A colleague adds a document to the folder while the person reads the confirmation.
    upload(f, "colleague.txt", 7, "dir/colleague.txt").await;
    let report = f.bucket.delete(plan, &|_, _| {}).await.unwrap();
    assert_eq!(report.deleted.len(), 3);
    assert_eq!(
        names(f, "", Depth::Recursive).await,
        vec!["dir/colleague.txt", "other.txt"],
        "exactly what was confirmed is deleted; what was added since survives"
    );
    assert_eq!(Target::parse("").unwrap_err().kind(), ErrorKind::InvalidInput);
}

/// Runs every batch `queue` has claimed for `f`'s bucket and returns each file's outcome.
async fn run_claimed(queue: &Queue, f: &Fixture, batches: &[coffer_engine::BatchInfo]) -> Vec<FileOutcome> {
    let recorder = Recorder::new(0, 0, &no_progress);
    for batch in batches {
        queue.run(&f.bucket, batch.id, &recorder, &CancellationToken::new()).await.unwrap();
    }
    recorder.outcomes()
}

/// Starts uploading `paths` through a fresh journal and stops dead (the future is dropped, as if the
/// process were killed) once `stop_after` bytes are on the server. The journal is closed, so its
/// entries are now orphans.
async fn crash_during_upload(f: &Fixture, paths: Vec<PathBuf>, stop_after: u64) {
    let queue = queue(f, UploadOptions { parts_in_flight: 1, ..small_parts() });
    let items = paths.into_iter().map(|p| Item::named_as_is(p).unwrap()).collect();
    let enqueued = queue.enqueue(&f.bucket, &Prefix::root(), "crash", true, items, OnConflict::Replace).await.unwrap();
    let (reached, stop) = tokio::sync::oneshot::channel::<()>();
    let reached = Mutex::new(Some(reached));
    let hook = |p: Progress| {
        if let Some(tx) = reached.lock().unwrap().take_if(|_| p.bytes_done >= stop_after) {
            let _ = tx.send(());
        }
    };
    let recorder = Recorder::new(0, 0, &hook);
    let cancel = CancellationToken::new();
    tokio::select! {
        result = queue.run(&f.bucket, enqueued.batch.id, &recorder, &cancel) => {
            panic!("the upload was meant to be interrupted, but ended: {result:?}")
        }
        _ = stop => {}
    }
    // The crash may have cut short the probe of the server's write guard, which then finishes by
    // itself. Waiting for its answer keeps its key and upload out of what the crash is said to leave.
    f.bucket.write_guard().await;
}

pub async fn interrupted_upload_resumes_from_its_last_part(f: &Fixture) {
    let path = f.file("big.bin", 26 * MIB + 3);
    crash_during_upload(f, vec![path.clone()], 10 * MIB as u64).await;
    assert_eq!(f.bucket.stat(&key("big.bin")).await.unwrap_err().kind(), ErrorKind::NotFound, "not complete yet");

    let queue = queue(f, small_parts());
    let batches = queue.claim_unfinished().unwrap();
    assert_eq!(
        batches.iter().map(|b| (b.connection.clone(), b.files)).collect::<Vec<_>>(),
        vec![(f.bucket.connection().name.clone(), 1)]
    );
    let outcomes = run_claimed(&queue, f, &batches).await;
    assert_eq!(outcomes.len(), 1, "exactly the one unfinished file is resumed");
    let done = outcomes.into_iter().next().unwrap().result.expect("the resumed upload completes");
    assert!(done.parts_resumed >= 2, "parts already on the server are not sent again ({} resumed)", done.parts_resumed);
    assert!(!done.restarted);
    assert_eq!(download(f, "big.bin").await, read(&path), "the resumed object is byte-identical");
    assert_eq!(f.unfinished_uploads().await, 0, "nothing is left open");
    assert_eq!(queue.journal().unfinished().unwrap(), 0, "the journal forgets finished files");
    assert!(run_claimed(&queue, f, &batches).await.is_empty(), "nothing is uploaded twice");
}

pub async fn changed_file_restarts_and_queued_files_are_sent(f: &Fixture) {
    let big = f.file("in/big.bin", 16 * MIB);
    for i in 0..5 {
        f.file(&format!("in/small-{i}.txt"), 100 + i);
    }
    crash_during_upload(f, vec![f.path("in")], 5 * MIB as u64).await;
    // The file is saved again while Coffer is not running.
    std::fs::write(&big, vec![7u8; 12 * MIB]).unwrap();

    let queue = queue(f, small_parts());
    let batches = queue.claim_unfinished().unwrap();
    let outcomes = run_claimed(&queue, f, &batches).await;
    let restarted: Vec<String> =
        outcomes.iter().filter(|o| o.result.as_ref().is_ok_and(|u| u.restarted)).map(|o| o.key.to_string()).collect();
    assert_eq!(restarted, vec!["in/big.bin"], "the changed file starts again, and says so");
    assert!(outcomes.iter().all(|o| o.result.is_ok()), "{outcomes:?}");
    assert_eq!(download(f, "in/big.bin").await, vec![7u8; 12 * MIB], "the new content is stored, not a mix");
    let mut stored = names(f, "in", Depth::OneLevel).await;
    stored.sort();
    assert_eq!(stored.len(), 6, "files queued but not started are uploaded too: {stored:?}");
    assert_eq!(f.unfinished_uploads().await, 0, "the stale multipart upload was aborted");
}

pub async fn cleanup_aborts_only_abandoned_uploads(f: &Fixture) {
    let path = f.file("orphan.bin", 12 * MIB);
    crash_during_upload(f, vec![path], 5 * MIB as u64).await;
    let journal = Journal::open(&f.path("data")).unwrap();
    let now = SystemTime::now();
    let kept = f.bucket.clean_up(&journal, Duration::ZERO, now).await.unwrap();
    assert!(kept.aborted.is_empty(), "the journal can still resume it: {kept:?}");
    drop(journal);
    // The journal is lost (deleted by hand, say): nothing can finish the upload any more.
    std::fs::remove_dir_all(f.path("data")).unwrap();
    let journal = Journal::open(&f.path("data")).unwrap();
    let recent = f.bucket.clean_up(&journal, Duration::from_secs(3600), now).await.unwrap();
    assert!(recent.aborted.is_empty(), "a recent upload may be a colleague's: {recent:?}");
    let before = f.unfinished_uploads().await;
    assert!(before > 0, "the crash left an upload behind");
    let cleaned = f.bucket.clean_up(&journal, Duration::ZERO, now + Duration::from_secs(1)).await.unwrap();
    if cleaned.listed {
        assert_eq!(cleaned.aborted, vec!["orphan.bin"]);
        assert_eq!(f.unfinished_uploads().await, 0, "the abandoned upload is gone");
    } else {
        assert_eq!(f.unfinished_uploads().await, before, "a server that lists nothing is left as it was");
    }
}

pub async fn a_server_with_its_own_certificate_works_once_its_authority_is_given(f: &Fixture) {
    let front = crate::fixture::TlsFront::start(&f.bucket.connection().endpoint).await;
    let untrusted = f.variant(|c| c.endpoint = front.endpoint.clone(), None).await;
    let refused = untrusted.check().await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::Unreachable, "{refused}");
    assert!(refused.to_string().contains("certificate"), "the message names the cause: {refused}");

    let trusted = f
        .variant(
            |c| {
                c.endpoint = front.endpoint.clone();
                c.ca_certificate = Some(front.ca_pem.clone());
            },
            None,
        )
        .await;
    assert_eq!(trusted.check().await.unwrap(), coffer_engine::Access::ReadWrite);
    let path = f.file("over-tls.bin", 6 * MIB);
    store(f, &trusted, &path, "over-tls.bin").await.unwrap();
    let target = f.path("over-tls.back");
    trusted.download(&key("over-tls.bin"), &target, &no_progress, &CancellationToken::new()).await.unwrap();
    assert_eq!(read(&target), read(&path), "a multipart upload and a download went through TLS intact");
}

pub async fn a_resumed_upload_never_replaces_what_changed_since_it_was_queued(f: &Fixture) {
    // Replacing a document, decided when queued: nobody touches it before the resume, so it completes.
    upload(f, "v1.bin", 1000, "in/kept.bin").await;
    let kept = f.file("in/kept.bin", 16 * MIB);
    crash_during_upload(f, vec![f.path("in")], 5 * MIB as u64).await;
    let queue = queue(f, small_parts());
    let outcomes = run_claimed(&queue, f, &queue.claim_unfinished().unwrap()).await;
    assert!(outcomes.iter().all(|o| o.result.is_ok()), "the replace that was decided goes through: {outcomes:?}");
    assert_eq!(download(f, "in/kept.bin").await, read(&kept));

    // A new name that a colleague takes while the upload waits to be resumed.
    let mine = f.file("out/report.bin", 16 * MIB);
    crash_during_upload(f, vec![mine], 5 * MIB as u64).await;
    let theirs = upload(f, "theirs.bin", 3000, "report.bin").await;
    let queue = self::queue(f, small_parts());
    let outcomes = run_claimed(&queue, f, &queue.claim_unfinished().unwrap()).await;
    let refused = outcomes.into_iter().next().expect("the resumed file reports").result.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::AlreadyExists, "{refused}");
    assert!(refused.message().contains("after this upload was queued"), "{refused}");
    assert_eq!(download(f, "report.bin").await, theirs, "the colleague's document is intact");
    assert_eq!(f.unfinished_uploads().await, 0, "the refused upload was aborted");
    assert_eq!(queue.journal().unfinished().unwrap(), 1, "it waits in the journal, failed, for Discard");
}

pub async fn a_multipart_upload_the_journal_cannot_record_is_aborted(f: &Fixture) {
    drop(Journal::open(&f.path("data")).unwrap());
    // The journal refuses to record an upload ID, as a full disk would.
    let db = rusqlite::Connection::open(f.path("data").join("transfers.sqlite3")).unwrap();
    db.execute_batch(
        "CREATE TRIGGER disk_full BEFORE UPDATE OF upload_id ON uploads WHEN NEW.upload_id IS NOT NULL
         BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END;",
    )
    .unwrap();
    let path = f.file("unrecorded.bin", 12 * MIB);
    let err = store(f, &f.bucket, &path, "unrecorded.bin").await.unwrap_err();
    assert!(err.message().contains("disk is full"), "the journal's failure is reported: {err}");
    assert_eq!(f.unfinished_uploads().await, 0, "the upload the journal could not record was aborted");
    assert_eq!(f.bucket.stat(&key("unrecorded.bin")).await.unwrap_err().kind(), ErrorKind::NotFound);
}

/// Stores `bytes` at `k` the way another program would: one plain PutObject, no Coffer involved.
async fn colleague_puts(f: &Fixture, k: &str, bytes: &[u8]) {
    let colleague = f.variant(|_| {}, None).await;
    let path = f.file(&format!("colleague/{k}"), 0);
    std::fs::write(&path, bytes).unwrap();
    store(f, &colleague, &path, k).await.unwrap();
}

pub async fn a_colleagues_document_is_seen_by_the_next_listing(f: &Fixture) {
    // Two engines on one bucket: each with its own client and journal.
    let mine = f.variant(|_| {}, None).await;
    assert!(mine.list(&Prefix::root(), Depth::OneLevel).await.unwrap().is_empty());
    colleague_puts(f, "minutes.docx", b"from a colleague").await;
    let listed = mine.list(&Prefix::root(), Depth::OneLevel).await.unwrap();
    assert_eq!(listed.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), vec!["minutes.docx"]);
}

pub async fn the_server_is_asked_whether_it_guards_overwrites(f: &Fixture) {
    let guard = f.bucket.probe_write_guard().await.unwrap();
    let expected = if f.enforces_conditional_writes { WriteGuard::Enforced } else { WriteGuard::BestEffort };
    assert_eq!(guard, expected);
    assert_eq!(f.stored_keys("").await, Vec::<String>::new(), "the probe leaves nothing behind");
    assert_eq!(f.unfinished_uploads().await, 0, "nor an open upload");

    // Whoever asked first may stop waiting halfway (its upload cancelled): the probe still tidies
    // up, and the next to ask gets the same answer. A probe is caught in flight by its key.
    let in_flight = || async {
        while f.stored_keys(".coffer-probe-").await.is_empty() {
            tokio::task::yield_now().await;
        }
    };
    let mut tries = 0;
    let asking = loop {
        tries += 1;
        assert!(tries <= 50, "no probe was seen in flight in 50 tries");
        let asking = f.variant(|_| {}, None).await;
        tokio::select! {
            () = in_flight() => break asking,
            _ = asking.write_guard() => {}
        }
    };
    assert_eq!(asking.write_guard().await, expected);
    assert_eq!(f.stored_keys("").await, Vec::<String>::new(), "a probe cut short leaves nothing behind");
    assert_eq!(f.unfinished_uploads().await, 0, "nor an open upload");
}

pub async fn a_server_away_for_a_moment_fails_no_upload(f: &Fixture) {
    let old = f.file("mine/plan.txt", 0);
    std::fs::write(&old, b"the plan as it was").unwrap();
    store(f, &f.bucket, &old, "plan.txt").await.unwrap();
    let (new, plan) = (f.file("drop/memo.txt", 3000), f.file("drop/plan.txt", 4000));
    let queue = queue(f, small_parts());
    let items = vec![Item::named_as_is(new.clone()).unwrap(), Item::named_as_is(plan.clone()).unwrap()];
    let enqueued = queue.enqueue(&f.bucket, &Prefix::root(), "away", true, items, OnConflict::Replace).await.unwrap();

    // The server goes away before anything is sent, so the checks before each write (the
    // conditional-write probe, the look at the destination, the copy of the version replaced)
    // meet it first, on a bucket that has not probed yet.
    let upstream = f.bucket.connection().endpoint.trim_start_matches("http://").parse().unwrap();
    let proxy = coffer_testkit::Proxy::start(upstream);
    proxy.refuse(true);
    let away = f.variant(|c| c.endpoint = proxy.endpoint(), None).await;
    let recorder = Recorder::new(enqueued.batch.files, enqueued.batch.bytes, &no_progress);
    let cancel = CancellationToken::new();
    let run = queue.run(&away, enqueued.batch.id, &recorder, &cancel);
    let back = async {
        // Or for the files to end: one that failed instead of waiting shows its reason below.
        until("both files to wait for the server", || async {
            recorder.waited.lock().unwrap().len() == 2 || recorder.outcomes.lock().unwrap().len() == 2
        })
        .await;
        proxy.refuse(false);
    };
    let (ran, ()) = tokio::join!(run, back);
    ran.unwrap();

    let outcomes: Vec<_> = recorder
        .outcomes()
        .into_iter()
        .map(|o| (o.key.to_string(), o.result.map(drop).map_err(|e| e.to_string())))
        .collect();
    assert_eq!(
        outcomes,
        vec![("memo.txt".into(), Ok(())), ("plan.txt".into(), Ok(()))],
        "both stored once it came back"
    );
    assert_eq!(download(f, "memo.txt").await, read(&new));
    assert_eq!(download(f, "plan.txt").await, read(&plan));
    let trash = f.bucket.trash().await.unwrap();
    assert_eq!(trash.len(), 1, "the version replaced is kept in the trash, once: {trash:?}");
    assert!(trash[0].replaced && trash[0].key == "plan.txt" && trash[0].size == 18);
    let expected = if f.enforces_conditional_writes { WriteGuard::Enforced } else { WriteGuard::BestEffort };
    assert_eq!(away.known_write_guard(), Some(expected), "a probe that met no server was asked again");
}

/// Queues one local file for the top folder under `on_conflict`; returns its batch.
async fn queue_file(queue: &Queue, f: &Fixture, path: &Path, on_conflict: OnConflict) -> u64 {
    let item = Item::named_as_is(path.to_owned()).unwrap();
    let name = item.name.clone();
    queue.enqueue(&f.bucket, &Prefix::root(), &name, false, vec![item], on_conflict).await.unwrap().batch.id
}

/// Runs a one-file batch and returns how that file went.
async fn run_file(queue: &Queue, f: &Fixture, batch: u64) -> Result<Uploaded> {
    let recorder = Recorder::new(1, 0, &no_progress);
    queue.run(&f.bucket, batch, &recorder, &CancellationToken::new()).await.unwrap();
    recorder.outcomes().remove(0).result
}

pub async fn nothing_is_overwritten_unseen(f: &Fixture) {
    // Queued for a free name; a colleague stores a document there before the file is sent.
    for (name, len) in [("small.pdf", 1000), ("large.bin", 6 * MIB)] {
        let queue = queue(f, small_parts());
        let batch = queue_file(&queue, f, &f.file(&format!("mine/{name}"), len), OnConflict::Refuse).await;
        colleague_puts(f, name, b"the colleague's version").await;
        let refused = run_file(&queue, f, batch).await.unwrap_err();
        assert_eq!(refused.kind(), ErrorKind::AlreadyExists, "{name}: {refused}");
        assert_eq!(download(f, name).await, b"the colleague's version", "{name}: their document is intact");
    }
    assert_eq!(f.unfinished_uploads().await, 0, "the refused multipart upload was aborted");

    // Replace was decided for the version seen; a colleague saves a newer one before it is sent.
    let queue = queue(f, small_parts());
    let path = f.file("mine/small.pdf", 2000);
    let batch = queue_file(&queue, f, &path, OnConflict::Replace).await;
    colleague_puts(f, "small.pdf", b"an even newer version").await;
    assert_eq!(run_file(&queue, f, batch).await.unwrap_err().kind(), ErrorKind::AlreadyExists);
    assert_eq!(download(f, "small.pdf").await, b"an even newer version");

    // Replace of the version that is still there goes through, and says who uploaded it.
    queue.set_uploaded_by("Jürgen Müller");
    let batch = queue_file(&queue, f, &path, OnConflict::Replace).await;
    run_file(&queue, f, batch).await.expect("an unchanged document is replaced as decided");
    assert_eq!(download(f, "small.pdf").await, read(&path));
    assert_eq!(f.bucket.stat(&key("small.pdf")).await.unwrap().uploaded_by.as_deref(), Some("Jürgen Müller"));
}

pub async fn every_write_in_flight_checks_its_own_name(f: &Fixture) {
    // A hundred files queued for free names, sent many at a time. Before they go, a colleague takes
    // two of the names and stores 200 documents whose names sort among them: each check, made while
    // many others are in flight, must be answered for its own name and no other.
    let mine: Vec<PathBuf> = (0..100)
        .map(|i| {
            let path = f.path(&format!("many/f{i:03}.txt"));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, format!("mine {i}")).unwrap();
            path
        })
        .collect();
    let queue = queue(f, UploadOptions::default());
    let items = mine.iter().map(|p| Item::named_as_is(p.clone()).unwrap()).collect();
    let busy = Prefix::new("busy").unwrap();
    let enqueued = queue.enqueue(&f.bucket, &busy, "many", true, items, OnConflict::Refuse).await.unwrap();
    assert_eq!(enqueued.batch.files, 100);

    let colleague = f.variant(|_| {}, None).await;
    let between: Vec<PathBuf> = (0..200)
        .map(|j| {
            let path = f.path(&format!("colleague/between/f050-{j:03}.txt"));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, format!("theirs {j}")).unwrap();
            path
        })
        .collect();
    let cancel = CancellationToken::new();
    let (stored, refused, _) = put_with(f, &colleague, between, "busy", small_parts(), &no_progress, &cancel).await;
    assert!(refused.is_empty() && stored.iter().all(|o| o.result.is_ok()), "{refused:?} {stored:?}");
    colleague_puts(f, "busy/f013.txt", b"their f013").await;
    colleague_puts(f, "busy/f077.txt", b"their f077").await;

    let recorder = Recorder::new(enqueued.batch.files, enqueued.batch.bytes, &no_progress);
    let _ = queue.run(&f.bucket, enqueued.batch.id, &recorder, &cancel).await;
    let outcomes = recorder.outcomes();
    assert_eq!(outcomes.len(), 100, "every file reports");
    for outcome in &outcomes {
        let taken = ["busy/f013.txt", "busy/f077.txt"].contains(&outcome.key.as_str());
        match &outcome.result {
            Err(e) if taken => assert_eq!(e.kind(), ErrorKind::AlreadyExists, "{}: {e}", outcome.key),
            Ok(_) if !taken => {}
            other => panic!("{}: {other:?}", outcome.key),
        }
    }
    assert_eq!(download(f, "busy/f013.txt").await, b"their f013", "the colleague's document is intact");
    assert_eq!(download(f, "busy/f077.txt").await, b"their f077");
    assert_eq!(download(f, "busy/f050.txt").await, b"mine 50");
    assert_eq!(download(f, "busy/f051.txt").await, b"mine 51");
    assert_eq!(names(f, "busy", Depth::OneLevel).await.len(), 300, "98 of mine, 2 and 200 of theirs");

    // A move checks its destinations the same way: the one name taken after the move was planned
    // keeps the colleague's document, and its original stays where it was.
    let journal = Journal::open(&f.path("data")).unwrap();
    let plan = f.bucket.plan_move(&[folder("busy")], &Prefix::new("archive").unwrap(), MoveKind::Move).await.unwrap();
    assert!(plan.summary.conflicts.is_empty());
    colleague_puts(f, "archive/busy/f050-123.txt", b"archived meanwhile").await;
    let moved = f.bucket.move_or_copy(plan, OnConflict::Refuse, &mover(&journal, &cancel)).await.unwrap();
    assert_eq!(moved.done.len(), 299, "{:?}", moved.failed);
    assert_eq!(moved.failed.len(), 1);
    assert_eq!(moved.failed[0].key, "busy/f050-123.txt");
    assert_eq!(moved.failed[0].error.kind(), ErrorKind::AlreadyExists, "{}", moved.failed[0].error);
    assert_eq!(download(f, "archive/busy/f050-123.txt").await, b"archived meanwhile");
    assert_eq!(download(f, "busy/f050-123.txt").await, b"theirs 123", "the original stays");
}

pub async fn taken_names_are_refused_skipped_or_kept_beside(f: &Fixture) {
    let original = upload(f, "old/a.txt", 10, "in/a.txt").await;
    let a = f.file("new/a.txt", 20);
    let b = f.file("new/b.txt", 30);
    let other_a = f.file("elsewhere/a.txt", 40);
    let dest = Prefix::new("in").unwrap();
    let items = || vec![Item::named_as_is(a.clone()).unwrap(), Item::named_as_is(b.clone()).unwrap()];

    let queue = queue(f, small_parts());
    let refused = queue.enqueue(&f.bucket, &dest, "put", true, items(), OnConflict::Refuse).await.unwrap();
    assert_eq!(refused.refused.len(), 1, "the taken name is refused, the other queued");
    assert_eq!(refused.refused[0].error.kind(), ErrorKind::AlreadyExists);
    assert_eq!(refused.batch.files, 1);
    let skipped = queue.enqueue(&f.bucket, &dest, "put", true, items(), OnConflict::Skip).await.unwrap();
    assert_eq!((skipped.skipped, skipped.batch.files), (1, 1));

    // Keep both, with a second file of the same name in the same batch: three documents in the end.
    let all = vec![Item::named_as_is(a.clone()).unwrap(), Item::named_as_is(other_a.clone()).unwrap()];
    let kept = queue.enqueue(&f.bucket, &dest, "put", true, all, OnConflict::KeepBoth).await.unwrap();
    let recorder = Recorder::new(2, 0, &no_progress);
    queue.run(&f.bucket, kept.batch.id, &recorder, &CancellationToken::new()).await.unwrap();
    assert!(recorder.outcomes().iter().all(|o| o.result.is_ok()));
    let mut stored = names(f, "in", Depth::OneLevel).await;
    stored.sort();
    assert_eq!(stored, vec!["in/a (1).txt", "in/a (2).txt", "in/a.txt"]);
    assert_eq!(download(f, "in/a.txt").await, original, "the original is untouched");
}

pub async fn a_document_changed_while_uploading_is_asked_about(f: &Fixture) {
    // An earlier session queued the file, and a colleague saved the document before it was sent.
    let path = f.file("drop/offer.docx", 500);
    {
        let queue = queue(f, small_parts());
        let batch = queue_file(&queue, f, &path, OnConflict::Refuse).await;
        colleague_puts(f, "offer.docx", b"their offer").await;
        assert_eq!(run_file(&queue, f, batch).await.unwrap_err().kind(), ErrorKind::AlreadyExists);
    }
    // The app shows it failed, waiting for an answer; Keep both stores it beside theirs.
    let (transfers, reports) = transfers(f, small_parts());
    let bucket = f.bucket.clone();
    transfers.resume(|_| std::future::ready(Ok(bucket.clone()))).await.unwrap();
    reports
        .wait_for("the failed file is shown", |all| files_of(all).iter().any(|u| u.state == TransferState::Failed))
        .await;
    let failed = reports.files().into_iter().find(|u| u.state == TransferState::Failed).unwrap();
    assert_eq!(failed.error.as_ref().map(coffer_engine::Error::kind), Some(ErrorKind::AlreadyExists));
    transfers.resolve(failed.id, ConflictChoice::KeepBoth).await.unwrap();
    reports.wait_for("it is stored beside", |all| files_of(all).iter().any(|u| u.state == TransferState::Done)).await;
    assert_eq!(download(f, "offer (1).docx").await, read(&path));
    assert_eq!(download(f, "offer.docx").await, b"their offer", "nothing of theirs was overwritten");
}

pub async fn delete_moves_to_the_trash_and_restore_asks_before_overwriting(f: &Fixture) {
    let a = upload(f, "t/a.pdf", 1000, "docs/a.pdf").await;
    let b = upload(f, "t/b.txt", 10, "docs/sub/b.txt").await;
    let plan = f.bucket.plan_delete(&[Target::Folder(Prefix::new("docs").unwrap())]).await.unwrap();
    let trashed = f.bucket.move_to_trash(plan, "Alice Martin", 1_700_000_000_000, &|_, _| {}).await.unwrap();
    assert_eq!(trashed.deleted.deleted, vec!["docs/a.pdf", "docs/sub/b.txt"]);
    assert!(trashed.deleted.failed.is_empty());
    assert!(names(f, "", Depth::Recursive).await.is_empty(), "the trash never shows in listings");
    assert!(names(f, "", Depth::OneLevel).await.is_empty());

    let trash = f.bucket.trash().await.unwrap();
    let seen: Vec<(&str, u64, &str, i64)> =
        trash.iter().map(|i| (i.key.as_str(), i.size, i.deleted_by.as_str(), i.deleted_at_ms)).collect();
    assert_eq!(
        seen,
        vec![
            ("docs/a.pdf", 1000, "Alice Martin", 1_700_000_000_000),
            ("docs/sub/b.txt", 10, "Alice Martin", 1_700_000_000_000)
        ]
    );

    // A colleague saved a new a.pdf meanwhile: restoring asks instead of overwriting it.
    let newer = upload(f, "t/newer.pdf", 5, "docs/a.pdf").await;
    let restored = f.bucket.restore(&trashed.batch, &[]).await.unwrap();
    assert_eq!(
        (restored.restored.clone(), restored.taken.clone()),
        (vec!["docs/sub/b.txt".to_owned()], vec!["docs/a.pdf".to_owned()])
    );
    assert_eq!(download(f, "docs/sub/b.txt").await, b);
    assert_eq!(
        f.bucket.stat(&key("docs/sub/b.txt")).await.unwrap().content_type.as_deref(),
        Some("text/plain"),
        "type kept"
    );
    assert_eq!(download(f, "docs/a.pdf").await, newer, "the newer document is untouched");
    assert_eq!(f.bucket.trash().await.unwrap().len(), 1, "the old a.pdf waits in the trash");

    // Once the place is free it comes back; an emptied trash holds nothing.
    let plan = f.bucket.plan_delete(&[Target::Object(key("docs/a.pdf"))]).await.unwrap();
    f.bucket.delete(plan, &|_, _| {}).await.unwrap();
    let restored = f.bucket.restore(&trashed.batch, &["docs/a.pdf".to_owned()]).await.unwrap();
    assert_eq!(restored.restored, vec!["docs/a.pdf"]);
    assert_eq!(download(f, "docs/a.pdf").await, a);
    assert!(f.bucket.trash().await.unwrap().is_empty());

    let plan = f.bucket.plan_delete(&[Target::Object(key("docs/a.pdf"))]).await.unwrap();
    f.bucket.move_to_trash(plan, "Bob", 1_700_000_500_000, &|_, _| {}).await.unwrap();
    assert_eq!(f.bucket.empty_trash(Some(1_700_000_000_000)).await.unwrap(), 0, "a newer delete is kept");
    assert_eq!(f.bucket.empty_trash(None).await.unwrap(), 1);
    assert!(f.bucket.trash().await.unwrap().is_empty());
    assert_eq!(names(f, "", Depth::Recursive).await, vec!["docs/sub/b.txt"]);
}

pub async fn a_big_document_is_copied_to_the_trash_in_parts(f: &Fixture) {
    let sent = upload(f, "t/big.bin", 12 * MIB, "big.bin").await;
    f.bucket.copy(&key("big.bin"), &key("copy-of-big.bin"), Some(5 * MIB as u64)).await.unwrap();
    assert_eq!(download(f, "copy-of-big.bin").await, sent, "UploadPartCopy in 3 parts is byte-identical");
    assert_eq!(f.unfinished_uploads().await, 0);
}

pub async fn a_crash_in_the_middle_of_a_delete_loses_nothing(f: &Fixture) {
    let mut keys = Vec::new();
    for i in 0..40 {
        upload(f, &format!("t/{i}.txt"), 100 + i, &format!("many/{i:02}.txt")).await;
        keys.push(format!("many/{i:02}.txt"));
    }
    let plan = f.bucket.plan_delete(&[Target::Folder(Prefix::new("many").unwrap())]).await.unwrap();
    let (reached, stop) = tokio::sync::oneshot::channel::<()>();
    let reached = Mutex::new(Some(reached));
    let progress = |done: u64, _| {
        if let Some(tx) = reached.lock().unwrap().take_if(|_| done >= 10) {
            let _ = tx.send(());
        }
    };
    tokio::select! {
        result = f.bucket.move_to_trash(plan, "Alice", 1_700_000_000_000, &progress) => {
            panic!("the delete was meant to be interrupted, but ended: {result:?}")
        }
        _ = stop => {}
    }
    // The next start finishes the move. At least ten copies were made before the crash, so at least
    // ten originals must be gone, each kept in the trash; no document may be lost. Like a real
    // crash, dropping the move leaves the copies already sent to the server in the server's hands:
    // one can land after the finish, as a second copy in the trash of a document that stayed. That
    // is clutter, never a loss, and its timing is the server's, so it is allowed here.
    f.bucket.finish_trash_moves().await.unwrap();
    let left = names(f, "many", Depth::Recursive).await;
    let trashed: Vec<String> = f.bucket.trash().await.unwrap().into_iter().map(|i| i.key).collect();
    let mut moved = 0;
    for key in &keys {
        let (here, there) = (left.contains(key), trashed.contains(key));
        assert!(here || there, "{key} is neither in its place nor in the trash");
        moved += usize::from(there && !here);
    }
    assert!(moved >= 10, "every document copied before the crash is moved ({moved} are)");
}

pub async fn a_replace_keeps_the_previous_version_in_the_trash(f: &Fixture) {
    let first = upload(f, "v/1.txt", 300, "plan.txt").await;
    let queue = queue(f, small_parts());
    queue.set_uploaded_by("Alice Martin");
    let second = f.file("v2/plan.txt", 500);
    let batch = queue_file(&queue, f, &second, OnConflict::Replace).await;
    run_file(&queue, f, batch).await.unwrap();
    assert_eq!(download(f, "plan.txt").await, read(&second));

    let trash = f.bucket.trash().await.unwrap();
    assert_eq!(trash.len(), 1, "{trash:?}");
    assert!(
        trash[0].replaced
            && trash[0].key == "plan.txt"
            && trash[0].size == 300
            && trash[0].deleted_by == "Alice Martin"
    );
    // The current version is in the way until the person removes it; then the old one comes back.
    let restored = f.bucket.restore(&trash[0].batch, &[]).await.unwrap();
    assert_eq!(restored.taken, vec!["plan.txt"]);
    let plan = f.bucket.plan_delete(&[Target::Object(key("plan.txt"))]).await.unwrap();
    f.bucket.delete(plan, &|_, _| {}).await.unwrap();
    assert_eq!(f.bucket.restore(&trash[0].batch, &[]).await.unwrap().restored, vec!["plan.txt"]);
    assert_eq!(download(f, "plan.txt").await, first);
}

/// Waits for `state` to hold, looking again every 100 ms; fails only after a generous cap, so a
/// slow machine is never mistaken for a broken one.
async fn until<F, Fut>(what: &str, mut state: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let cap = std::time::Instant::now() + Duration::from_secs(120);
    while !state().await {
        assert!(std::time::Instant::now() < cap, "still waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn stored(bucket: &Bucket, k: &str) -> Option<Vec<u8>> {
    let target = tempfile::NamedTempFile::new().unwrap();
    bucket.download(&key(k), target.path(), &no_progress, &CancellationToken::new()).await.ok()?;
    Some(std::fs::read(target.path()).unwrap())
}

type Updates = Arc<Mutex<Vec<EditUpdate>>>;

/// An editor for the person `name`, with its own data folder, journal and record of updates.
fn editor(f: &Fixture, name: &str) -> (Arc<Editor>, Updates) {
    let queue = Queue::new(Arc::new(Journal::open(&f.path(&format!("{name}/data"))).unwrap()), small_parts());
    queue.set_uploaded_by(name);
    let updates: Updates = Arc::default();
    let seen = Arc::clone(&updates);
    let editor =
        Editor::new(&f.path(&format!("{name}/data")), Arc::new(queue), Arc::new(move |u| seen.lock().unwrap().push(u)));
    (editor, updates)
}

fn last_state(updates: &Updates) -> Option<EditState> {
    updates.lock().unwrap().last().map(|u| u.status.clone())
}

pub async fn a_document_edited_in_place_goes_back_to_the_bucket(f: &Fixture) {
    upload(f, "v1/plan.txt", 100, "team/plan.txt").await;
    let (alice, updates) = editor(f, "Alice");
    let cached = f.path("Alice/cache/team/plan.txt");
    let opened = alice
        .open(&f.bucket, &key("team/plan.txt"), cached.clone(), false, &no_progress, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(opened, Opened::Editing(cached.clone()));

    // The editor saves in place.
    std::fs::write(&cached, b"saved in place").unwrap();
    until("the save in place to reach the bucket", || async {
        stored(&f.bucket, "team/plan.txt").await.as_deref() == Some(b"saved in place".as_slice())
    })
    .await;
    until("the row to say saved", || async { matches!(last_state(&updates), Some(EditState::Saved { .. })) }).await;

    // Then the way office suites do: a temporary file, lock files beside it, a rename over it.
    std::fs::write(cached.with_file_name(".~lock.plan.txt#"), b"Alice").unwrap();
    let temp = cached.with_file_name("plan.txt.tmp~");
    std::fs::write(&temp, b"saved by rename").unwrap();
    std::fs::rename(&temp, &cached).unwrap();
    until("the renamed save to reach the bucket", || async {
        stored(&f.bucket, "team/plan.txt").await.as_deref() == Some(b"saved by rename".as_slice())
    })
    .await;
    assert_eq!(names(f, "team/", Depth::OneLevel).await, vec!["team/plan.txt"], "lock and temporary files stay local");

    // Each save kept the version it replaced, so every save can be undone.
    let previous: Vec<u64> = f.bucket.trash().await.unwrap().iter().filter(|t| t.replaced).map(|t| t.size).collect();
    assert_eq!(previous.len(), 2, "{previous:?}");
    assert!(previous.contains(&100) && previous.contains(&14));

    alice.done(&f.bucket, &key("team/plan.txt")).await.unwrap();
    assert_eq!(last_state(&updates), Some(EditState::Done));
    assert!(alice.sessions().is_empty() && alice.connections_to_resume().is_empty());
    std::fs::write(&cached, b"after done").unwrap();
    tokio::time::sleep(coffer_engine::SETTLE * 2).await;
    assert_eq!(stored(&f.bucket, "team/plan.txt").await.unwrap(), b"saved by rename", "done means no more uploads");
}

pub async fn a_save_over_a_colleagues_change_becomes_a_conflicted_copy(f: &Fixture) {
    upload(f, "v1/budget.txt", 50, "budget.txt").await;
    let (alice, updates) = editor(f, "Alice");
    let cached = f.path("Alice/cache/budget.txt");
    alice
        .open(&f.bucket, &key("budget.txt"), cached.clone(), false, &no_progress, &CancellationToken::new())
        .await
        .unwrap();
    colleague_puts(f, "budget.txt", b"Bob's numbers").await;

    std::fs::write(&cached, b"Alice's numbers").unwrap();
    until("the conflict to be reported", || async { matches!(last_state(&updates), Some(EditState::Conflict { .. })) })
        .await;
    let Some(EditState::Conflict { copy }) = last_state(&updates) else { unreachable!() };
    let day = chrono_today();
    assert_eq!(copy, format!("budget (conflicted copy, Alice, {day}).txt"));
    assert_eq!(stored(&f.bucket, &copy).await.unwrap(), b"Alice's numbers", "nothing is lost");
    assert_eq!(stored(&f.bucket, "budget.txt").await.unwrap(), b"Bob's numbers", "nothing is overwritten");

    // Later saves go on into the conflicted copy, never over the colleague's version.
    std::fs::write(&cached, b"Alice's numbers, revised").unwrap();
    until("the next save to reach the conflicted copy", || async {
        stored(&f.bucket, &copy).await.as_deref() == Some(b"Alice's numbers, revised".as_slice())
    })
    .await;
    assert_eq!(stored(&f.bucket, "budget.txt").await.unwrap(), b"Bob's numbers");
    alice.done(&f.bucket, &key("budget.txt")).await.unwrap();
}

fn chrono_today() -> String {
    chrono::Local::now().date_naive().format("%Y-%m-%d").to_string()
}

pub async fn a_colleague_sees_the_lock_and_saves_made_while_closed_are_found(f: &Fixture) {
    upload(f, "v1/minutes.txt", 10, "minutes.txt").await;
    let (alice, _) = editor(f, "Alice Martin");
    let cached = f.path("Alice/cache/minutes.txt");
    alice
        .open(&f.bucket, &key("minutes.txt"), cached.clone(), false, &no_progress, &CancellationToken::new())
        .await
        .unwrap();

    // Another engine, on its own client: Bob.
    let bob_bucket = f.variant(|_| {}, None).await;
    let lock = bob_bucket.lock_of(&key("minutes.txt")).await.unwrap().expect("Bob sees Alice's lock");
    assert_eq!(lock.by, "Alice Martin");
    assert!(lock.expires_ms > lock.since_ms);
    let in_folder = bob_bucket.locks(&Prefix::root()).await.unwrap();
    assert_eq!(in_folder.iter().map(|l| l.key.as_str()).collect::<Vec<_>>(), vec!["minutes.txt"]);
    assert!(names(f, "", Depth::OneLevel).await == vec!["minutes.txt"], "locks never show as documents");
    let (bob, _) = editor(f, "Bob");
    let bob_copy = f.path("Bob/cache/minutes.txt");
    let opened = bob
        .open(&bob_bucket, &key("minutes.txt"), bob_copy.clone(), false, &no_progress, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(opened, Opened::Locked(lock.clone()));
    assert!(!bob_copy.exists(), "nothing downloaded until Bob chooses");
    bob.open_read_only(&bob_bucket, &key("minutes.txt"), &bob_copy, &no_progress, &CancellationToken::new())
        .await
        .unwrap();
    assert!(std::fs::metadata(&bob_copy).unwrap().permissions().readonly());

    // Alice quits: her lock goes, her session stays recorded.
    let buckets = HashMap::from([(f.bucket.connection().name.clone(), f.bucket.clone())]);
    alice.quit(&buckets).await;
    assert_eq!(bob_bucket.lock_of(&key("minutes.txt")).await.unwrap(), None);
    drop(alice);

    // She saves while Coffer is closed; the next start finds it and uploads it.
    std::fs::write(&cached, b"written while Coffer was closed").unwrap();
    let (alice, updates) = editor(f, "Alice Martin");
    assert_eq!(alice.connections_to_resume(), vec![f.bucket.connection().name.clone()]);
    alice.resume(&f.bucket).await.unwrap();
    until("the save made while closed to reach the bucket", || async {
        stored(&f.bucket, "minutes.txt").await.as_deref() == Some(b"written while Coffer was closed".as_slice())
    })
    .await;
    until("the row to say saved", || async { matches!(last_state(&updates), Some(EditState::Saved { .. })) }).await;
    until("the lock to be taken again", || async {
        bob_bucket.lock_of(&key("minutes.txt")).await.unwrap().is_some_and(|l| l.by == "Alice Martin")
    })
    .await;
    alice.done(&f.bucket, &key("minutes.txt")).await.unwrap();
    assert_eq!(bob_bucket.lock_of(&key("minutes.txt")).await.unwrap(), None, "done releases the lock");
}

pub async fn the_trash_is_purged_by_a_lifecycle_rule_where_the_server_has_them(f: &Fixture) {
    let purge = f.bucket.purge_trash_by_lifecycle(30).await.unwrap();
    assert_eq!(purge == coffer_engine::Purge::Server, f.has_lifecycle_rules, "{purge:?}");
    if purge == coffer_engine::Purge::App {
        return;
    }
    // An administrator's rule is kept when Coffer's is added, and changing the days replaces ours.
    let admin = aws_sdk_s3::types::LifecycleRule::builder()
        .id("admin-logs")
        .status(aws_sdk_s3::types::ExpirationStatus::Enabled)
        .filter(aws_sdk_s3::types::LifecycleRuleFilter::builder().prefix("logs/").build())
        .expiration(aws_sdk_s3::types::LifecycleExpiration::builder().days(90).build())
        .build()
        .unwrap();
    let rules = f.bucket_rules().await;
    let mut with_admin = rules.clone();
    with_admin.push(admin);
    f.set_bucket_rules(with_admin).await;
    assert_eq!(f.bucket.purge_trash_by_lifecycle(7).await.unwrap(), coffer_engine::Purge::Server);
    let rules = f.bucket_rules().await;
    let ids: Vec<_> =
        rules.iter().map(|r| (r.id.clone().unwrap_or_default(), r.expiration.as_ref().and_then(|e| e.days))).collect();
    assert!(ids.contains(&("admin-logs".to_owned(), Some(90))), "{ids:?}");
    assert!(ids.contains(&(coffer_engine::RULE_ID.to_owned(), Some(7))), "{ids:?}");
    assert_eq!(ids.len(), 2, "{ids:?}");
    let ours = rules.iter().find(|r| r.id.as_deref() == Some(coffer_engine::RULE_ID)).unwrap();
    assert!(
        ours.filter.as_ref().and_then(|flt| flt.prefix.as_deref()).is_some_and(|p| p.ends_with(".coffer-trash/")),
        "{ours:?}"
    );
}

fn folder(p: &str) -> Target {
    Target::Folder(Prefix::new(p).unwrap())
}

fn mover<'a>(journal: &'a Journal, cancel: &'a CancellationToken) -> MoveRun<'a> {
    MoveRun { journal, by: "Alice Martin", progress: &|_, _| {}, cancel }
}

pub async fn documents_and_folders_are_created_renamed_moved_and_copied_on_the_server(f: &Fixture) {
    let journal = Journal::open(&f.path("data")).unwrap();
    let cancel = CancellationToken::new();
    let run = mover(&journal, &cancel);
    let b = &f.bucket;

    // A new folder shows at once, empty; a second of the same name is refused.
    let made = b.create_folder(&Prefix::root(), "Projects").await.unwrap();
    assert_eq!(made.as_str(), "Projects/");
    assert_eq!(names(f, "", Depth::OneLevel).await, vec!["Projects/"]);
    assert!(names(f, "Projects", Depth::OneLevel).await.is_empty());
    let again = b.create_folder(&Prefix::root(), "Projects").await.unwrap_err();
    assert_eq!(again.kind(), ErrorKind::AlreadyExists);
    assert_eq!(b.create_folder(&Prefix::root(), "a/b").await.unwrap_err().kind(), ErrorKind::InvalidInput);

    let a = upload(f, "t/a.pdf", 1000, "docs/a.pdf").await;
    let sub = upload(f, "t/b.txt", 10, "docs/sub/b.txt").await;

    // Rename a document: same bytes, same type, nothing left at the old name.
    let plan = b.plan_rename(&Target::Object(key("docs/a.pdf")), "A final.pdf").await.unwrap();
    assert_eq!((plan.summary.objects, plan.summary.bytes), (1, 1000));
    let moved = b.move_or_copy(plan, OnConflict::Refuse, &run).await.unwrap();
    assert_eq!(moved.done, vec!["docs/A final.pdf"]);
    assert_eq!(download(f, "docs/A final.pdf").await, a);
    assert_eq!(b.stat(&key("docs/A final.pdf")).await.unwrap().content_type.as_deref(), Some("application/pdf"));
    assert_eq!(names(f, "docs", Depth::Recursive).await, vec!["docs/A final.pdf", "docs/sub/b.txt"]);

    // Rename a folder: everything under it moves.
    let plan = b.plan_rename(&folder("docs"), "papers").await.unwrap();
    b.move_or_copy(plan, OnConflict::Refuse, &run).await.unwrap();
    assert_eq!(names(f, "", Depth::Recursive).await, vec!["papers/A final.pdf", "papers/sub/b.txt"]);

    // Move a folder into another; a folder cannot go into itself, nor a document where it is.
    let plan = b.plan_move(&[folder("papers/sub")], &Prefix::new("Projects").unwrap(), MoveKind::Move).await.unwrap();
    b.move_or_copy(plan, OnConflict::Refuse, &run).await.unwrap();
    assert_eq!(download(f, "Projects/sub/b.txt").await, sub);
    let into_itself = b.plan_move(&[folder("Projects")], &Prefix::new("Projects/sub").unwrap(), MoveKind::Move).await;
    assert_eq!(into_itself.unwrap_err().kind(), ErrorKind::InvalidInput);
    let same_place = b
        .plan_move(&[Target::Object(key("papers/A final.pdf"))], &Prefix::new("papers").unwrap(), MoveKind::Move)
        .await;
    assert_eq!(same_place.unwrap_err().kind(), ErrorKind::InvalidInput);

    // Copy: the original stays; a copy into its own folder is numbered.
    let pdf = [Target::Object(key("papers/A final.pdf"))];
    let plan = b.plan_move(&pdf, &Prefix::new("Projects").unwrap(), MoveKind::Copy).await.unwrap();
    b.move_or_copy(plan, OnConflict::Refuse, &run).await.unwrap();
    let plan = b.plan_move(&pdf, &Prefix::new("papers").unwrap(), MoveKind::Copy).await.unwrap();
    assert_eq!(b.move_or_copy(plan, OnConflict::Refuse, &run).await.unwrap().done, vec!["papers/A final (1).pdf"]);
    assert_eq!(
        names(f, "", Depth::Recursive).await,
        vec!["Projects/A final.pdf", "Projects/sub/b.txt", "papers/A final (1).pdf", "papers/A final.pdf"]
    );
    assert_eq!(download(f, "papers/A final (1).pdf").await, a);

    // A taken name is asked about: refused (nothing written), skipped, kept beside, or replaced
    // with the replaced version kept in the trash.
    let other = upload(f, "t/other.pdf", 77, "inbox/A final.pdf").await;
    let inbox = [Target::Object(key("inbox/A final.pdf"))];
    let plan = b.plan_move(&inbox, &Prefix::new("papers").unwrap(), MoveKind::Move).await.unwrap();
    assert_eq!(plan.summary.conflicts, vec!["papers/A final.pdf"]);
    let refused = b.move_or_copy(plan.clone(), OnConflict::Refuse, &run).await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::AlreadyExists);
    let skipped = b.move_or_copy(plan.clone(), OnConflict::Skip, &run).await.unwrap();
    assert_eq!((skipped.skipped, skipped.done.len()), (1, 0));
    assert_eq!(download(f, "inbox/A final.pdf").await, other, "a skipped document stays where it was");
    let kept = b.move_or_copy(plan, OnConflict::KeepBoth, &run).await.unwrap();
    assert_eq!(kept.done, vec!["papers/A final (2).pdf"]);
    assert_eq!(download(f, "papers/A final (2).pdf").await, other);
    assert_eq!(download(f, "papers/A final.pdf").await, a);

    let projects = Prefix::new("Projects").unwrap();
    let plan = b.plan_move(&[folder("papers")], &projects, MoveKind::Copy).await.unwrap();
    assert_eq!(b.move_or_copy(plan, OnConflict::Refuse, &run).await.unwrap().done.len(), 3);
    let plan = b.plan_move(&[folder("papers")], &projects, MoveKind::Copy).await.unwrap();
    assert_eq!(plan.summary.conflicts.len(), 3);
    let replaced = b.move_or_copy(plan, OnConflict::Replace, &run).await.unwrap();
    assert_eq!(replaced.done.len(), 3);
    let trash = b.trash().await.unwrap();
    assert_eq!(trash.len(), 3);
    assert!(trash.iter().all(|i| i.replaced), "nothing was deleted, only replaced: {trash:?}");

    // A folder whose name is taken is kept beside as "name (1)", with everything in it.
    let plan = b.plan_move(&[folder("Projects/papers")], &Prefix::root(), MoveKind::Move).await.unwrap();
    assert_eq!(plan.summary.conflicts.len(), 3);
    let moved = b.move_or_copy(plan, OnConflict::KeepBoth, &run).await.unwrap();
    assert!(moved.done.iter().all(|k| k.starts_with("papers (1)/")), "{:?}", moved.done);
    assert!(names(f, "Projects", Depth::OneLevel).await.iter().all(|n| n != "papers/"));
    assert_eq!(journal.unfinished_moves().unwrap(), 0, "a finished move leaves nothing in the journal");
}

pub async fn a_crash_in_the_middle_of_a_move_loses_nothing(f: &Fixture) {
    let mut keys = Vec::new();
    for i in 0..40 {
        upload(f, &format!("t/{i}.txt"), 100 + i, &format!("many/{i:02}.txt")).await;
        keys.push(format!("{i:02}.txt"));
    }
    let plan = f.bucket.plan_rename(&folder("many"), "archive").await.unwrap();
    let (reached, stop) = tokio::sync::oneshot::channel::<()>();
    let reached = Mutex::new(Some(reached));
    let progress = |done: u64, _| {
        if let Some(tx) = reached.lock().unwrap().take_if(|_| done >= 10) {
            let _ = tx.send(());
        }
    };
    {
        let journal = Journal::open(&f.path("data")).unwrap();
        let cancel = CancellationToken::new();
        let run = MoveRun { journal: &journal, by: "Alice", progress: &progress, cancel: &cancel };
        tokio::select! {
            result = f.bucket.move_or_copy(plan, OnConflict::Refuse, &run) => {
                panic!("the move was meant to be interrupted, but ended: {result:?}")
            }
            _ = stop => {}
        }
        // The process "dies" here: its journal is dropped with the move unfinished.
    }
    let copied = names(f, "archive", Depth::Recursive).await.len();
    assert!(copied >= 10 && names(f, "many", Depth::Recursive).await.len() == 40, "copied first, nothing deleted yet");

    let journal = Journal::open(&f.path("data")).unwrap();
    assert_eq!(journal.unfinished_moves().unwrap(), 1);
    let cancel = CancellationToken::new();
    let resumed = f.bucket.resume_moves(&mover(&journal, &cancel)).await.unwrap();
    assert!(resumed.failed.is_empty(), "{:?}", resumed.failed);
    assert!(names(f, "many", Depth::Recursive).await.is_empty(), "every original went once copied");
    let archive = names(f, "archive", Depth::Recursive).await;
    assert_eq!(archive, keys.iter().map(|k| format!("archive/{k}")).collect::<Vec<_>>());
    assert_eq!(journal.unfinished_moves().unwrap(), 0);
}

pub async fn a_cancelled_move_leaves_each_document_in_one_place(f: &Fixture) {
    for i in 0..30 {
        upload(f, &format!("t/{i}.txt"), 50, &format!("src/{i:02}.txt")).await;
    }
    let journal = Journal::open(&f.path("data")).unwrap();
    let cancel = CancellationToken::new();
    let progress = |done: u64, _| {
        if done >= 5 {
            cancel.cancel();
        }
    };
    let run = MoveRun { journal: &journal, by: "Alice", progress: &progress, cancel: &cancel };
    let plan = f.bucket.plan_move(&[folder("src")], &Prefix::new("dst").unwrap(), MoveKind::Move).await.unwrap();
    let moved = f.bucket.move_or_copy(plan, OnConflict::Refuse, &run).await.unwrap();
    assert!(moved.cancelled);
    let (left, there) = (names(f, "src", Depth::Recursive).await, names(f, "dst/src", Depth::Recursive).await);
    assert_eq!(left.len() + there.len(), 30, "each document in exactly one place: {left:?} {there:?}");
    assert!(!there.is_empty() && !left.is_empty(), "stopped part-way ({} moved)", there.len());
    assert_eq!(there.len(), moved.done.len());
    assert_eq!(journal.unfinished_moves().unwrap(), 0);
}

pub async fn the_search_index_finds_documents_anywhere_in_the_bucket(f: &Fixture) {
    for (local, len, k) in [
        ("s1.pdf", 10, "reports/2026/Annual Report.pdf"),
        ("s2.xlsx", 20, "reports/2026/budget.xlsx"),
        ("s3.txt", 30, "reports/notes.txt"),
        ("s4.jpg", 40, "photos/holiday/beach.jpg"),
        ("s5.docx", 50, "top-report.docx"),
    ] {
        upload(f, local, len, k).await;
    }
    let index = SearchIndex::open(&f.path("index-data"), "case").unwrap();
    let progress = AtomicU64::new(0);
    let built = index.build(&f.bucket, &|n| progress.store(n, Ordering::Relaxed)).await.unwrap();
    assert_eq!((built, progress.load(Ordering::Relaxed)), (5, 5), "every document, with progress");
    let search = |query: SearchQuery| {
        let page = index.search(&query, 50, 0).unwrap();
        assert!(page.complete, "the build finished");
        page.hits.into_iter().map(|h| h.key).collect::<Vec<_>>()
    };
    let text = |t: &str| SearchQuery { text: t.to_owned(), ..SearchQuery::default() };
    assert_eq!(
        search(text("REPORT")),
        vec!["reports/2026/Annual Report.pdf", "top-report.docx"],
        "names at any depth, in any case; not folder names"
    );
    assert_eq!(
        search(SearchQuery { kind: Some(DocumentKind::Spreadsheet), ..SearchQuery::default() }),
        vec!["reports/2026/budget.xlsx"]
    );
    assert_eq!(
        search(SearchQuery { folder: Some("reports".into()), ..SearchQuery::default() }),
        vec!["reports/2026/Annual Report.pdf", "reports/2026/budget.xlsx", "reports/notes.txt",]
    );
    let hit = index.search(&text("beach"), 1, 0).unwrap().hits.remove(0);
    assert_eq!((hit.size, hit.kind, hit.folder.as_str()), (40, DocumentKind::Image, "photos/holiday/"));
    assert!(hit.last_modified_ms.is_some());
    assert_eq!(!hit.etag.is_empty(), f.lists_etags);
    assert_eq!(index.state().unwrap().documents, 5);

    // Deleted through the engine, then the folder's next listing brings the index up to date.
    let plan = f.bucket.plan_delete(&[Target::Object(key("reports/2026/budget.xlsx"))]).await.unwrap();
    f.bucket.delete(plan, &|_, _| {}).await.unwrap();
    let folder = Prefix::new("reports/2026").unwrap();
    index.replace_folder(&folder, &f.bucket.list(&folder, Depth::OneLevel).await.unwrap()).unwrap();
    assert!(search(text("budget")).is_empty(), "the deleted document is gone");
    assert_eq!(search(text("annual")), vec!["reports/2026/Annual Report.pdf"], "its neighbour stays");

    // A whole folder deleted: the listing of the folder above no longer shows it.
    let plan = f.bucket.plan_delete(&[Target::Folder(Prefix::new("photos").unwrap())]).await.unwrap();
    f.bucket.delete(plan, &|_, _| {}).await.unwrap();
    index.replace_folder(&Prefix::root(), &f.bucket.list(&Prefix::root(), Depth::OneLevel).await.unwrap()).unwrap();
    assert!(search(text("beach")).is_empty());
    assert_eq!(index.state().unwrap().documents, 3);

    // A rebuild agrees with what the updates made of the index.
    assert_eq!(index.build(&f.bucket, &|_| {}).await.unwrap(), 3);
    assert_eq!(
        search(SearchQuery::default()),
        vec!["reports/2026/Annual Report.pdf", "reports/notes.txt", "top-report.docx"]
    );
}

pub async fn the_index_build_waits_while_a_folder_is_browsed(f: &Fixture) {
    for i in 0..3 {
        upload(f, &format!("b{i}.txt"), 10, &format!("docs/{i}.txt")).await;
    }
    let index = SearchIndex::open(&f.path("index-data"), "case").unwrap();
    let progress = AtomicU64::new(0);
    let browsing = f.bucket.browse();
    let report = |n| progress.store(n, Ordering::Relaxed);
    let build = index.build(&f.bucket, &report);
    let browse = async {
        while !f.bucket.background_paused() {
            assert_eq!(
                progress.load(Ordering::Relaxed),
                0,
                "nothing is listed for the index while a folder is browsed"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(progress.load(Ordering::Relaxed), 0, "the build paused before its first page");
        drop(browsing);
    };
    let (built, ()) = tokio::join!(build, browse);
    assert_eq!(built.unwrap(), 3, "the build goes on once browsing ends");
    assert!(!f.bucket.background_paused());

    // A one-level listing is browsing too, and it is never held up by itself.
    let _again = f.bucket.browse();
    assert_eq!(f.bucket.list(&Prefix::new("docs").unwrap(), Depth::OneLevel).await.unwrap().len(), 3);
}

pub async fn the_index_follows_coffers_own_uploads_moves_and_deletes(f: &Fixture) {
    let index = Arc::new(SearchIndex::open(&f.path("index-data"), "own").unwrap());
    let mut bucket = f.bucket.clone();
    bucket.attach_index(Arc::clone(&index));
    let found = |text: &str| {
        let query = SearchQuery { text: text.to_owned(), ..SearchQuery::default() };
        index.search(&query, 50, 0).unwrap().hits.into_iter().map(|h| h.key).collect::<Vec<_>>()
    };
    // No build at all: what Coffer itself does is indexed as it happens.
    store(f, &bucket, &f.file("o/plan.pdf", 100), "drafts/plan.pdf").await.unwrap();
    store(f, &bucket, &f.file("o/memo.txt", 10), "drafts/memo.txt").await.unwrap();
    assert_eq!(found("plan"), vec!["drafts/plan.pdf"]);

    let journal = Journal::open(&f.path("data")).unwrap();
    let cancel = CancellationToken::new();
    let plan = bucket.plan_rename(&folder("drafts"), "final").await.unwrap();
    bucket.move_or_copy(plan, OnConflict::Refuse, &mover(&journal, &cancel)).await.unwrap();
    assert_eq!(found("plan"), vec!["final/plan.pdf"], "moved, and no longer at the old place");

    let plan = bucket.plan_delete(&[Target::Object(key("final/memo.txt"))]).await.unwrap();
    bucket.delete(plan, &|_, _| {}).await.unwrap();
    assert!(found("memo").is_empty(), "deleted");

    // A colleague's document appears once its folder is listed (the live view lists it).
    colleague_puts(f, "final/budget.xlsx", b"numbers").await;
    bucket.list(&Prefix::new("final").unwrap(), Depth::OneLevel).await.unwrap();
    until("the listing reaches the index", || {
        let hits = found("budget");
        async move { hits == vec!["final/budget.xlsx"] }
    })
    .await;
}

pub async fn a_preview_reads_ranges_and_the_details_name_a_checksum(f: &Fixture) {
    use md5::Digest;
    let sent = upload(f, "p/report.pdf", 100_000, "p/report.pdf").await;
    let k = key("p/report.pdf");
    assert_eq!(f.bucket.read_range(&k, 0, 10).await.unwrap(), sent[..10]);
    assert_eq!(f.bucket.read_range(&k, 50_000, 1_000).await.unwrap(), sent[50_000..51_000]);
    assert_eq!(f.bucket.read_range(&k, 99_990, 1_000).await.unwrap(), sent[99_990..], "fewer at the end");
    assert!(f.bucket.read_range(&k, 100_000, 10).await.unwrap().is_empty(), "nothing past the end");
    assert!(f.bucket.read_range(&k, 0, 0).await.unwrap().is_empty());
    let missing = f.bucket.read_range(&key("p/none.pdf"), 0, 10).await.unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);

    let info = f.bucket.stat(&k).await.unwrap();
    let md5: String = md5::Md5::digest(&sent).iter().map(|b| format!("{b:02x}")).collect();
    // Whichever the server keeps, it is the content's: a stored CRC32C, or the ETag of a
    // single-part upload, which is its MD5.
    let crc32c = {
        use base64::Engine;
        format!("CRC32C {}", base64::engine::general_purpose::STANDARD.encode(crc32c::crc32c(&sent).to_be_bytes()))
    };
    let checksum = info.checksum.expect("the details name a checksum");
    assert!(checksum == format!("MD5 {md5}") || checksum == crc32c, "{checksum} is {crc32c} or MD5 {md5}");
    assert_eq!(info.content_type.as_deref(), Some("application/pdf"));
}

pub async fn a_resumed_move_never_takes_a_colleagues_document_for_its_copy(f: &Fixture) {
    // The destination holds different documents of the very same sizes, to be replaced.
    let mut originals = Vec::new();
    for i in 0..20u8 {
        let path = f.path(&format!("src/{i}.txt"));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, vec![b'a' + i; 100]).unwrap();
        store(f, &f.bucket, &path, &format!("src/{i:02}.txt")).await.unwrap();
        colleague_puts(f, &format!("dst/src/{i:02}.txt"), &[b'Z'; 100]).await;
        originals.push(vec![b'a' + i; 100]);
    }
    let plan = f.bucket.plan_move(&[folder("src")], &Prefix::new("dst").unwrap(), MoveKind::Move).await.unwrap();
    assert_eq!(plan.summary.conflicts.len(), 20);
    let (reached, stop) = tokio::sync::oneshot::channel::<()>();
    let reached = Mutex::new(Some(reached));
    let progress = |done: u64, _| {
        if let Some(tx) = reached.lock().unwrap().take_if(|_| done >= 3) {
            let _ = tx.send(());
        }
    };
    {
        let journal = Journal::open(&f.path("data")).unwrap();
        let cancel = CancellationToken::new();
        let run = MoveRun { journal: &journal, by: "Alice", progress: &progress, cancel: &cancel };
        tokio::select! {
            result = f.bucket.move_or_copy(plan, OnConflict::Replace, &run) => panic!("meant to be interrupted: {result:?}"),
            _ = stop => {}
        }
    }
    let journal = Journal::open(&f.path("data")).unwrap();
    let cancel = CancellationToken::new();
    f.bucket.resume_moves(&mover(&journal, &cancel)).await.unwrap();
    for (i, original) in originals.iter().enumerate() {
        let k = format!("dst/src/{i:02}.txt");
        let here = stored(&f.bucket, &format!("src/{i:02}.txt")).await;
        let there = stored(&f.bucket, &k).await;
        assert!(
            here.as_ref() == Some(original) || there.as_ref() == Some(original),
            "{k}: the original is kept somewhere (here {here:?}, there {there:?})"
        );
    }
    assert!(names(f, "src", Depth::Recursive).await.is_empty(), "and every original was moved");
}

pub async fn two_documents_never_go_to_one_name_and_empty_folders_merge(f: &Fixture) {
    upload(f, "d/a.pdf", 10, "a/scan.pdf").await;
    upload(f, "d/b.pdf", 10, "b/scan.pdf").await;
    let both = [Target::Object(key("a/scan.pdf")), Target::Object(key("b/scan.pdf"))];
    let clash = f.bucket.plan_move(&both, &Prefix::new("archive").unwrap(), MoveKind::Move).await.unwrap_err();
    assert_eq!(clash.kind(), ErrorKind::InvalidInput, "{clash}");

    // Folders Coffer made on both sides: the hidden placeholders are no conflict, and the moved
    // folder does not stay behind as an empty one.
    f.bucket.create_folder(&Prefix::root(), "Reports").await.unwrap();
    f.bucket.create_folder(&Prefix::root(), "dst").await.unwrap();
    f.bucket.create_folder(&Prefix::new("dst").unwrap(), "Reports").await.unwrap();
    upload(f, "d/r.pdf", 10, "Reports/r.pdf").await;
    let plan = f.bucket.plan_move(&[folder("Reports")], &Prefix::new("dst").unwrap(), MoveKind::Move).await.unwrap();
    assert!(plan.summary.conflicts.is_empty(), "{:?}", plan.summary.conflicts);
    let journal = Journal::open(&f.path("data")).unwrap();
    let cancel = CancellationToken::new();
    let moved = f.bucket.move_or_copy(plan, OnConflict::Refuse, &mover(&journal, &cancel)).await.unwrap();
    assert_eq!(moved.done, vec!["dst/Reports/r.pdf"]);
    assert!(!f.bucket.folder_exists(&Prefix::new("Reports").unwrap()).await.unwrap(), "nothing left behind");
}

pub async fn downloads_are_checked_against_the_stored_checksum(f: &Fixture) {
    for (name, len) in [("small.txt", 1000), ("empty.txt", 0), ("parts.bin", 12 * MIB + 7)] {
        let sent = upload(f, name, len, &format!("checked/{name}")).await;
        let target = f.path(&format!("checked-{name}"));
        let done =
            f.bucket.download(&key(&format!("checked/{name}")), &target, &no_progress, &CancellationToken::new()).await;
        let done = done.unwrap_or_else(|e| panic!("downloading {name}: {e}"));
        assert_eq!(read(&target), sent);
        // Coffer's uploads carry a CRC32C that both servers keep, so the check costs next to no CPU;
        // a multipart object's is of its parts' CRC32Cs, which needs the part size.
        let whole = !done.etag.contains('-');
        let expected = (whole || f.tells_part_sizes).then_some(Checksum::Crc32c);
        assert_eq!(done.checked_with, expected, "{name} ({}) is checked where it can be", done.etag);
    }
}

/// Every file under `dir`, relative with `/`, sorted.
fn local_files(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push(path.strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/"));
            }
        }
    }
    found.sort();
    found
}

pub async fn many_documents_and_folders_download_into_a_folder(f: &Fixture) {
    let b = &f.bucket;
    let q1 = upload(f, "q1.pdf", 3000, "reports/q1.pdf").await;
    let annual = upload(f, "annual.pdf", 5000, "reports/2025/annual.pdf").await;
    let big = upload(f, "big.bin", 12 * MIB + 7, "reports/big.bin").await;
    let letter = upload(f, "letter.txt", 100, "letter.txt").await;
    b.create_folder(&Prefix::new("reports").unwrap(), "empty").await.unwrap();
    let targets = [Target::Folder(Prefix::new("reports").unwrap()), Target::Object(key("letter.txt"))];
    let into = f.path("Downloads");
    std::fs::create_dir_all(&into).unwrap();

    // Counted first: Coffer's own placeholder is no document.
    let plan = b.plan_download(&targets, &into).await.unwrap();
    assert_eq!((plan.summary.files, plan.summary.bytes), (4, (3000 + 5000 + 12 * MIB + 7 + 100) as u64));
    assert_eq!(plan.summary.conflicts_total, 0);
    let steps = Mutex::new(Vec::new());
    let report = b
        .download_planned(&plan, OnConflict::Refuse, &|p| steps.lock().unwrap().push(p), &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!((report.done, report.failed.len(), report.cancelled), (4, 0, false), "{report:?}");
    assert_eq!(report.verified, if f.tells_part_sizes { 4 } else { 3 }, "each is checked where it can be");
    assert_eq!(
        local_files(&into),
        ["letter.txt", "reports/2025/annual.pdf", "reports/big.bin", "reports/q1.pdf"],
        "folders keep their structure and no temporary file is left"
    );
    assert_eq!(read(&into.join("reports/big.bin")), big);
    assert_eq!(read(&into.join("reports/2025/annual.pdf")), annual);
    assert_eq!(read(&into.join("reports/q1.pdf")), q1);
    let last = *steps.lock().unwrap().last().unwrap();
    assert_eq!((last.files_done, last.files_total, last.bytes_done), (4, 4, plan.summary.bytes), "progress ends full");

    // Local names that exist are asked about: refused (the default), skipped, kept both, replaced.
    std::fs::write(into.join("letter.txt"), b"my own notes").unwrap();
    let plan = b.plan_download(&targets[1..], &into).await.unwrap();
    assert_eq!(plan.summary.conflicts, ["letter.txt"]);
    let refused = b.download_planned(&plan, OnConflict::Refuse, &|_| {}, &CancellationToken::new()).await.unwrap();
    assert_eq!(refused.failed.len(), 1);
    assert_eq!(refused.failed[0].error.code(), coffer_engine::ErrorCode::LocalExists);
    let skipped = b.download_planned(&plan, OnConflict::Skip, &|_| {}, &CancellationToken::new()).await.unwrap();
    assert_eq!((skipped.skipped, skipped.done), (1, 0));
    assert_eq!(read(&into.join("letter.txt")), b"my own notes", "nothing local is replaced unasked");
    let both = b.download_planned(&plan, OnConflict::KeepBoth, &|_| {}, &CancellationToken::new()).await.unwrap();
    assert_eq!((both.done, both.renamed), (1, 1));
    assert_eq!(read(&into.join("letter (1).txt")), letter);
    assert_eq!(read(&into.join("letter.txt")), b"my own notes");
    let replaced = b.download_planned(&plan, OnConflict::Replace, &|_| {}, &CancellationToken::new()).await.unwrap();
    assert_eq!(replaced.done, 1);
    assert_eq!(read(&into.join("letter.txt")), letter);

    // Cancelled once bytes flow: every file is either whole or absent, and nothing half-written stays.
    let again = f.path("Again");
    let plan = b.plan_download(&targets, &again).await.unwrap();
    let cancel = CancellationToken::new();
    let stop = |p: Progress| {
        if p.bytes_done > 0 {
            cancel.cancel();
        }
    };
    let report = b.download_planned(&plan, OnConflict::Refuse, &stop, &cancel).await.unwrap();
    assert!(report.cancelled, "{report:?}");
    assert!(report.done < 4);
    for name in local_files(&again) {
        assert!(!name.contains(".coffer-download-"), "no partial download is left: {name}");
        let whole = read(&again.join(&name));
        let stored = download(f, &name).await;
        assert_eq!(whole, stored, "{name} is whole");
    }

    let whole = b.plan_download(&[Target::Folder(Prefix::root())], &into).await.unwrap_err();
    assert_eq!(whole.code(), coffer_engine::ErrorCode::WholeBucketDownload);
}

pub async fn a_document_changed_after_the_count_stays_out_of_the_trash(f: &Fixture) {
    let a = upload(f, "c/a.txt", 100, "keep/a.txt").await;
    upload(f, "c/b.txt", 200, "keep/b.txt").await;
    let plan = f.bucket.plan_delete(&[Target::Folder(Prefix::new("keep").unwrap())]).await.unwrap();
    // A colleague saves a new b.txt after the person confirmed the delete (a new size too, for
    // servers whose listings carry no ETags).
    let newer = upload(f, "c/b2.txt", 300, "keep/b.txt").await;
    let trashed = f.bucket.move_to_trash(plan, "Alice", 1_700_000_000_000, &|_, _| {}).await.unwrap();
    assert_eq!(trashed.deleted.deleted, vec!["keep/a.txt"]);
    let failed: Vec<(&str, coffer_engine::ErrorCode)> =
        trashed.deleted.failed.iter().map(|f| (f.key.as_str(), f.error.code())).collect();
    assert_eq!(failed, vec![("keep/b.txt", coffer_engine::ErrorCode::ChangedWhileMoving)]);
    assert_eq!(download(f, "keep/b.txt").await, newer, "the colleague's version stays where it is");
    // (The replaced b.txt is in the trash too, as its own batch: the upload kept it.)
    let trash = f.bucket.trash().await.unwrap();
    let batch: Vec<&str> = trash.iter().filter(|i| i.batch == trashed.batch).map(|i| i.key.as_str()).collect();
    assert_eq!(batch, vec!["keep/a.txt"], "the delete's batch holds only what was deleted");
    let restored = f.bucket.restore(&trashed.batch, &[]).await.unwrap();
    assert_eq!(restored.restored, vec!["keep/a.txt"]);
    assert_eq!(download(f, "keep/a.txt").await, a);
}
