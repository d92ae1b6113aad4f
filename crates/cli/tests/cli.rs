//! The built `coffer` binary, run as a person would: against a real Garage node and against the
//! Local vault, with secrets in a private keyring (run through `scripts/with-keyring.sh`).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use coffer_testkit::Garage;
use tempfile::TempDir;

static GARAGE: OnceLock<Garage> = OnceLock::new();

fn garage() -> &'static Garage {
    GARAGE.get_or_init(|| Garage::start("cli"))
}

/// One user's settings and files: their own config and data folders.
struct User {
    home: TempDir,
}

impl User {
    fn new() -> Self {
        assert!(std::env::var_os("COFFER_TEST_KEYRING").is_some(), "run inside scripts/with-keyring.sh");
        Self { home: tempfile::tempdir().unwrap() }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_coffer"));
        cmd.args(args)
            .env("XDG_CONFIG_HOME", self.home.path().join("config"))
            .env("XDG_DATA_HOME", self.home.path().join("data"))
            .env_remove("COFFER_CONNECTION")
            .current_dir(self.home.path());
        cmd
    }

    fn run(&self, args: &[&str], stdin: &str) -> Output {
        let mut child =
            self.command(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    }

    /// Runs and expects success; returns standard output.
    fn ok(&self, args: &[impl AsRef<str>]) -> String {
        let args: Vec<&str> = args.iter().map(AsRef::as_ref).collect();
        self.ok_with_stdin(&args, "")
    }

    fn ok_with_stdin(&self, args: &[&str], stdin: &str) -> String {
        let out = self.run(args, stdin);
        assert!(out.status.success(), "coffer {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs and expects failure; returns standard error.
    fn fails(&self, args: &[&str], stdin: &str) -> String {
        let out = self.run(args, stdin);
        assert!(
            !out.status.success(),
            "coffer {args:?} should fail but printed {}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8(out.stderr).unwrap()
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.home.path().join(rel)
    }

    fn write(&self, rel: &str, bytes: &[u8]) -> PathBuf {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn add_garage(&self, name: &str, bucket: &str, id: &str, secret: &str) -> Output {
        let endpoint = garage().endpoint();
        self.run(
            &[
                "connection",
                "add",
                name,
                "--endpoint",
                &endpoint,
                "--region",
                "garage",
                "--bucket",
                bucket,
                "--access-key-id",
                id,
            ],
            &format!("{secret}\n"),
        )
    }
}

fn curl(url: &str) -> Vec<u8> {
    let out = Command::new("curl").args(["-sf", "--noproxy", "*", url]).output().expect("curl runs");
    assert!(out.status.success(), "fetching the share link failed: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// put a folder and a file, ls, share, get, rm — the same on any connection.
fn document_workflow(user: &User, conn: &[&str]) {
    let with = |args: &[&'static str]| -> Vec<String> { conn.iter().chain(args).map(|s| s.to_string()).collect() };
    user.write("Quarterly/report.pdf", b"%PDF quarterly");
    user.write("Quarterly/tables/q1 & q2.xlsx", &vec![7u8; 70_000]);
    user.write("memo.txt", b"hello from the memo");
    let put = user.ok(&with(&["put", "Quarterly", "memo.txt", "inbox/"]));
    assert_eq!(put.lines().count(), 3, "every uploaded key is printed: {put}");

    // A taken name is never replaced unless asked: that file fails, the rest go on.
    user.write("other.txt", b"other");
    let args = with(&["put", "memo.txt", "other.txt", "inbox/"]);
    let out = user.command(&args.iter().map(String::as_str).collect::<Vec<_>>()).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("already exists"), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("inbox/other.txt"), "the other file was uploaded");
    let skipped = user
        .command(
            &with(&["put", "memo.txt", "inbox/", "--on-conflict", "skip"])
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        )
        .output()
        .unwrap();
    assert!(skipped.status.success() && String::from_utf8_lossy(&skipped.stderr).contains("skipped 1"));
    user.write("memo.txt", b"hello again from the memo");
    user.ok(&with(&["put", "memo.txt", "inbox/", "--on-conflict", "keep-both"]));
    user.ok(&with(&["put", "memo.txt", "inbox/", "--on-conflict", "replace"]));
    std::fs::create_dir_all(user.path("out")).unwrap();
    user.ok(&with(&["get", "inbox/memo (1).txt", "out"]));
    assert_eq!(std::fs::read(user.path("out/memo (1).txt")).unwrap(), b"hello again from the memo");
    user.ok(&with(&["rm", "inbox/memo (1).txt", "inbox/other.txt"]));
    user.write("memo.txt", b"hello from the memo");
    user.ok(&with(&["put", "memo.txt", "inbox/", "--on-conflict", "replace"]));

    let ls = user.ok(&with(&["ls", "inbox"]));
    assert!(
        ls.contains("Quarterly/") && ls.contains("memo.txt") && ls.contains("19 B"),
        "one level with human sizes:\n{ls}"
    );
    let all = user.ok(&with(&["ls", "inbox", "--recursive"]));
    for key in ["inbox/Quarterly/report.pdf", "inbox/Quarterly/tables/q1 & q2.xlsx", "inbox/memo.txt"] {
        assert!(all.contains(key), "{key} is listed recursively:\n{all}");
    }
    assert!(all.contains("68.36 KiB"), "sizes are human:\n{all}");

    // Found by any part of the name, anywhere in the connection.
    let found = user.ok(&with(&["find", "report"]));
    assert!(found.contains("inbox/Quarterly/report.pdf") && found.contains("14 B"), "{found}");
    assert!(!found.contains("memo.txt") && !found.contains(".xlsx"), "only names that match: {found}");
    let found = user.ok(&with(&["find", "--type", "spreadsheet"]));
    assert_eq!(found.lines().count(), 1, "{found}");
    assert!(found.contains("inbox/Quarterly/tables/q1 & q2.xlsx"), "{found}");
    let found = user.ok(&with(&["find", "Q2", "--in", "inbox/Quarterly", "--larger-than", "0"]));
    assert!(found.contains("inbox/Quarterly/tables/q1 & q2.xlsx"), "{found}");
    assert_eq!(user.ok(&with(&["find", "quarterly"])), "", "folder names are not searched");

    let url = user.ok(&with(&["share", "inbox/Quarterly/report.pdf", "--expires", "1h"]));
    assert!(
        url.trim().starts_with("http://127.0.0.1:") && url.contains("X-Amz-Expires=3600"),
        "the link is printed: {url}"
    );

    std::fs::create_dir_all(user.path("out")).unwrap();
    user.ok(&with(&["get", "inbox/Quarterly/tables/q1 & q2.xlsx", "out"]));
    assert_eq!(std::fs::read(user.path("out/q1 & q2.xlsx")).unwrap(), vec![7u8; 70_000], "get writes the same bytes");
    user.ok(&with(&["get", "inbox/Quarterly/report.pdf"]));
    assert_eq!(std::fs::read(user.path("report.pdf")).unwrap(), b"%PDF quarterly", "by its name, here");
    assert!(!user.path("inbox").exists(), "the key's folders are not recreated outside the target");
    let escaping = with(&["get", "inbox/../../escaped.pdf", "out"]);
    let out = user.command(&escaping.iter().map(String::as_str).collect::<Vec<_>>()).output().unwrap();
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("'..'"));
    assert!(!user.home.path().parent().unwrap().join("escaped.pdf").exists());

    user.ok(&with(&["rm", "inbox/memo.txt"]));
    user.ok(&with(&["rm", "--recursive", "inbox/Quarterly"]));
    assert_eq!(user.ok(&with(&["ls", "--recursive"])), "", "everything was deleted");

    // Deleted documents wait in the trash, with the batch that brings them back.
    let trash = user.ok(&with(&["trash", "ls"]));
    assert_eq!(trash.lines().count(), 7, "the earlier deletes and the 2 replaced versions: {trash}");
    assert_eq!(trash.lines().filter(|l| l.ends_with("inbox/memo.txt (previous version)")).count(), 2, "{trash}");
    let batch = trash.lines().find(|l| l.ends_with("inbox/memo.txt")).unwrap().split_whitespace().next().unwrap();
    let mut restore = with(&["trash", "restore"]);
    restore.push(batch.to_owned());
    assert!(user.ok(&restore).contains("restored inbox/memo.txt"));
    assert_eq!(std::fs::read(user.path("memo.txt")).unwrap(), b"hello from the memo");
    user.ok(&with(&["get", "inbox/memo.txt", "out"]));
    assert_eq!(std::fs::read(user.path("out/memo.txt")).unwrap(), b"hello from the memo", "restored intact");
    user.ok(&with(&["rm", "--permanent", "inbox/memo.txt"]));
    assert_eq!(user.ok(&with(&["trash", "ls"])).lines().count(), 6, "a permanent delete skips the trash");
    user.ok(&with(&["trash", "empty"]));
    assert_eq!(user.ok(&with(&["trash", "ls"])), "", "the trash is empty");
    assert_eq!(user.ok(&with(&["ls", "--recursive"])), "");

    // Organising on the server: new folders, rename, move, copy, taken names asked about.
    user.ok(&with(&["put", "Quarterly", "memo.txt", "inbox/"]));
    user.ok(&with(&["mkdir", "Archive/2026"]));
    assert!(user.ok(&with(&["ls", "Archive"])).contains("2026/"), "the new, empty folder is listed");
    user.ok(&with(&["mv", "inbox/memo.txt", "inbox/memo 2026.txt"]));
    user.ok(&with(&["mv", "inbox/memo 2026.txt", "inbox/Quarterly", "Archive/2026/"]));
    user.ok(&with(&["cp", "Archive/2026/Quarterly", "inbox/"]));
    let refused = with(&["cp", "Archive/2026/Quarterly/", "inbox/"]);
    let out = user.command(&refused.iter().map(String::as_str).collect::<Vec<_>>()).output().unwrap();
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("taken"), "{out:?}");
    user.ok(&with(&["cp", "Archive/2026/Quarterly/", "inbox/", "--on-conflict", "keep-both"]));
    let all = user.ok(&with(&["ls", "--recursive"]));
    let keys: Vec<&str> = all.lines().map(|l| l.split("  ").last().unwrap().trim()).collect();
    assert_eq!(
        keys,
        vec![
            "Archive/2026/Quarterly/report.pdf",
            "Archive/2026/Quarterly/tables/q1 & q2.xlsx",
            "Archive/2026/memo 2026.txt",
            "inbox/Quarterly (1)/report.pdf",
            "inbox/Quarterly (1)/tables/q1 & q2.xlsx",
            "inbox/Quarterly/report.pdf",
            "inbox/Quarterly/tables/q1 & q2.xlsx",
        ],
        "{all}"
    );
    user.ok(&with(&["get", "Archive/2026/memo 2026.txt", "out"]));
    assert_eq!(std::fs::read(user.path("out/memo 2026.txt")).unwrap(), b"hello from the memo");

    // Several documents and a whole folder into one local folder; a name taken there is asked about.
    let saved = user
        .command(
            &with(&["get", "--into", "many", "Archive/2026/", "inbox/Quarterly (1)/report.pdf"])
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        )
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&saved.stderr);
    assert!(saved.status.success() && said.contains("Saved 4 of 4") && said.contains("4 checked"), "{said}");
    assert_eq!(std::fs::read(user.path("many/2026/memo 2026.txt")).unwrap(), b"hello from the memo");
    assert!(user.path("many/2026/Quarterly/tables/q1 & q2.xlsx").is_file());
    assert!(user.path("many/report.pdf").is_file());
    std::fs::write(user.path("many/report.pdf"), b"mine").unwrap();
    let again = with(&["get", "--into", "many", "inbox/Quarterly (1)/report.pdf"]);
    let out = user.command(&again.iter().map(String::as_str).collect::<Vec<_>>()).output().unwrap();
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("already exist"), "{out:?}");
    assert_eq!(std::fs::read(user.path("many/report.pdf")).unwrap(), b"mine", "nothing local is replaced unasked");
    user.ok(&with(&["get", "--into", "many", "inbox/Quarterly (1)/report.pdf", "--on-conflict", "keep-both"]));
    assert!(user.path("many/report (1).pdf").is_file());
    user.ok(&with(&["rm", "--permanent", "--recursive", "Archive", "inbox"]));
    assert_eq!(user.ok(&with(&["ls", "--recursive"])), "");
}

#[test]
fn garage_connection_add_test_and_documents() {
    let user = User::new();
    let g = garage();
    g.create_bucket("cli-docs");
    let secret = g.rw_key().secret.clone();
    let out = user.add_garage("Office Garage", "cli-docs", &g.rw_key().id, &secret);
    assert!(out.status.success(), "add failed: {}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("read and write"), "add tests the connection first");

    let config = std::fs::read_to_string(user.path("config/coffer/connections.toml")).unwrap();
    assert!(config.contains("cli-docs") && !config.contains(&secret), "the config file has no secret:\n{config}");
    let list = user.ok(&["connection", "list"]);
    assert!(list.contains("Office Garage") && list.contains(&g.rw_key().id) && !list.contains(&secret), "{list}");
    assert!(user.ok(&["connection", "test", "Office Garage"]).contains("read and write"));

    document_workflow(&user, &["--connection", "Office Garage"]);
    let cleaned = user.run(&["-c", "Office Garage", "cleanup"], "");
    assert!(cleaned.status.success());
    assert!(
        String::from_utf8_lossy(&cleaned.stderr).contains("Aborted 0 abandoned upload(s)"),
        "nothing was abandoned"
    );
    for dir in ["config/coffer", "data/coffer"] {
        let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(user.path(dir)).unwrap().permissions());
        assert_eq!(mode & 0o777, 0o700, "{dir} is for its owner only");
    }

    // The share link is fetched while the server is up.
    user.write("shared.txt", b"shared bytes");
    user.ok(&["-c", "Office Garage", "put", "shared.txt"]);
    let url = user.ok(&["-c", "Office Garage", "share", "shared.txt"]);
    assert_eq!(curl(url.trim()), b"shared bytes", "the share link serves the document to a plain HTTP client");

    user.ok(&["connection", "remove", "Office Garage"]);
    assert!(!user.ok(&["connection", "list"]).contains("Office Garage"));
}

#[test]
fn local_vault_is_the_default() {
    let user = User::new();
    document_workflow(&user, &[]);
    // The first upload's probe is remembered, so later runs do not probe again.
    let guards = std::fs::read_to_string(user.home.path().join("config/coffer/write-guards.toml")).unwrap();
    assert!(guards.contains("= \"enforced\""), "{guards}");

    // A running `coffer serve` keeps the vault up; other commands join it and links work.
    let mut server = user.command(&["serve"]).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(server.stderr.as_mut().unwrap()), &mut line).unwrap();
    assert!(line.contains("Serving the Local vault"), "{line}");
    user.write("note.txt", b"local note");
    user.ok(&["put", "note.txt"]);
    let url = user.ok(&["share", "note.txt"]);
    assert_eq!(curl(url.trim()), b"local note");
    server.kill().unwrap();
    server.wait().unwrap();
}

#[test]
fn failures_exit_non_zero_with_a_reason() {
    let user = User::new();
    let g = garage();
    g.create_bucket("cli-failures");
    let err =
        String::from_utf8(user.add_garage("Wrong", "cli-failures", &g.rw_key().id, "not-the-secret").stderr).unwrap();
    assert!(err.contains("refused the key") || err.contains("rejected"), "{err}");
    assert!(!err.contains("not-the-secret"), "the secret is never echoed: {err}");
    assert!(!user.ok(&["connection", "list"]).contains("Wrong"), "a connection that fails its test is not saved");

    let out = user.add_garage("Missing", "no-such-bucket-x", &g.rw_key().id, &g.rw_key().secret);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("does not exist"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = user.add_garage("Reader", "cli-failures", &g.ro_key().id, &g.ro_key().secret);
    assert!(!out.status.success(), "the read-only key has no access to this bucket");
    g.cli(&["bucket", "allow", "--read", "cli-failures", "--key", &g.ro_key().id]);
    let out = user.add_garage("Reader", "cli-failures", &g.ro_key().id, &g.ro_key().secret);
    assert!(String::from_utf8_lossy(&out.stderr).contains("read-only"), "{}", String::from_utf8_lossy(&out.stderr));
    user.write("x.txt", b"x");
    let err = user.fails(&["-c", "Reader", "put", "x.txt"], "");
    assert!(err.contains("refused"), "a read-only key cannot upload: {err}");

    assert!(user.fails(&["put", "does-not-exist.pdf"], "").contains("does not exist"));
    assert!(user.fails(&["put", "x.txt", "--part-size", "6000"], "").contains("at most 5 GiB"));
    let err = user.fails(&["put", "x.txt", "--part-size", "128", "--memory", "64"], "");
    assert!(err.contains("does not fit"), "a part must fit the memory budget: {err}");
    assert!(user.fails(&["put", "x.txt", "--memory", "18446744073709551615"], "").contains("more than"));
    assert!(user.fails(&["get", "nothing/here.pdf"], "").contains("does not exist"));
    assert!(user.fails(&["-c", "Nobody", "ls"], "").contains("no connection named 'Nobody'"));
    assert!(
        user.fails(
            &[
                "connection",
                "add",
                "NoSecret",
                "--endpoint",
                "http://127.0.0.1:1",
                "--bucket",
                "abc",
                "--access-key-id",
                "K"
            ],
            ""
        )
        .contains("secret")
    );

    let lan = ["connection", "add", "NAS", "--endpoint", "http://10.20.30.40:9000", "--bucket", "docs"];
    let lan = [&lan[..], &["--access-key-id", "K", "--skip-test"]].concat();
    let err = user.fails(&lan, "secret\n");
    assert!(err.contains("unencrypted"), "plain http to another computer needs --insecure: {err}");
    user.ok_with_stdin(&[&lan[..], &["--insecure"]].concat(), "secret\n");
    assert!(user.ok(&["connection", "list"]).contains("NAS"));
    let with_password = ["connection", "add", "Pw", "--endpoint", "https://K:hunter22@nas.lan", "--bucket", "docs"];
    let err = user.fails(&[&with_password[..], &["--access-key-id", "K", "--skip-test"]].concat(), "secret\n");
    assert!(err.contains("user name or password") && !err.contains("hunter22"), "{err}");
    user.write("not-a-ca.pem", b"hello");
    let bad_ca = ["connection", "add", "Ca", "--endpoint", "https://nas.lan", "--bucket", "docs", "--skip-test"];
    let err = user.fails(&[&bad_ca[..], &["--access-key-id", "K", "--ca-certificate", "not-a-ca.pem"]].concat(), "s\n");
    assert!(err.contains("certificate"), "{err}");
}
