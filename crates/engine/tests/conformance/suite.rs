//! The cases. Each takes a fresh, empty bucket and asserts engine behaviour through the public API.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use std::collections::HashMap;

use coffer_engine::{
    AccessKey, CancellationToken, ConflictChoice, Depth, Entry, ErrorKind, FileOutcome, Journal, ObjectKey, Prefix,
    Progress, Queue, Target, TransferState, TransferUpdate, Transfers, UploadOptions, content_type,
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

/// Transfers over a journal of their own in the case's temporary folder.
fn transfers(f: &Fixture, options: UploadOptions) -> Transfers {
    Transfers::new(Arc::new(Queue::new(Arc::new(Journal::open(&f.path("data")).unwrap()), options)))
}

fn key(k: &str) -> ObjectKey {
    ObjectKey::new(k).expect("a valid key")
}

fn no_progress(_: Progress) {}

async fn upload(f: &Fixture, local: &str, len: usize, k: &str) -> Vec<u8> {
    let path = f.file(local, len);
    let done = f
        .bucket
        .upload_file(&path, &key(k), &small_parts(), &no_progress, &CancellationToken::new())
        .await
        .unwrap_or_else(|e| panic!("uploading {k}: {e}"));
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
    let progress = Mutex::new(Vec::new());
    let path = f.file("big.bin", 12 * MIB + 7);
    f.bucket
        .upload_file(
            &path,
            &key("big.bin"),
            &small_parts(),
            &|p| progress.lock().unwrap().push(p),
            &CancellationToken::new(),
        )
        .await
        .expect("a three-part upload works");
    let progress = progress.into_inner().unwrap();
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
    for name in cases {
        let path = f.file(name, 64);
        std::fs::File::options().write(true).open(&path).unwrap().set_modified(mtime).unwrap();
        f.bucket.upload_file(&path, &key(name), &small_parts(), &no_progress, &CancellationToken::new()).await.unwrap();
        let info = f.bucket.stat(&key(name)).await.expect("the object exists");
        assert_eq!(info.content_type.as_deref(), Some(content_type(&path).as_str()), "{name} keeps its Content-Type");
        assert_eq!(info.file_modified(), Some(mtime), "{name} keeps the file's mtime in x-amz-meta-mtime");
        assert_eq!(info.size, 64);
    }
    // Multipart uploads carry the same metadata.
    let path = f.file("large.pdf", 6 * MIB);
    std::fs::File::options().write(true).open(&path).unwrap().set_modified(mtime).unwrap();
    f.bucket
        .upload_file(&path, &key("large.pdf"), &small_parts(), &no_progress, &CancellationToken::new())
        .await
        .unwrap();
    let info = f.bucket.stat(&key("large.pdf")).await.unwrap();
    assert_eq!(info.content_type.as_deref(), Some("application/pdf"));
    assert_eq!(info.file_modified(), Some(mtime));
    let err = f.bucket.stat(&key("absent.pdf")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
}

pub async fn folder_upload_keeps_relative_paths(f: &Fixture) {
    let files = ["Team Docs/a.txt", "Team Docs/sub/b.pdf", "Team Docs/sub/deeper/ç.docx", "Team Docs/big.bin"];
    for (i, rel) in files.iter().enumerate() {
        f.file(rel, if rel.ends_with("big.bin") { 6 * MIB } else { 1000 * (i + 1) });
    }
    let progress = Mutex::new(Vec::new());
    let report = f
        .bucket
        .upload_folder(
            &f.path("Team Docs"),
            &Prefix::new("inbox").unwrap(),
            &small_parts(),
            &|p| progress.lock().unwrap().push(p),
            &CancellationToken::new(),
        )
        .await
        .expect("the folder uploads");
    assert!(report.failed.is_empty(), "nothing failed: {:?}", report.failed);
    let keys: Vec<&str> = report.uploaded.iter().map(|u| u.key.as_str()).collect();
    assert_eq!(
        keys,
        vec![
            "inbox/Team Docs/a.txt",
            "inbox/Team Docs/big.bin",
            "inbox/Team Docs/sub/b.pdf",
            "inbox/Team Docs/sub/deeper/ç.docx"
        ]
    );
    let last = *progress.lock().unwrap().last().unwrap();
    let total: u64 = files.iter().map(|r| std::fs::metadata(f.path(r)).unwrap().len()).sum();
    assert_eq!(
        last,
        Progress { bytes_done: total, bytes_total: total, files_done: 4, files_total: 4, retrying: 0 },
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
    let report = f
        .bucket
        .upload_folder(&f.path("many"), &Prefix::root(), &small_parts(), &no_progress, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!((report.uploaded.len(), report.failed.len()), (1005, 0));
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
    f.bucket.delete(&key("one.txt")).await.expect("deleting one object works");
    let done = std::sync::atomic::AtomicU64::new(0);
    let report = f
        .bucket
        .delete_many(&[key("two.txt"), key("three.txt")], &|d, _| done.store(d, std::sync::atomic::Ordering::Relaxed))
        .await
        .unwrap();
    assert_eq!(report.deleted, vec!["two.txt", "three.txt"]);
    assert!(report.failed.is_empty());
    assert_eq!(done.into_inner(), 2, "progress counts every key");
    let report = f.bucket.delete_folder(&Prefix::new("old").unwrap(), &|_, _| {}).await.unwrap();
    let mut deleted = report.deleted.clone();
    deleted.sort();
    assert_eq!(
        deleted,
        vec!["old/a.txt", "old/b/c.txt", "old/b/d.txt"],
        "everything under the folder, nothing beside it"
    );
    assert_eq!(names(f, "", Depth::Recursive).await, vec!["keep.txt", "older.txt"]);
    let err = f.bucket.delete_folder(&Prefix::root(), &|_, _| {}).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "the whole bucket is never deleted by accident");
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
    let err = f
        .bucket
        .upload_file(
            &path,
            &key("cancel.bin"),
            &options,
            &|p| {
                if p.bytes_done > 0 {
                    cancel.cancel();
                }
            },
            &cancel,
        )
        .await
        .expect_err("the upload was cancelled after its first part");
    assert_eq!(err.kind(), ErrorKind::Cancelled, "{err}");
    assert_eq!(f.unfinished_uploads().await, 0, "cancelling aborts the multipart upload");
    assert_eq!(f.bucket.stat(&key("cancel.bin")).await.unwrap_err().kind(), ErrorKind::NotFound, "nothing was stored");

    // Cancelled before it starts: nothing is sent at all.
    let small = f.file("small.txt", 10);
    let cancelled = CancellationToken::new();
    cancelled.cancel();
    let err = f.bucket.upload_file(&small, &key("small.txt"), &options, &no_progress, &cancelled).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cancelled);
    assert_eq!(f.bucket.stat(&key("small.txt")).await.unwrap_err().kind(), ErrorKind::NotFound);
}

pub async fn file_changing_during_upload_is_refused(f: &Fixture) {
    let path = f.file("growing.log", 11 * MIB);
    let options = UploadOptions { parts_in_flight: 1, ..small_parts() };
    let appended = std::sync::atomic::AtomicBool::new(false);
    let err = f
        .bucket
        .upload_file(
            &path,
            &key("growing.log"),
            &options,
            &|p| {
                if p.bytes_done > 0 && !appended.swap(true, std::sync::atomic::Ordering::SeqCst) {
                    use std::io::Write;
                    let mut file = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
                    file.write_all(b"one more line\n").unwrap();
                }
            },
            &CancellationToken::new(),
        )
        .await
        .expect_err("a file appended to during its upload is not stored");
    assert_eq!(err.kind(), ErrorKind::Io, "{err}");
    assert_eq!(
        f.bucket.stat(&key("growing.log")).await.unwrap_err().kind(),
        ErrorKind::NotFound,
        "no mix of old and new"
    );
    assert_eq!(f.unfinished_uploads().await, 0, "the multipart upload was aborted");
}

pub async fn bad_local_input_is_refused(f: &Fixture) {
    let opts = small_parts();
    let none = CancellationToken::new();
    let missing =
        f.bucket.upload_file(&f.path("missing.pdf"), &key("m.pdf"), &opts, &no_progress, &none).await.unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound, "{missing}");
    std::fs::create_dir_all(f.path("a folder")).unwrap();
    let folder =
        f.bucket.upload_file(&f.path("a folder"), &key("f.pdf"), &opts, &no_progress, &none).await.unwrap_err();
    assert_eq!(folder.kind(), ErrorKind::InvalidInput, "{folder}");
    let file = f.file("plain.txt", 3);
    let not_folder = f.bucket.upload_folder(&file, &Prefix::root(), &opts, &no_progress, &none).await.unwrap_err();
    assert_eq!(not_folder.kind(), ErrorKind::InvalidInput, "{not_folder}");

    let locked = f.file("locked.txt", 3);
    std::fs::set_permissions(&locked, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    // Root reads any file, so the unreadable case only means something for other users.
    if std::fs::read(&locked).is_err() {
        let err = f.bucket.upload_file(&locked, &key("locked.txt"), &opts, &no_progress, &none).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io, "{err}");
    }
    assert_eq!(names(f, "", Depth::Recursive).await, Vec::<String>::new(), "nothing half-done was stored");
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
    let err =
        prefixed.upload_file(&path, &k, &small_parts(), &no_progress, &CancellationToken::new()).await.unwrap_err();
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
    let err = read_only
        .upload_file(&path, &key("new.txt"), &small_parts(), &no_progress, &CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{err}");
    let big = f.file("new.bin", 6 * MIB);
    let err = read_only
        .upload_file(&big, &key("new.bin"), &small_parts(), &no_progress, &CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{err}");
    let err = read_only.delete(&key("public.txt")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{err}");
    let outcome = read_only.delete_many(&[key("public.txt")], &|_, _| {}).await;
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
    team.upload_file(&path, &key("q1/inside.txt"), &small_parts(), &no_progress, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(names(f, "", Depth::Recursive).await, vec!["outside.txt", "teams/finance/q1/inside.txt"]);
    let seen: Vec<String> =
        team.list(&Prefix::root(), Depth::Recursive).await.unwrap().into_iter().map(|e| e.key).collect();
    assert_eq!(seen, vec!["q1/inside.txt"], "keys are relative to the prefix and nothing outside it shows");
    assert_eq!(team.check().await.unwrap(), coffer_engine::Access::ReadWrite);
    team.delete_folder(&Prefix::new("q1").unwrap(), &|_, _| {}).await.unwrap();
    assert_eq!(names(f, "", Depth::Recursive).await, vec!["outside.txt"]);
}

pub async fn download_is_atomic_and_stays_in_its_folder(f: &Fixture) {
    let sent = upload(f, "doc.pdf", 2000, "etc/passwd").await;
    let folder = f.path("chosen");
    std::fs::create_dir_all(&folder).unwrap();
    let written = f
        .bucket
        .download_into(&key("etc/passwd"), &Prefix::root(), &folder, &no_progress, &CancellationToken::new())
        .await
        .unwrap();
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

fn collect(updates: &Mutex<Vec<TransferUpdate>>) -> impl Fn(TransferUpdate) + Sync + '_ {
    move |u| updates.lock().unwrap().push(u)
}

/// The final state of every transfer, by key.
fn outcomes(updates: &Mutex<Vec<TransferUpdate>>) -> Vec<(String, TransferState)> {
    let mut last = std::collections::BTreeMap::new();
    for u in updates.lock().unwrap().iter() {
        last.insert(u.key.clone(), u.state);
    }
    last.into_iter().collect()
}

pub async fn dropped_files_resolve_name_conflicts(f: &Fixture) {
    let old = upload(f, "old/report.pdf", 10, "report.pdf").await;
    upload(f, "old/Team/a.txt", 10, "Team/a.txt").await;
    let report = f.file("drop/report.pdf", 20);
    let new = f.file("drop/new.txt", 30);
    f.file("drop/Team/b.txt", 40);
    let transfers = transfers(f, small_parts());
    let id = transfers.add_selection(vec![report.clone(), new.clone(), f.path("drop/Team")]);
    let selection = transfers.inspect(id, &f.bucket, &Prefix::root()).await.unwrap();
    let seen: Vec<(&str, bool, bool, u64)> =
        selection.items.iter().map(|i| (i.name.as_str(), i.is_folder, i.exists, i.size)).collect();
    assert_eq!(seen, vec![("report.pdf", false, true, 20), ("new.txt", false, false, 30), ("Team", true, true, 40)]);

    // No choice for a taken name means skip: nothing is ever overwritten silently.
    let updates = Mutex::new(Vec::new());
    transfers.upload_selection(id, &f.bucket, &Prefix::root(), &HashMap::new(), &collect(&updates)).await.unwrap();
    assert_eq!(outcomes(&updates), vec![("new.txt".into(), TransferState::Done)]);
    assert_eq!(download(f, "report.pdf").await, old);

    let choices =
        HashMap::from([("report.pdf".to_owned(), ConflictChoice::KeepBoth), ("Team".to_owned(), ConflictChoice::Skip)]);
    let updates = Mutex::new(Vec::new());
    transfers.upload_selection(id, &f.bucket, &Prefix::root(), &choices, &collect(&updates)).await.unwrap();
    // new.txt is taken now (by the first round) and has no choice, so it is skipped too.
    assert_eq!(outcomes(&updates), vec![("report (1).pdf".into(), TransferState::Done)]);
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
    let updates = Mutex::new(Vec::new());
    transfers.upload_selection(id, &f.bucket, &Prefix::new("").unwrap(), &choices, &collect(&updates)).await.unwrap();
    assert_eq!(download(f, "report.pdf").await, read(&report), "replace overwrites, because the user said so");
    assert_eq!(
        names(f, "Team (1)", Depth::OneLevel).await,
        vec!["Team (1)/b.txt"],
        "a kept folder gets a numbered name"
    );
    let states: Vec<TransferState> =
        updates.lock().unwrap().iter().filter(|u| u.key == "report.pdf").map(|u| u.state).collect();
    assert_eq!(states.first(), Some(&TransferState::Queued));
    assert_eq!(states.last(), Some(&TransferState::Done));
    assert!(states.contains(&TransferState::Running));
}

pub async fn transfers_cancel_and_retry(f: &Fixture) {
    let path = f.file("drop/big.bin", 12 * MIB);
    let transfers = transfers(f, UploadOptions { parts_in_flight: 1, ..small_parts() });
    let id = transfers.add_selection(vec![path.clone()]);
    let updates = Mutex::new(Vec::new());
    let cancel_on_start = |u: TransferUpdate| {
        if u.state == TransferState::Running {
            transfers.cancel(u.id);
        }
        updates.lock().unwrap().push(u);
    };
    transfers.upload_selection(id, &f.bucket, &Prefix::root(), &HashMap::new(), &cancel_on_start).await.unwrap();
    assert_eq!(outcomes(&updates), vec![("big.bin".into(), TransferState::Cancelled)]);
    assert_eq!(f.unfinished_uploads().await, 0);
    assert_eq!(f.bucket.stat(&key("big.bin")).await.unwrap_err().kind(), ErrorKind::NotFound);

    let transfer = updates.lock().unwrap()[0].id;
    let retried = Mutex::new(Vec::new());
    transfers.retry(transfer, &collect(&retried)).await.unwrap();
    assert_eq!(outcomes(&retried), vec![("big.bin".into(), TransferState::Done)]);
    assert_eq!(download(f, "big.bin").await, read(&path));
    assert_eq!(transfers.retry(999_999, &|_| {}).await.unwrap_err().kind(), ErrorKind::NotFound);

    // A failed transfer reports why.
    let gone = f.file("drop/gone.txt", 5);
    let id = transfers.add_selection(vec![gone.clone()]);
    let failed = Mutex::new(Vec::new());
    let delete_first = |u: TransferUpdate| {
        if u.state == TransferState::Queued {
            std::fs::remove_file(&gone).unwrap();
        }
        failed.lock().unwrap().push(u);
    };
    transfers.upload_selection(id, &f.bucket, &Prefix::root(), &HashMap::new(), &delete_first).await.unwrap();
    let last = failed.lock().unwrap().last().cloned().unwrap();
    assert_eq!(last.state, TransferState::Failed);
    assert_eq!(last.error.map(|e| e.kind()), Some(ErrorKind::NotFound), "the reason travels with the failed row");
}

pub async fn delete_targets_measure_and_remove(f: &Fixture) {
    for (k, n) in [("a.txt", 10), ("dir/b.txt", 20), ("dir/sub/c.txt", 30), ("other.txt", 40)] {
        upload(f, k, n, k).await;
    }
    let targets = [Target::parse("a.txt").unwrap(), Target::parse("dir/").unwrap()];
    let summary = f.bucket.measure(&targets).await.unwrap();
    assert_eq!((summary.objects, summary.bytes), (3, 60), "a folder counts everything inside it");
    let report = f.bucket.delete_targets(&targets, &|_, _| {}).await.unwrap();
    assert_eq!(report.deleted.len(), 3);
    assert_eq!(names(f, "", Depth::Recursive).await, vec!["other.txt"]);
    assert_eq!(Target::parse("").unwrap_err().kind(), ErrorKind::InvalidInput);
}

/// Runs `queue` on everything it owns for `f`'s bucket and returns each file's outcome.
async fn run_all(queue: &Queue, f: &Fixture, cancel: &CancellationToken) -> Vec<FileOutcome> {
    let outcomes = Mutex::new(Vec::new());
    queue.run(&f.bucket, 0, u64::MAX, &no_progress, &|o| outcomes.lock().unwrap().push(o), cancel).await.unwrap();
    outcomes.into_inner().unwrap()
}

/// Starts uploading `paths` through a fresh journal and stops dead (the future is dropped, as if the
/// process were killed) once `stop_after` bytes are on the server. Returns the abandoned journal's
/// folder; the journal itself is closed, so its entries are now orphans.
async fn crash_during_upload(f: &Fixture, paths: Vec<std::path::PathBuf>, stop_after: u64) {
    let queue = Queue::new(
        Arc::new(Journal::open(&f.path("data")).unwrap()),
        UploadOptions { parts_in_flight: 1, ..small_parts() },
    );
    let name = f.bucket.connection().name.clone();
    let batch = queue.enqueue(&name, paths, &Prefix::root()).await.unwrap();
    let (reached, stop) = tokio::sync::oneshot::channel::<()>();
    let reached = Mutex::new(Some(reached));
    let progress = |p: Progress| {
        if let Some(tx) = reached.lock().unwrap().take_if(|_| p.bytes_done >= stop_after) {
            let _ = tx.send(());
        }
    };
    let cancel = CancellationToken::new();
    tokio::select! {
        result = queue.run(&f.bucket, batch.first, batch.last, &progress, &|_| {}, &cancel) => {
            panic!("the upload was meant to be interrupted, but ended: {result:?}")
        }
        _ = stop => {}
    }
}

pub async fn interrupted_upload_resumes_from_its_last_part(f: &Fixture) {
    let path = f.file("big.bin", 26 * MIB + 3);
    crash_during_upload(f, vec![path.clone()], 10 * MIB as u64).await;
    assert_eq!(f.bucket.stat(&key("big.bin")).await.unwrap_err().kind(), ErrorKind::NotFound, "not complete yet");

    let queue = Queue::new(Arc::new(Journal::open(&f.path("data")).unwrap()), small_parts());
    assert_eq!(queue.claim_unfinished().unwrap(), vec![f.bucket.connection().name.clone()]);
    let outcomes = run_all(&queue, f, &CancellationToken::new()).await;
    assert_eq!(outcomes.len(), 1, "exactly the one unfinished file is resumed");
    let done = outcomes.into_iter().next().unwrap().result.expect("the resumed upload completes");
    assert!(done.parts_resumed >= 2, "parts already on the server are not sent again ({} resumed)", done.parts_resumed);
    assert!(!done.restarted);
    assert_eq!(download(f, "big.bin").await, read(&path), "the resumed object is byte-identical");
    assert_eq!(f.unfinished_uploads().await, 0, "nothing is left open");
    assert_eq!(queue.journal().unfinished().unwrap(), 0, "the journal forgets finished files");
    assert!(run_all(&queue, f, &CancellationToken::new()).await.is_empty(), "nothing is uploaded twice");
}

pub async fn changed_file_restarts_and_queued_files_are_sent(f: &Fixture) {
    let big = f.file("in/big.bin", 16 * MIB);
    for i in 0..5 {
        f.file(&format!("in/small-{i}.txt"), 100 + i);
    }
    crash_during_upload(f, vec![f.path("in")], 5 * MIB as u64).await;
    // The file is saved again while Coffer is not running.
    std::fs::write(&big, vec![7u8; 12 * MIB]).unwrap();

    let queue = Queue::new(Arc::new(Journal::open(&f.path("data")).unwrap()), small_parts());
    queue.claim_unfinished().unwrap();
    let outcomes = run_all(&queue, f, &CancellationToken::new()).await;
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
