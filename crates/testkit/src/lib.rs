//! Test support for Coffer: starts a real, throw-away, single-node [Garage](https://garagehq.deuxfleurs.fr/)
//! S3 server on loopback ports so integration tests talk to an actual S3 implementation instead of a mock.
//!
//! Key design decision: Garage is driven as an external process through its own `garage` binary and CLI
//! (found on `PATH`, or at `$COFFER_GARAGE_BIN`), with a blocking `std::process` API. That keeps this crate
//! free of async runtimes and Garage's admin-API client, makes it usable from plain `#[test]`s and
//! `#[tokio::test]`s alike, and lets tests kill and restart the server to exercise failure handling.
//!
//! ```no_run
//! let garage = coffer_testkit::Garage::start("vault");
//! // Point an S3 client at garage.endpoint() with region garage.region(), path-style addressing and
//! // garage.rw_key().id / garage.rw_key().secret as credentials.
//! ```

use std::fmt::Write as _;
use std::fs::{self, File, OpenOptions};
use std::io::{Read as _, Seek as _, SeekFrom};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// How long any one wait for Garage (start, layout, restart) may take before the test fails.
const TIMEOUT: Duration = Duration::from_secs(60);
const POLL: Duration = Duration::from_millis(100);
/// How much of Garage's log a failure message quotes: the end is what explains a failure.
const LOG_TAIL: u64 = 16 * 1024;
const REGION: &str = "garage";

/// An S3 access key: the access key ID and its secret.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyPair {
    /// The access key ID (`GK…`).
    pub id: String,
    /// The secret access key.
    pub secret: String,
}

/// A running single-node Garage server in its own temporary directory.
///
/// Every instance has its own ports, configuration, metadata and data, so tests may run in parallel.
/// Dropping it kills the server and deletes everything. One kept in a `static` (to share a server between
/// the tests of a binary) is never dropped; on Unix its server is killed and its files deleted when the
/// test process exits normally instead.
#[derive(Debug)]
pub struct Garage {
    child: Option<Child>,
    dir: TempDir,
    config: PathBuf,
    log: PathBuf,
    s3_port: u16,
    bucket: String,
    rw_key: KeyPair,
    ro_key: KeyPair,
}

impl Garage {
    /// Starts a single node, applies the layout, creates bucket `bucket`, a read-write key and a read-only
    /// key (`garage bucket allow --read` only) for it. Panics with Garage's log on failure.
    pub fn start(bucket: &str) -> Garage {
        let dir = tempfile::Builder::new()
            .prefix("coffer-garage-")
            .tempdir()
            .expect("cannot create a temporary directory for Garage");
        let [s3_port, rpc_port, admin_port] = free_ports();
        let config = dir.path().join("garage.toml");
        fs::write(&config, config_toml(dir.path(), s3_port, rpc_port, admin_port))
            .expect("cannot write Garage's configuration");
        let mut garage = Garage {
            child: None,
            log: dir.path().join("garage.log"),
            dir,
            config,
            s3_port,
            bucket: bucket.to_owned(),
            rw_key: KeyPair::default(),
            ro_key: KeyPair::default(),
        };
        leftovers::track(garage.dir.path(), None);
        // From here on a panic drops `garage`, which kills the server.
        garage.spawn();

        let node = garage.retry("the node to answer `garage node id`", |g| g.try_cli(&["node", "id", "-q"]));
        // `node id` only reads the key file the server writes first thing, so it can succeed before the
        // RPC port listens; `status` goes over RPC.
        garage.retry("the node to answer `garage status`", |g| g.try_cli(&["status"]));
        // `node id -q` prints `<id>@<rpc address>`; the layout wants only the id.
        let node = node.trim().split('@').next().unwrap_or_default().to_owned();
        garage.cli(&["layout", "assign", "-z", "dc1", "-c", "10G", &node]);
        garage.cli(&["layout", "apply", "--version", "1"]);

        // The new layout may take a moment to become active; until then bucket creation fails with
        // "Layout not ready".
        garage.retry("the layout to become active (bucket creation)", |g| {
            match g.try_cli(&["bucket", "create", bucket]) {
                // An earlier attempt may have succeeded although its reply reported an error.
                Err(e) if e.contains("BucketAlreadyExists") => Ok(String::new()),
                // A bad name will not get better by waiting.
                Err(e) if e.contains("InvalidRequest") => panic!("{e}"),
                other => other,
            }
        });
        garage.rw_key = garage.create_key("coffer-rw");
        garage.ro_key = garage.create_key("coffer-ro");
        let (rw, ro) = (garage.rw_key.id.clone(), garage.ro_key.id.clone());
        garage.cli(&["bucket", "allow", "--read", "--write", "--owner", bucket, "--key", &rw]);
        garage.cli(&["bucket", "allow", "--read", bucket, "--key", &ro]);
        garage.wait_for_s3_port();
        garage
    }

    /// The S3 endpoint, `http://127.0.0.1:<port>`. Use path-style addressing.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.s3_port)
    }

    /// The S3 region Garage expects in signatures: `garage`.
    pub fn region(&self) -> &str {
        REGION
    }

    /// The bucket created by [`Garage::start`].
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// A key with read, write and owner rights on [`Garage::bucket`] and on buckets made by
    /// [`Garage::create_bucket`].
    pub fn rw_key(&self) -> &KeyPair {
        &self.rw_key
    }

    /// A key that may only read [`Garage::bucket`].
    pub fn ro_key(&self) -> &KeyPair {
        &self.ro_key
    }

    /// Runs the garage CLI against this node and returns stdout; panics with stderr on failure.
    pub fn cli(&self, args: &[&str]) -> String {
        self.try_cli(args).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Creates another bucket and grants the rw key read+write on it. Panics if it exists already.
    pub fn create_bucket(&self, name: &str) {
        self.cli(&["bucket", "create", name]);
        self.cli(&["bucket", "allow", "--read", "--write", "--owner", name, "--key", &self.rw_key.id]);
    }

    /// Kills the server process (SIGKILL) and waits for it; the data stays. Does nothing if it is stopped.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // Forgotten before it is reaped, so the exit hook can never kill a recycled process ID.
            leftovers::track(self.dir.path(), None);
            // `kill` fails only if the process already exited, which is what we want anyway.
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server process again on the same ports and data; waits until the S3 port accepts TCP
    /// connections and `garage status` succeeds. Stops the running server first, if any.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
        self.wait_for_s3_port();
        self.retry("the restarted node to answer `garage status`", |g| g.try_cli(&["status"]));
    }

    fn spawn(&mut self) {
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

    fn try_cli(&self, args: &[&str]) -> Result<String, String> {
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

    fn create_key(&self, name: &str) -> KeyPair {
        // Key names are neither unique nor exact in Garage's CLI lookups, so the rest goes by ID.
        let id = key_field(&self.cli(&["key", "create", name]), "Key ID:");
        let info = self.cli(&["key", "info", &id, "--show-secret"]);
        KeyPair { secret: key_field(&info, "Secret key:"), id }
    }

    /// Calls `attempt` until it succeeds, failing the test with the last error and Garage's log when the
    /// server dies or [`TIMEOUT`] passes.
    fn retry(&mut self, what: &str, mut attempt: impl FnMut(&Self) -> Result<String, String>) -> String {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let error = match attempt(self) {
                Ok(out) => return out,
                Err(e) => e,
            };
            self.check_running(what);
            if Instant::now() >= deadline {
                self.fail(&format!("timed out after {TIMEOUT:?} waiting for {what}; last error: {error}"));
            }
            sleep(POLL);
        }
    }

    fn wait_for_s3_port(&mut self) {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.s3_port));
        self.retry("the S3 port to accept connections", |_| {
            TcpStream::connect_timeout(&addr, Duration::from_secs(1))
                .map(|_| String::new())
                .map_err(|e| format!("connect to {addr}: {e}"))
        });
    }

    fn check_running(&mut self, what: &str) {
        let status = match self.child.as_mut().map(Child::try_wait) {
            None => Some("is not running".to_owned()),
            Some(Ok(Some(status))) => Some(format!("exited ({status})")),
            Some(Ok(None)) => None,
            Some(Err(e)) => Some(format!("cannot be waited for: {e}")),
        };
        if let Some(status) = status {
            self.fail(&format!("Garage server {status} while waiting for {what}"));
        }
    }

    fn fail(&self, message: &str) -> ! {
        panic!(
            // No path: the directory is deleted as the panic unwinds.
            "{message}\n--- Garage log ---\n{}\n--- end of Garage log ---",
            log_tail(&self.log)
        )
    }
}

impl Drop for Garage {
    fn drop(&mut self) {
        // Before the fields drop: the server must be gone before `TempDir` deletes its files.
        self.stop();
        leftovers::untrack(self.dir.path());
    }
}

/// Clean-up at process exit for servers whose `Garage` is never dropped, which is the case for one kept in a
/// `static` to share it between tests: without this each test run would leave a server and its files behind.
#[cfg(unix)]
mod leftovers {
    use std::path::{Path, PathBuf};
    use std::sync::{Mutex, Once, PoisonError};

    /// Every undropped `Garage`'s directory, with the process ID of its unreaped server if one runs.
    static LIVE: Mutex<Vec<(PathBuf, Option<libc::pid_t>)>> = Mutex::new(Vec::new());

    pub(crate) fn track(dir: &Path, pid: Option<u32>) {
        static HOOK: Once = Once::new();
        // SAFETY: `clean_up` is an `extern "C"` function that never unwinds.
        HOOK.call_once(|| unsafe {
            libc::atexit(clean_up);
        });
        let pid = pid.and_then(|p| libc::pid_t::try_from(p).ok());
        let mut live = LIVE.lock().unwrap_or_else(PoisonError::into_inner);
        match live.iter_mut().find(|(d, _)| d == dir) {
            Some(entry) => entry.1 = pid,
            None => live.push((dir.to_owned(), pid)),
        }
    }

    pub(crate) fn untrack(dir: &Path) {
        LIVE.lock().unwrap_or_else(PoisonError::into_inner).retain(|(d, _)| d != dir);
    }

    extern "C" fn clean_up() {
        let live = std::mem::take(&mut *LIVE.lock().unwrap_or_else(PoisonError::into_inner));
        for (dir, pid) in live {
            if let Some(pid) = pid {
                // SAFETY: plain system calls on our own child, which is unreaped so its ID is still ours.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                    libc::waitpid(pid, std::ptr::null_mut(), 0);
                }
            }
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Elsewhere a `Garage` kept in a `static` leaks its server and files when the tests end.
#[cfg(not(unix))]
mod leftovers {
    use std::path::Path;

    pub(crate) fn track(_dir: &Path, _pid: Option<u32>) {}
    pub(crate) fn untrack(_dir: &Path) {}
}

/// A free loopback TCP port.
///
/// The port is free when this returns but is not reserved: another process may take it before the caller
/// binds it. That race is accepted for tests.
pub fn free_port() -> u16 {
    let [port] = free_ports();
    port
}

/// `N` distinct free ports: every listener is held until all are chosen, so none is handed out twice.
fn free_ports<const N: usize>() -> [u16; N] {
    let listeners: [TcpListener; N] =
        std::array::from_fn(|_| TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("cannot bind a loopback TCP port"));
    listeners.map(|l| l.local_addr().expect("bound listener has no address").port())
}

const MISSING_HINT: &str =
    "\n(install Garage with `cargo install garage --locked`, or set COFFER_GARAGE_BIN to its binary)";

fn garage_bin() -> PathBuf {
    std::env::var_os("COFFER_GARAGE_BIN").map_or_else(|| PathBuf::from("garage"), PathBuf::from)
}

fn config_toml(dir: &Path, s3_port: u16, rpc_port: u16, admin_port: u16) -> String {
    let secret = rand::random::<[u8; 32]>().iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    });
    let admin_token = rand::random::<[u8; 16]>().iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    });
    let metadata = toml_string(&dir.join("meta"));
    let data = toml_string(&dir.join("data"));
    format!(
        r#"metadata_dir = {metadata}
data_dir = {data}
db_engine = "sqlite"
replication_factor = 1

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
    fn free_ports_are_distinct_and_nonzero() {
        let ports: [u16; 3] = free_ports();
        assert!(ports.iter().all(|&p| p != 0));
        assert_ne!(ports[0], ports[1]);
        assert_ne!(ports[1], ports[2]);
        assert_ne!(ports[0], ports[2]);
        assert_ne!(free_port(), 0);
    }

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
}
