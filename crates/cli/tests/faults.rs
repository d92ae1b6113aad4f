//! Fault tests: the built `coffer` binary uploading to real Garage servers while things go wrong —
//! the process is killed with SIGKILL, the server stops and comes back, a proxy cuts and delays
//! connections or refuses ListMultipartUploads, a node of a three-node cluster goes down.
//!
//! Every wait is bounded; a test that cannot finish fails instead of hanging. Credentials come from
//! the AWS environment variables (the connection uses the AWS chain), so no keychain is involved.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use coffer_testkit::{Cluster, Garage, KeyPair, Proxy};
use md5::{Digest, Md5};
use tempfile::TempDir;

const MIB: usize = 1024 * 1024;

/// One user of the CLI with their own config and data folders, talking to one endpoint.
struct User {
    home: TempDir,
    key: KeyPair,
}

impl User {
    fn new(endpoint: &str, region: &str, bucket: &str, key: &KeyPair) -> Self {
        let user = Self { home: tempfile::tempdir().unwrap(), key: key.clone() };
        let args = ["connection", "add", "s3", "--endpoint", endpoint, "--region", region, "--bucket", bucket];
        user.ok(&[&args[..], &["--aws-profile", "", "--skip-test"]].concat());
        user
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_coffer"));
        cmd.args(args)
            .env("XDG_CONFIG_HOME", self.home.path().join("config"))
            .env("XDG_DATA_HOME", self.home.path().join("data"))
            .env("AWS_ACCESS_KEY_ID", &self.key.id)
            .env("AWS_SECRET_ACCESS_KEY", &self.key.secret)
            .env("COFFER_CONNECTION", "s3")
            .env_remove("AWS_PROFILE")
            .current_dir(self.home.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    fn spawn(&self, args: &[&str]) -> Child {
        self.command(args).spawn().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = wait(self.spawn(args), Duration::from_secs(240), args);
        assert!(out.status.success(), "coffer {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.home.path().join(rel)
    }

    /// A file of `len` bytes that differ from any other file's.
    fn write(&self, rel: &str, len: usize) -> PathBuf {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let mut state = md5_hex(rel.as_bytes()).into_bytes();
        let mut bytes = Vec::with_capacity(len + 16);
        while bytes.len() < len {
            state = Md5::digest(&state).to_vec();
            bytes.extend_from_slice(&state);
        }
        bytes.truncate(len);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// The MD5 of the stored object, downloaded fresh.
    fn stored_md5(&self, key: &str) -> String {
        let target = self.path("downloaded");
        self.ok(&["get", key, target.to_str().unwrap()]);
        let digest = md5_hex(&std::fs::read(&target).unwrap());
        std::fs::remove_file(target).unwrap();
        digest
    }
}

fn md5_hex(bytes: &[u8]) -> String {
    Md5::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn file_md5(path: &Path) -> String {
    md5_hex(&std::fs::read(path).unwrap())
}

/// Waits for `child` at most `limit`, killing it (and failing) if it takes longer.
fn wait(mut child: Child, limit: Duration, what: &[&str]) -> Output {
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            child.kill().unwrap();
            let out = child.wait_with_output().unwrap();
            panic!("coffer {what:?} did not finish within {limit:?}: {}", String::from_utf8_lossy(&out.stderr));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

/// Polls `done` every 20 ms for at most `limit`.
fn until(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Cuts every connection and refuses new ones, so nothing more reaches the server until
/// `proxy.refuse(false)`. Returns `true`, to end an [`until`] in the same step as the check.
fn freeze(proxy: &Proxy) -> bool {
    proxy.refuse(true);
    proxy.drop_all();
    true
}

fn s3_addr(endpoint: &str) -> SocketAddr {
    endpoint.trim_start_matches("http://").parse().expect("an http://ip:port endpoint")
}

#[test]
fn killed_mid_upload_resumes_without_list_multipart_uploads() {
    let garage = Garage::start("killed");
    let proxy = Proxy::start(s3_addr(&garage.endpoint()));
    // As with a key that lacks s3:ListBucketMultipartUploads: resuming must not depend on it.
    proxy.deny_list_multipart_uploads(true);
    let user = User::new(&proxy.endpoint(), garage.region(), garage.bucket(), garage.rw_key());
    let size = 160 * MIB;
    let file = user.write("big.bin", size);

    let args = ["put", file.to_str().unwrap(), "--to", "kept/", "--parts", "2", "--part-size", "8"];
    let mut child = user.spawn(&args);
    // At most two 8 MiB parts are unacknowledged at any time, so most of what was sent is kept.
    // Once enough is sent the network goes dead, so the upload cannot finish before the kill however
    // fast the machine.
    until(Duration::from_secs(120), "60% of the file to be sent", || {
        proxy.bytes_up() > (size as u64) * 3 / 5 && freeze(&proxy)
    });
    child.kill().expect("SIGKILL"); // Child::kill is SIGKILL on Unix.
    let status = child.wait().unwrap();
    assert!(!status.success(), "the upload was killed before it finished");

    proxy.refuse(false);
    proxy.reset_counters();
    let out = user.ok(&["resume"]);
    assert!(out.contains("kept/big.bin"), "resume names the file it finished: {out}");
    let resent = proxy.bytes_up();
    assert!(resent < (size as u64) * 3 / 5, "resume sent {resent} bytes of {size}: it must not start over");
    assert_eq!(proxy.denied(), 0, "resume never asks for ListMultipartUploads");
    assert_eq!(user.stored_md5("kept/big.bin"), file_md5(&file), "the stored object is byte-identical");
    let again = user.command(&["resume"]).output().unwrap();
    assert!(String::from_utf8_lossy(&again.stderr).contains("Nothing to resume"), "nothing is uploaded twice");
}

#[test]
fn upload_survives_the_server_stopping_and_coming_back() {
    let mut garage = Garage::start("outage");
    let proxy = Proxy::start(s3_addr(&garage.endpoint()));
    let user = User::new(&proxy.endpoint(), garage.region(), garage.bucket(), garage.rw_key());
    let size = 96 * MIB;
    let file = user.write("big.bin", size);
    let folder_file = user.write("docs/letter.txt", 4096);

    let docs = user.path("docs");
    let args = ["put", file.to_str().unwrap(), docs.to_str().unwrap(), "--to", "up/", "--parts", "2"];
    let mut child = user.spawn(&args);
    until(Duration::from_secs(120), "a third of the file to be sent", || {
        proxy.bytes_up() > (size as u64) / 3 && freeze(&proxy)
    });
    garage.stop();
    proxy.refuse(false);
    assert!(child.try_wait().unwrap().is_none(), "the server went away in the middle of the upload");
    std::thread::sleep(Duration::from_secs(4));
    garage.restart();
    let out = wait(child, Duration::from_secs(240), &args);
    assert!(out.status.success(), "the upload finished after the outage: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(user.stored_md5("up/big.bin"), file_md5(&file));
    assert_eq!(user.stored_md5("up/docs/letter.txt"), file_md5(&folder_file));
}

#[test]
fn uploads_complete_through_cut_and_delayed_connections() {
    let garage = Garage::start("flaky");
    let proxy = Proxy::start(s3_addr(&garage.endpoint()));
    // Every connection dies after 12 MiB (a part is 8 MiB) and every chunk is late.
    proxy.cut_after(Some(12 * MIB as u64));
    proxy.delay(Duration::from_millis(2));
    let user = User::new(&proxy.endpoint(), garage.region(), garage.bucket(), garage.rw_key());
    let big = user.write("in/big.bin", 40 * MIB + 5);
    let mut small = Vec::new();
    for i in 0..40 {
        small.push(user.write(&format!("in/small/{i}.txt"), 70_000 + i));
    }
    // One part at a time, so connections are reused until the proxy cuts them mid-part.
    user.ok(&["put", user.path("in").to_str().unwrap(), "--parts", "1", "--jobs", "2", "--part-size", "8"]);
    let sent = proxy.bytes_up();
    let content = (40 * MIB + 5 + (0..40).map(|i| 70_000 + i).sum::<usize>()) as u64;
    assert!(sent > content + 4 * MIB as u64, "connections were cut mid-request and the parts sent again ({sent})");
    proxy.cut_after(None);
    proxy.delay(Duration::ZERO);
    assert_eq!(user.stored_md5("in/big.bin"), file_md5(&big));
    for (i, path) in small.iter().enumerate() {
        assert_eq!(user.stored_md5(&format!("in/small/{i}.txt")), file_md5(path));
    }
}

#[test]
fn cluster_keeps_working_with_a_node_down() {
    let mut cluster = Cluster::start("replicated");
    let user = User::new(&cluster.endpoint(0), cluster.region(), cluster.bucket(), cluster.rw_key());
    let before = user.write("before.txt", 1000);
    user.ok(&["put", before.to_str().unwrap()]);

    cluster.stop_node(2);
    let big = user.write("docs/big.bin", 24 * MIB);
    user.write("docs/a.txt", 10);
    user.write("docs/b.txt", 20);
    user.ok(&["put", user.path("docs").to_str().unwrap()]);
    let listed = user.ok(&["ls", "-r"]);
    for key in ["before.txt", "docs/a.txt", "docs/b.txt", "docs/big.bin"] {
        assert!(listed.contains(key), "{key} is listed with a node down: {listed}");
    }
    assert_eq!(user.stored_md5("docs/big.bin"), file_md5(&big));
    assert_eq!(user.stored_md5("before.txt"), file_md5(&before), "data written before the failure is readable");
    user.ok(&["rm", "-r", "docs/"]);
    let listed = user.ok(&["ls", "-r"]);
    assert!(!listed.contains("docs/"), "deleting works with a node down: {listed}");
    cluster.start_node(2);
}
