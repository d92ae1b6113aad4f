//! One `garage server` process with its own directory, configuration, ports, log and CLI, plus the waits and
//! set-up steps that [`Garage`](crate::Garage) (one node) and [`Cluster`](crate::Cluster) (three) share.

use std::fmt::Write as _;
use std::fs::{self, File, OpenOptions};
use std::io::{Read as _, Seek as _, SeekFrom};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::{KeyPair, leftovers};

/// How long any one wait for Garage (start, layout, restart) may take before the test fails: a cap
/// for a node that hangs, not an expected time. A wait ends as soon as its state holds, or at once
/// when a node dies; on a loaded two-core machine one node once took over a minute to start.
const TIMEOUT: Duration = Duration::from_secs(300);
const POLL: Duration = Duration::from_millis(100);
/// How much of a node's log a failure message quotes: the end is what explains a failure.
const LOG_TAIL: u64 = 16 * 1024;
pub(crate) const REGION: &str = "garage";

const MISSING_HINT: &str =
    "\n(install Garage with `cargo install garage --locked`, or set COFFER_GARAGE_BIN to its binary)";

/// A Garage server's directory and configuration, and its process while it runs.
///
/// Dropping it kills the process and deletes the directory; until then the directory is known to
/// [`leftovers`], so a node that is never dropped is still cleaned up when the test process exits.
#[derive(Debug)]
pub(crate) struct Node {
    child: Option<Child>,
    dir: TempDir,
    config: PathBuf,
    log: PathBuf,
    s3_port: u16,
}

impl Node {
    /// Creates the node's directory and configuration, listening on `[s3, rpc, admin]` ports; does not start
    /// it. All nodes of one cluster need the same `rpc_secret`.
    pub(crate) fn create(ports: [u16; 3], replication_factor: u8, rpc_secret: &str) -> Node {
        let dir = tempfile::Builder::new()
            .prefix("coffer-garage-")
            .tempdir()
            .expect("cannot create a temporary directory for Garage");
        let config = dir.path().join("garage.toml");
        fs::write(&config, config_toml(dir.path(), ports, replication_factor, rpc_secret))
            .expect("cannot write Garage's configuration");
        leftovers::track(dir.path(), None);
        Node { child: None, log: dir.path().join("garage.log"), dir, config, s3_port: ports[0] }
    }

    pub(crate) fn s3_addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.s3_port))
    }

    pub(crate) fn endpoint(&self) -> String {
        format!("http://{}", self.s3_addr())
    }

    /// Whether the process was started and not stopped (it may have died since).
    pub(crate) fn is_started(&self) -> bool {
        self.child.is_some()
    }

    /// Starts `garage server`, appending to the node's log. Panics if the binary cannot be run.
    pub(crate) fn spawn(&mut self) {
        // Appending keeps the log of earlier runs, which is what explains a failed restart.
        let log = OpenOptions::new().create(true).append(true).open(&self.log).expect("cannot open Garage's log file");
        let err = log.try_clone().expect("cannot duplicate Garage's log file handle");
        let mut cmd = self.command();
        if std::env::var_os("RUST_LOG").is_none() {
            cmd.env("RUST_LOG", "garage=info");
        }
        let child = cmd
            .arg("server")
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run `{}`: {e}{MISSING_HINT}", garage_bin().display()));
        leftovers::track(self.dir.path(), Some(child.id()));
        self.child = Some(child);
    }

    /// Kills the process (SIGKILL) and waits for it; the data stays. Does nothing if it is stopped.
    pub(crate) fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // Forgotten before it is reaped, so the exit hook can never kill a recycled process ID.
            leftovers::track(self.dir.path(), None);
            // `kill` fails only if the process already exited, which is what we want anyway.
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Why this node cannot answer: it is not running or its process exited. `None` while it runs.
    pub(crate) fn dead(&mut self) -> Option<String> {
        match self.child.as_mut().map(Child::try_wait) {
            None => Some("is not running".to_owned()),
            Some(Ok(Some(status))) => Some(format!("exited ({status})")),
            Some(Ok(None)) => None,
            Some(Err(e)) => Some(format!("cannot be waited for: {e}")),
        }
    }

    /// Runs the garage CLI against this node and returns stdout; panics with stderr on failure.
    pub(crate) fn cli(&self, args: &[&str]) -> String {
        self.try_cli(args).unwrap_or_else(|e| panic!("{e}"))
    }

    pub(crate) fn try_cli(&self, args: &[&str]) -> Result<String, String> {
        let out = self
            .command()
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run `{}`: {e}{MISSING_HINT}", garage_bin().display()))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(format!(
                "`garage {}` failed ({}):\n{}\n{}",
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim_end(),
                String::from_utf8_lossy(&out.stdout).trim_end(),
            ))
        }
    }

    /// The node's `<hex id>@<rpc address>`, as `garage node connect` wants it.
    ///
    /// `node id` only reads the key file the server writes first thing, so it can succeed before the RPC
    /// port listens.
    pub(crate) fn try_id(&self) -> Result<String, String> {
        let out = self.try_cli(&["node", "id", "-q"])?;
        let id = out.trim();
        match id.split_once('@') {
            Some((hex, _)) if !hex.is_empty() => Ok(id.to_owned()),
            _ => Err(format!("unexpected `garage node id -q` output: {out:?}")),
        }
    }

    pub(crate) fn try_connect_s3(&self) -> Result<(), String> {
        let addr = self.s3_addr();
        TcpStream::connect_timeout(&addr, Duration::from_secs(1))
            .map(drop)
            .map_err(|e| format!("connect to {addr}: {e}"))
    }

    pub(crate) fn log_tail(&self) -> String {
        log_tail(&self.log)
    }

    /// A `garage` command against this node, sheltered from the caller's environment.
    fn command(&self) -> Command {
        let mut cmd = Command::new(garage_bin());
        // Garage reads secrets and settings from GARAGE_* variables, which would override our config.
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("GARAGE_") {
                cmd.env_remove(name);
            }
        }
        cmd.arg("-c").arg(&self.config).current_dir(self.dir.path());
        cmd
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        // Before the fields drop: the server must be gone before `TempDir` deletes its files.
        self.stop();
        leftovers::untrack(self.dir.path());
    }
}

/// A set of Garage nodes that tests wait on: waits give up as soon as a node that should run has died, and
/// failures quote the nodes' logs. The set-up steps shared by a single node and a cluster live here.
pub(crate) trait Servers {
    /// The node that set-up commands go to.
    fn admin(&self) -> &Node;
    /// Why waiting is pointless (`server exited …`, `node 1 exited …`), if a node that should run does not.
    fn dead(&mut self) -> Option<String>;
    /// The end of every node's log, for a failure message.
    fn logs(&self) -> String;

    fn fail(&self, message: &str) -> ! {
        // No paths: the directories are deleted as the panic unwinds.
        panic!("{message}\n{}", self.logs())
    }

    /// Calls `attempt` until it succeeds, failing the test with the last error and the logs when a node dies
    /// or [`TIMEOUT`] passes.
    fn retry<T>(&mut self, what: &str, mut attempt: impl FnMut(&Self) -> Result<T, String>) -> T {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let error = match attempt(self) {
                Ok(out) => return out,
                Err(e) => e,
            };
            if let Some(status) = self.dead() {
                self.fail(&format!("Garage {status} while waiting for {what}; last error: {error}"));
            }
            if Instant::now() >= deadline {
                self.fail(&format!("timed out after {TIMEOUT:?} waiting for {what}; last error: {error}"));
            }
            sleep(POLL);
        }
    }

    /// Gives every node in `ids` (`<hex>@<addr>`, as from [`Node::try_id`]) a storage role, each in a zone of
    /// its own (`dc1`, `dc2`, …), applies layout version 1, and creates `bucket` once that layout is active.
    fn apply_layout_and_create_bucket(&mut self, ids: &[String], capacity: &str, bucket: &str) {
        for (i, id) in ids.iter().enumerate() {
            let hex = id.split('@').next().unwrap_or_default();
            self.admin().cli(&["layout", "assign", "-z", &format!("dc{}", i + 1), "-c", capacity, hex]);
        }
        self.admin().cli(&["layout", "apply", "--version", "1"]);
        // The new layout may take a moment to become active; until then bucket creation fails with
        // "Layout not ready".
        self.retry("the layout to become active (bucket creation)", |s| {
            match s.admin().try_cli(&["bucket", "create", bucket]) {
                // An earlier attempt may have succeeded although its reply reported an error.
                Err(e) if e.contains("BucketAlreadyExists") => Ok(String::new()),
                // A bad name will not get better by waiting.
                Err(e) if e.contains("InvalidRequest") => panic!("{e}"),
                other => other,
            }
        });
    }

    fn create_key(&self, name: &str) -> KeyPair {
        // Key names are neither unique nor exact in Garage's CLI lookups, so the rest goes by ID.
        let id = key_field(&self.admin().cli(&["key", "create", name]), "Key ID:");
        let info = self.admin().cli(&["key", "info", &id, "--show-secret"]);
        KeyPair { secret: key_field(&info, "Secret key:"), id }
    }
}

/// A fresh random secret of `bytes` bytes, hex-encoded, as Garage wants `rpc_secret` and admin tokens.
pub(crate) fn random_hex(bytes: usize) -> String {
    (0..bytes).map(|_| rand::random::<u8>()).fold(String::with_capacity(2 * bytes), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn garage_bin() -> PathBuf {
    std::env::var_os("COFFER_GARAGE_BIN").map_or_else(|| PathBuf::from("garage"), PathBuf::from)
}

fn config_toml(dir: &Path, [s3_port, rpc_port, admin_port]: [u16; 3], replication_factor: u8, secret: &str) -> String {
    let admin_token = random_hex(16);
    let metadata = toml_string(&dir.join("meta"));
    let data = toml_string(&dir.join("data"));
    format!(
        r#"metadata_dir = {metadata}
data_dir = {data}
db_engine = "sqlite"
replication_factor = {replication_factor}

rpc_bind_addr = "127.0.0.1:{rpc_port}"
rpc_public_addr = "127.0.0.1:{rpc_port}"
rpc_secret = "{secret}"

[s3_api]
s3_region = "{REGION}"
api_bind_addr = "127.0.0.1:{s3_port}"

[admin]
api_bind_addr = "127.0.0.1:{admin_port}"
admin_token = "{admin_token}"
"#
    )
}

/// The value of the `<label>   <value>` line in `garage key info`/`key create` output.
fn key_field(output: &str, label: &str) -> String {
    output
        .lines()
        .find_map(|l| l.trim().strip_prefix(label).map(|v| v.trim().to_owned()))
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| panic!("no `{label}` line in Garage's key output:\n{output}"))
}

/// A TOML basic string holding `path`.
fn toml_string(path: &Path) -> String {
    let mut s = String::from("\"");
    for c in path.to_string_lossy().chars() {
        match c {
            '"' | '\\' => {
                s.push('\\');
                s.push(c);
            }
            c if c.is_control() => {
                let _ = write!(s, "\\u{:04X}", c as u32);
            }
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

fn log_tail(path: &Path) -> String {
    let read = || -> std::io::Result<String> {
        let mut file = File::open(path)?;
        let len = file.metadata()?.len();
        file.seek(SeekFrom::Start(len.saturating_sub(LOG_TAIL)))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        Ok(if len > LOG_TAIL { format!("[… first {} bytes omitted …]\n{text}", len - LOG_TAIL) } else { text })
    };
    read().unwrap_or_else(|e| format!("(cannot read the log: {e})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_fields_are_read_from_garage_2_output() {
        let output = "==== ACCESS KEY INFORMATION ====\n\
            Key ID:              GK7d861be4c32ab0c01cef1ac4\n\
            Key name:            k1\n\
            Secret key:          4f2c0bb01af22e93fa9ed1b43e460d487d0e52ecf5ab0cdb3a4415b66411c147\n\
            Created:             2026-11-22 02:02:42.606 +00:00\n";
        assert_eq!(key_field(output, "Key ID:"), "GK7d861be4c32ab0c01cef1ac4");
        assert_eq!(
            key_field(output, "Secret key:"),
            "4f2c0bb01af22e93fa9ed1b43e460d487d0e52ecf5ab0cdb3a4415b66411c147"
        );
    }

    #[test]
    fn toml_string_escapes_quotes_and_backslashes() {
        assert_eq!(toml_string(Path::new(r#"/tmp/a"b\c"#)), r#""/tmp/a\"b\\c""#);
    }

    #[test]
    fn random_hex_has_two_digits_per_byte_and_differs() {
        let (a, b) = (random_hex(32), random_hex(32));
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()), "{a}");
        assert_ne!(a, b, "two secrets must not repeat");
    }
}
