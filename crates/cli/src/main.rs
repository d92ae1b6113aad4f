//! `coffer`: Coffer's engine on the command line, for scripts, admins and benchmarks.
//!
//! A thin shell over `coffer-engine`: parse, call, print. Everything it can do the desktop app can
//! do, through the same engine. Secrets are read from a hidden prompt or standard input, never
//! from arguments, where they would land in shell history and `ps`.

mod args;
mod output;

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, Result, bail};
use clap::Parser;
use coffer_engine::{
    AccessKey, Bucket, CancellationToken, Checksum, Coffer, Connection, CredentialSource, Depth, Dirs, DocumentKind,
    ErrorKind, Events, FileOutcome, Item, LocalVault, MoveKind, MoveRun, ObjectKey, OnConflict, Prefix, Queue,
    SearchQuery, Tally, Target, UploadOptions,
};

use crate::args::{Cli, Command, Conflict, ConnectionCommand, Kind, TrashCommand, Tuning};
use crate::output::{ProgressBar, human_size, local_time};

fn main() -> ExitCode {
    coffer_engine::allocator::tune_allocator();
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime starts");
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("coffer: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode> {
    let coffer = Coffer::new(Dirs::from_os()?);
    let result = command(&coffer, cli).await;
    if let Some(port) = coffer.started_local_vault().and_then(LocalVault::moved_from) {
        eprintln!(
            "coffer: another program holds port {port}, so the Local vault now serves on a new port. \
             Share links made before no longer work; make them again."
        );
    }
    result
}

async fn command(coffer: &Coffer, cli: Cli) -> Result<ExitCode> {
    let name = cli.connection.as_deref();
    match cli.command {
        Command::Connection { command } => connection(coffer, command).await,
        Command::Put { paths, to, on_conflict, tuning } => {
            let on_conflict = conflict(on_conflict);
            let bucket = coffer.open(name).await?;
            let done = put(coffer, &bucket, paths, to, on_conflict, tuning).await;
            // A remembered answer spares the next run the probe; failing to save it costs only that.
            let _ = coffer.remember_write_guard(&bucket);
            done
        }
        Command::Resume { tuning } => resume(coffer, name, tuning).await,
        Command::Ls { prefix, recursive } => {
            let bucket = coffer.open(name).await?;
            let depth = if recursive { Depth::Recursive } else { Depth::OneLevel };
            let entries = bucket.list(&Prefix::new(prefix.unwrap_or_default())?, depth).await?;
            for e in &entries {
                let when = e.last_modified().map(local_time).unwrap_or_default();
                let size = if e.is_folder { String::new() } else { human_size(e.size) };
                let key = if recursive { &e.key } else { &e.name };
                let suffix = if e.is_folder { "/" } else { "" };
                println!("{when:16}  {size:>10}  {key}{suffix}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Find { text, kind, folder, larger_than, limit } => {
            let bucket = coffer.open(name).await?;
            let min_size = match larger_than {
                Some(mib) => Some(
                    mib.checked_mul(1024 * 1024)
                        .and_then(|bytes| bytes.checked_add(1))
                        .context("that many MiB is more than this computer can count")?,
                ),
                None => None,
            };
            let query = SearchQuery {
                text: text.join(" "),
                kind: kind.map(document_kind),
                folder,
                min_size,
                ..SearchQuery::default()
            };
            find(&bucket, &query, limit).await
        }
        Command::Mkdir { folder } => {
            let bucket = coffer.open(name).await?;
            let folder = Prefix::new(folder)?;
            let trimmed = folder.as_str().trim_end_matches('/');
            let (parent, last) = trimmed.rsplit_once('/').unwrap_or(("", trimmed));
            bucket.create_folder(&Prefix::new(parent)?, last).await?;
            eprintln!("Created {folder}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Mv { paths, on_conflict } => {
            relocate(coffer, &coffer.open(name).await?, paths, MoveKind::Move, conflict(on_conflict)).await
        }
        Command::Cp { paths, on_conflict } => {
            relocate(coffer, &coffer.open(name).await?, paths, MoveKind::Copy, conflict(on_conflict)).await
        }
        Command::Locks { folder } => {
            let bucket = coffer.open(name).await?;
            for lock in bucket.locks(&Prefix::new(folder.unwrap_or_default())?).await? {
                let since = local_time(UNIX_EPOCH + Duration::from_millis(u64::try_from(lock.since_ms).unwrap_or(0)));
                println!("{}  being edited by {} since {since}", lock.key, lock.by);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Rm { keys, recursive, permanent } => {
            let by = coffer.settings().load()?.uploader();
            rm(&coffer.open(name).await?, keys, recursive, (!permanent).then_some(by)).await
        }
        Command::Trash { command } => trash(&coffer.open(name).await?, command).await,
        Command::Get { keys, into, on_conflict } => {
            let bucket = coffer.open(name).await?;
            let single = into.is_none() && keys.len() <= 2 && !keys[0].ends_with('/');
            if !single {
                let into = into.unwrap_or_else(|| PathBuf::from("."));
                return download_many(&bucket, &keys, &into, conflict(on_conflict)).await;
            }
            let mut keys = keys.into_iter();
            let key = ObjectKey::new(keys.next().expect("clap asks for one"))?;
            let path = keys.next().map(PathBuf::from);
            let target = match path {
                // Only inside the folder given, whatever the key says.
                Some(p) if p.is_dir() => coffer_engine::safe_path(&p, key.name())?,
                Some(p) => p,
                None => coffer_engine::safe_path(Path::new("."), key.name())?,
            };
            let bar = ProgressBar::new("Downloading");
            let cancel = cancel_on_ctrl_c();
            let bytes = bucket.download(&key, &target, &|p| bar.update(p), &cancel).await;
            bar.finish();
            let saved = bytes?;
            let checked = match saved.checked_with {
                Some(Checksum::Crc32c) => ", checked against the server's CRC32C",
                Some(Checksum::Md5) => ", checked against the server's MD5",
                None => "",
            };
            eprintln!("Saved {} ({}){checked}", target.display(), human_size(saved.size));
            Ok(ExitCode::SUCCESS)
        }
        Command::Share { key, expires } => {
            let bucket = coffer.open(name).await?;
            let link = bucket.share_link(&ObjectKey::new(key)?, expires.into(), SystemTime::now()).await?;
            println!("{}", link.url);
            let expiry = SystemTime::UNIX_EPOCH + Duration::from_millis(link.expires_at_ms);
            eprintln!("Valid until {}", local_time(expiry));
            if bucket.connection().name == coffer_engine::LOCAL_VAULT {
                eprintln!(
                    "This link points to the Local vault on this computer; it works here while Coffer is running."
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Cleanup { older_than } => {
            let bucket = coffer.open(name).await?;
            let journal = coffer.journal().await?;
            let cleanup = bucket.clean_up(&journal, older_than.into(), SystemTime::now()).await?;
            for key in &cleanup.aborted {
                println!("aborted {key}");
            }
            if !cleanup.listed {
                eprintln!(
                    "The server (or this key) does not list unfinished uploads, so only the journal's could be checked; \
                     those are resumed by `coffer resume`."
                );
            } else {
                eprintln!(
                    "Aborted {} abandoned upload(s); left {} that may still be finished.",
                    cleanup.aborted.len(),
                    cleanup.kept
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve => {
            let vault = coffer.local_vault().await?;
            if !vault.is_serving() {
                bail!("another Coffer already serves the Local vault at {}", vault.endpoint());
            }
            eprintln!("Serving the Local vault at {} — press Ctrl-C to stop.", vault.endpoint());
            tokio::signal::ctrl_c().await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn connection(coffer: &Coffer, command: ConnectionCommand) -> Result<ExitCode> {
    match command {
        ConnectionCommand::Add(add) => {
            let credentials = match add.aws_profile {
                Some(profile) => CredentialSource::AwsChain { profile: Some(profile).filter(|p| !p.is_empty()) },
                None => CredentialSource::Keychain,
            };
            let conn = Connection {
                name: add.name,
                endpoint: add.endpoint.unwrap_or_default(),
                region: add.region.unwrap_or_default(),
                bucket: add.bucket,
                prefix: Prefix::new(add.prefix.unwrap_or_default())?,
                addressing: add.virtual_hosted.then_some(coffer_engine::Addressing::VirtualHosted),
                credentials,
                insecure: add.insecure,
                ca_certificate: match &add.ca_certificate {
                    Some(path) => {
                        Some(std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?)
                    }
                    None => None,
                },
            }
            .validate()?;
            let key = match conn.credentials {
                CredentialSource::Keychain => {
                    let id = add.access_key_id.context("--access-key-id is required (or use --aws-profile)")?;
                    Some(AccessKey::new(id, read_secret()?))
                }
                CredentialSource::AwsChain { .. } => None,
            };
            if !add.skip_test {
                let check = coffer.check(&coffer.open_unsaved(conn.clone(), key.clone()).await?).await?;
                eprintln!("Connection works: {}", output::check(check));
            }
            let saved = coffer.save_connection(conn, key, None).await?;
            eprintln!("Saved connection '{}'.", saved.name);
        }
        ConnectionCommand::List => {
            for info in coffer.connections().await? {
                let c = &info.connection;
                let secret = match (&c.credentials, info.is_local_vault) {
                    (_, true) => "built in".to_owned(),
                    (CredentialSource::Keychain, _) if info.secret_stored => {
                        format!("keychain ({})", info.access_key_id.as_deref().unwrap_or(""))
                    }
                    (CredentialSource::Keychain, _) => "keychain: no secret stored".to_owned(),
                    (CredentialSource::AwsChain { profile }, _) => {
                        format!("AWS chain ({})", profile.as_deref().unwrap_or("default"))
                    }
                };
                let endpoint = if c.endpoint.is_empty() { "AWS S3" } else { &c.endpoint };
                println!("{}\t{endpoint}\t{}/{}\t{secret}", c.name, c.bucket, c.prefix);
            }
        }
        ConnectionCommand::Test { name } => {
            let check = coffer.check(&coffer.open(Some(&name)).await?).await?;
            println!("{}", output::check(check));
        }
        ConnectionCommand::Remove { name } => {
            coffer.remove_connection(&name).await?;
            eprintln!("Removed connection '{name}' and its keychain entry.");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The secret from a hidden prompt on a terminal, otherwise the first line of standard input.
fn read_secret() -> Result<String> {
    let secret = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Secret access key: ")?
    } else {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        text.lines().next().unwrap_or_default().to_owned()
    };
    if secret.trim().is_empty() {
        bail!("no secret access key was given");
    }
    Ok(secret)
}

async fn put(
    coffer: &Coffer,
    bucket: &Bucket,
    mut paths: Vec<PathBuf>,
    to: Option<String>,
    on_conflict: OnConflict,
    tuning: Tuning,
) -> Result<ExitCode> {
    // `coffer put a b dest/`: a last argument ending in '/' is the destination folder.
    let dest = match to {
        Some(to) => to,
        None if paths.len() > 1 && paths.last().is_some_and(|p| p.to_string_lossy().ends_with('/')) => {
            paths.pop().expect("checked above").to_string_lossy().into_owned()
        }
        None => String::new(),
    };
    let dest = Prefix::new(dest)?;
    let items = paths.into_iter().map(Item::named_as_is).collect::<Result<Vec<_>, _>>()?;
    let queue = queue(coffer, tuning).await?;
    // Recorded before anything is sent: if this process dies, `coffer resume` finishes the job.
    let enqueued = queue.enqueue(bucket, &dest, "coffer put", true, items, on_conflict).await?;
    for refused in &enqueued.refused {
        eprintln!("coffer: {}: {}", refused.path.display(), refused.error);
    }
    for (path, key) in &enqueued.renamed {
        eprintln!("coffer: {} goes to {key}: the name was taken", path.display());
    }
    if enqueued.skipped > 0 {
        eprintln!("coffer: skipped {} file(s) whose names were taken", enqueued.skipped);
    }
    let batch = &enqueued.batch;
    let failed = run_queue(&queue, bucket, batch.id, batch.files, batch.bytes).await?;
    let refused = enqueued.refused.len() as u64;
    if failed > 0 {
        bail!("{} file(s) were not uploaded; run `coffer resume` to try the failed ones again", failed + refused);
    }
    if refused > 0 {
        bail!("{refused} file(s) were not uploaded");
    }
    Ok(ExitCode::SUCCESS)
}

/// `coffer find`: refreshes the connection's search index, then prints what matches like `ls --recursive`.
async fn find(bucket: &Bucket, query: &SearchQuery, limit: usize) -> Result<ExitCode> {
    // The connection's own index, the one its uploads, moves and deletes keep current.
    let index = bucket.search_index().context("the search index could not be opened")?;
    let live = std::io::stderr().is_terminal();
    let indexed = index
        .build(bucket, &|n| {
            if live {
                eprint!("\rIndexing… {n} documents");
            }
        })
        .await;
    if live {
        eprint!("\r\x1b[2K");
    }
    indexed?;
    // One more than asked, to tell whether there are more.
    let mut hits = index.search(query, limit.saturating_add(1), 0)?.hits;
    let more = hits.len() > limit;
    hits.truncate(limit);
    for hit in &hits {
        let when = hit
            .last_modified_ms
            .and_then(|ms| u64::try_from(ms).ok())
            .map(|ms| local_time(UNIX_EPOCH + Duration::from_millis(ms)))
            .unwrap_or_default();
        println!("{when:16}  {:>10}  {}", human_size(hit.size), hit.key);
    }
    if more {
        eprintln!("coffer: showing the first {limit}; ask for more with --limit");
    }
    Ok(ExitCode::SUCCESS)
}

fn document_kind(kind: Kind) -> DocumentKind {
    match kind {
        Kind::Pdf => DocumentKind::Pdf,
        Kind::Word => DocumentKind::Word,
        Kind::Spreadsheet => DocumentKind::Spreadsheet,
        Kind::Presentation => DocumentKind::Presentation,
        Kind::Image => DocumentKind::Image,
        Kind::Text => DocumentKind::Text,
        Kind::Archive => DocumentKind::Archive,
        Kind::Audio => DocumentKind::Audio,
        Kind::Video => DocumentKind::Video,
        Kind::Other => DocumentKind::Other,
    }
}

fn conflict(on_conflict: Option<Conflict>) -> OnConflict {
    match on_conflict {
        None => OnConflict::Refuse,
        Some(Conflict::Skip) => OnConflict::Skip,
        Some(Conflict::Replace) => OnConflict::Replace,
        Some(Conflict::KeepBoth) => OnConflict::KeepBoth,
    }
}

/// What a `mv` / `cp` argument names: a folder if it ends in '/' or only exists as one.
async fn target(bucket: &Bucket, path: &str) -> Result<Target> {
    if path.ends_with('/') {
        return Ok(Target::Folder(Prefix::new(path)?));
    }
    let key = ObjectKey::new(path)?;
    let folder = Prefix::new(path)?;
    // A document of that name wins over a folder of it; some servers fail a HEAD on a folder's name.
    if bucket.folder_exists(&folder).await? && bucket.stat(&key).await.is_err() {
        return Ok(Target::Folder(folder));
    }
    Ok(Target::Object(key))
}

/// `coffer mv` and `coffer cp`: like their Unix namesakes, but on the server.
async fn relocate(
    coffer: &Coffer,
    bucket: &Bucket,
    mut paths: Vec<String>,
    kind: MoveKind,
    on_conflict: OnConflict,
) -> Result<ExitCode> {
    let dest = paths.pop().expect("clap asks for two or more");
    let mut targets = Vec::new();
    for path in &paths {
        targets.push(target(bucket, path).await?);
    }
    let into = dest.ends_with('/') || dest.is_empty() || bucket.folder_exists(&Prefix::new(&dest)?).await?;
    let plan = match (into, targets.as_slice()) {
        (true, _) => bucket.plan_move(&targets, &Prefix::new(&dest)?, kind).await?,
        (false, [one]) => {
            let (folder, name) = dest.rsplit_once('/').unwrap_or(("", dest.as_str()));
            bucket.plan_move_as(one, &Prefix::new(folder)?, name, kind).await?
        }
        (false, _) => bail!("'{dest}' is not a folder: end it with '/' to move several things into it"),
    };
    let total = plan.summary.objects;
    let journal = coffer.journal().await?;
    let by = coffer.settings().load()?.uploader();
    let bar = ProgressBar::counting(if kind == MoveKind::Move { "Moving" } else { "Copying" });
    let cancel = cancel_on_ctrl_c();
    let progress = |done: u64, all: u64| bar.update_count(done, all);
    let run = MoveRun { journal: &journal, by: &by, progress: &progress, cancel: &cancel };
    let moved = bucket.move_or_copy(plan, on_conflict, &run).await;
    bar.finish();
    let moved = moved?;
    for failure in &moved.failed {
        eprintln!("coffer: {}: {}", failure.key, failure.error);
    }
    if moved.skipped > 0 {
        eprintln!("coffer: skipped {} document(s) whose names were taken", moved.skipped);
    }
    let verb = if kind == MoveKind::Move { "Moved" } else { "Copied" };
    eprintln!("{verb} {} of {total} document(s)", moved.done.len());
    if moved.cancelled {
        bail!("stopped: the rest was left where it was");
    }
    if !moved.failed.is_empty() {
        bail!("{} document(s) stayed where they were", moved.failed.len());
    }
    Ok(ExitCode::SUCCESS)
}

/// `coffer get --into`: documents and whole folders into a local folder.
async fn download_many(bucket: &Bucket, keys: &[String], into: &Path, on_conflict: OnConflict) -> Result<ExitCode> {
    let mut targets = Vec::new();
    for key in keys {
        targets.push(target(bucket, key).await?);
    }
    let plan = bucket.plan_download(&targets, into).await?;
    if plan.summary.conflicts_total > 0 && on_conflict == OnConflict::Refuse {
        for name in &plan.summary.conflicts {
            eprintln!("coffer: {} already exists", into.join(name).display());
        }
        bail!(
            "{} file(s) already exist in {}; choose --on-conflict skip, replace or keep-both",
            plan.summary.conflicts_total,
            into.display()
        );
    }
    let bar = ProgressBar::new("Downloading");
    let cancel = cancel_on_ctrl_c();
    let report = bucket.download_planned(&plan, on_conflict, &|p| bar.update(p), &cancel).await;
    bar.finish();
    let report = report?;
    for failure in &report.failed {
        eprintln!("coffer: {}: {}", failure.name, failure.error);
    }
    if report.skipped > 0 {
        eprintln!("coffer: skipped {} document(s) whose names were taken here", report.skipped);
    }
    if report.renamed > 0 {
        eprintln!("coffer: saved {} document(s) under a numbered name beside the existing file", report.renamed);
    }
    eprintln!(
        "Saved {} of {} document(s) ({}) into {}; {} checked against the server's checksum",
        report.done,
        plan.summary.files,
        human_size(report.bytes),
        into.display(),
        report.verified
    );
    if report.cancelled {
        bail!("stopped: what was not saved yet was left out");
    }
    if !report.failed.is_empty() {
        bail!("{} document(s) were not downloaded", report.failed.len());
    }
    Ok(ExitCode::SUCCESS)
}

/// The journal-backed queue, recording the person's display name with every upload.
async fn queue(coffer: &Coffer, tuning: Tuning) -> Result<Queue> {
    let queue = Queue::new(coffer.journal().await?, options(tuning)?);
    queue.set_uploaded_by(&coffer.settings().load()?.uploader());
    Ok(queue)
}

async fn resume(coffer: &Coffer, name: Option<&str>, tuning: Tuning) -> Result<ExitCode> {
    let queue = queue(coffer, tuning).await?;
    // Moves a crash interrupted: finished from the journal (copies checked, then originals deleted).
    if queue.journal().unfinished_moves()? > 0 {
        let bucket = coffer.open(name).await?;
        let by = coffer.settings().load()?.uploader();
        let cancel = cancel_on_ctrl_c();
        let run = MoveRun { journal: queue.journal(), by: &by, progress: &|_, _| {}, cancel: &cancel };
        let moved = bucket.resume_moves(&run).await?;
        for failure in &moved.failed {
            eprintln!("coffer: {}: {}", failure.key, failure.error);
        }
        if !moved.done.is_empty() {
            eprintln!("Finished moving {} document(s)", moved.done.len());
        }
    }
    if let Some(aside) = queue.journal().moved_aside() {
        eprintln!(
            "coffer: the transfer journal was damaged and was moved to {}; what it held cannot be resumed.",
            aside.display()
        );
    }
    let batches = queue.claim_unfinished()?;
    if batches.is_empty() {
        eprintln!("Nothing to resume: every upload has finished.");
        return Ok(ExitCode::SUCCESS);
    }
    let mut failures = 0;
    for batch in batches {
        // Asking for a resume is asking to try the failed files again too.
        queue.retry_failed(batch.id)?;
        match coffer.open(Some(&batch.connection)).await {
            Ok(bucket) => failures += run_queue(&queue, &bucket, batch.id, batch.files, batch.bytes).await?,
            Err(e) => {
                eprintln!("coffer: uploads to '{}' stay queued: {e}", batch.connection);
                failures += batch.files;
            }
        }
    }
    if failures > 0 {
        bail!("{failures} upload(s) did not finish; they stay queued for the next `coffer resume`");
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints each stored key above a progress bar, and each failure on standard error.
struct Printer {
    tally: Tally,
    bar: ProgressBar,
}

impl Printer {
    fn show(&self) {
        self.bar.update(self.tally.progress());
    }
}

impl Events for Printer {
    fn bytes(&self, id: u64, bytes: u64) {
        self.tally.bytes(id, bytes);
        self.show();
    }

    fn resized(&self, id: u64, old: u64, new: u64) {
        self.tally.resized(id, old, new);
    }

    fn waiting(&self, id: u64, waiting: bool) {
        self.tally.waiting(id, waiting);
        self.show();
    }

    fn ended(&self, outcome: FileOutcome) {
        match &outcome.result {
            Ok(done) => {
                if done.restarted {
                    self.bar.eprintln(&format!(
                        "{} changed since it was queued; it was uploaded again from the start.",
                        outcome.path.display()
                    ));
                }
                if done.parts_resumed > 0 {
                    self.bar.eprintln(&format!(
                        "{}: resumed, {} part(s) were already on the server.",
                        done.key, done.parts_resumed
                    ));
                }
                self.bar.println(done.key.as_str());
            }
            Err(e) if e.kind() == ErrorKind::Cancelled => {}
            Err(e) => self.bar.eprintln(&format!("coffer: {}: {e}", outcome.path.display())),
        }
        self.tally.ended(outcome);
        self.show();
    }
}

/// Runs the queued files of `batch` for `bucket`; returns how many failed.
async fn run_queue(queue: &Queue, bucket: &Bucket, batch: u64, files: u64, bytes: u64) -> Result<u64> {
    let printer = Printer {
        tally: Tally::new(files, bytes),
        bar: ProgressBar::new(&format!("Uploading to {}", bucket.connection().name)),
    };
    printer.show();
    let cancel = cancel_on_ctrl_c();
    let result = queue.run(bucket, batch, &printer, &cancel).await;
    printer.bar.finish();
    result?;
    Ok(printer.tally.progress().files_failed)
}

fn options(tuning: Tuning) -> Result<UploadOptions> {
    let defaults = UploadOptions::default();
    let mib = |m: u64| m.checked_mul(1024 * 1024).context("that many MiB is more than this computer can count");
    let options = UploadOptions {
        files_in_flight: tuning.jobs.unwrap_or(defaults.files_in_flight),
        parts_in_flight: tuning.parts.unwrap_or(defaults.parts_in_flight),
        part_size: tuning.part_size.map_or(Ok(defaults.part_size), mib)?,
        memory_budget: tuning.memory.map_or(Ok(defaults.memory_budget), mib)?,
        ..defaults
    };
    Ok(options.validate()?)
}

/// Deletes `keys`: to the trash as `by`, or for good with `None`.
async fn rm(bucket: &Bucket, keys: Vec<String>, recursive: bool, by: Option<String>) -> Result<ExitCode> {
    let targets = keys
        .into_iter()
        .map(
            |key| {
                if recursive { Prefix::new(key).map(Target::Folder) } else { ObjectKey::new(key).map(Target::Object) }
            },
        )
        .collect::<Result<Vec<_>, _>>()?;
    let plan = bucket.plan_delete(&targets).await?;
    let report = match by {
        Some(by) => {
            let trashed = bucket.move_to_trash(plan, &by, now_ms(), &|_, _| {}).await?;
            for key in &trashed.deleted.deleted {
                println!("moved to the trash: {key}");
            }
            if !trashed.deleted.deleted.is_empty() {
                eprintln!("Undo with: coffer trash restore {}", trashed.batch);
            }
            trashed.deleted
        }
        None => {
            let report = bucket.delete(plan, &|_, _| {}).await?;
            for key in &report.deleted {
                println!("deleted {key}");
            }
            report
        }
    };
    for failed in &report.failed {
        eprintln!("coffer: {}", failed.error);
    }
    if !report.failed.is_empty() {
        bail!("{} object(s) were not deleted", report.failed.len());
    }
    Ok(ExitCode::SUCCESS)
}

async fn trash(bucket: &Bucket, command: TrashCommand) -> Result<ExitCode> {
    // A move a crash interrupted is finished before anything else looks at the trash.
    let finished = bucket.finish_trash_moves().await?;
    if finished > 0 {
        eprintln!("Finished moving {finished} document(s) to the trash that an interrupted delete left behind.");
    }
    match command {
        TrashCommand::Ls => {
            for item in bucket.trash().await? {
                let when =
                    local_time(UNIX_EPOCH + Duration::from_millis(u64::try_from(item.deleted_at_ms).unwrap_or(0)));
                let what = if item.replaced { " (previous version)" } else { "" };
                println!(
                    "{}  {when:16}  {:>10}  {}  {}{what}",
                    item.batch,
                    human_size(item.size),
                    item.deleted_by,
                    item.key
                );
            }
        }
        TrashCommand::Restore { batch, keys } => {
            let restored = bucket.restore(&batch, &keys).await?;
            for key in &restored.restored {
                println!("restored {key}");
            }
            for key in &restored.taken {
                eprintln!("coffer: {key}: a newer document has that name now; it stays in the trash");
            }
            for failed in &restored.failed {
                eprintln!("coffer: {}", failed.error);
            }
            if restored.restored.is_empty() && restored.taken.is_empty() && restored.failed.is_empty() {
                bail!("nothing of '{batch}' is in the trash");
            }
            if !restored.taken.is_empty() || !restored.failed.is_empty() {
                bail!("{} document(s) were not restored", restored.taken.len() + restored.failed.len());
            }
        }
        TrashCommand::Empty { older_than } => {
            let limit =
                older_than.map(|age| now_ms() - i64::try_from(Duration::from(age).as_millis()).unwrap_or(i64::MAX));
            let gone = bucket.empty_trash(limit).await?;
            eprintln!("Deleted {gone} document(s) from the trash for good.");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// A token cancelled by Ctrl-C, so an interrupted upload aborts cleanly instead of leaving parts.
fn cancel_on_ctrl_c() -> CancellationToken {
    let token = CancellationToken::new();
    let cancel = token.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            cancel.cancel();
        }
    });
    token
}
