//! A single-node Garage: the everyday S3 server of Coffer's tests.

use crate::node::{Node, REGION, Servers, random_hex};
use crate::{KeyPair, free_ports};

/// A running single-node Garage server in its own temporary directory.
///
/// Every instance has its own ports, configuration, metadata and data, so tests may run in parallel.
/// Dropping it kills the server and deletes everything. One kept in a `static` (to share a server between
/// the tests of a binary) is never dropped; on Unix its server is killed and its files deleted when the
/// test process exits normally instead.
#[derive(Debug)]
pub struct Garage {
    node: Node,
    bucket: String,
    rw_key: KeyPair,
    ro_key: KeyPair,
}

impl Garage {
    /// Starts a single node, applies the layout, creates bucket `bucket`, a read-write key and a read-only
    /// key (`garage bucket allow --read` only) for it. Panics with Garage's log on failure.
    pub fn start(bucket: &str) -> Garage {
        let mut garage = Garage {
            node: Node::create(free_ports(), 1, &random_hex(32)),
            bucket: bucket.to_owned(),
            rw_key: KeyPair::default(),
            ro_key: KeyPair::default(),
        };
        // From here on a panic drops `garage`, which kills the server.
        garage.node.spawn();

        let id = garage.retry("the node to answer `garage node id`", |g| g.node.try_id());
        // `status` goes over RPC, which `node id` does not.
        garage.retry("the node to answer `garage status`", |g| g.node.try_cli(&["status"]));
        garage.apply_layout_and_create_bucket(&[id], "10G", bucket);
        garage.rw_key = garage.create_key("coffer-rw");
        garage.ro_key = garage.create_key("coffer-ro");
        let (rw, ro) = (garage.rw_key.id.clone(), garage.ro_key.id.clone());
        garage.cli(&["bucket", "allow", "--read", "--write", "--owner", bucket, "--key", &rw]);
        garage.cli(&["bucket", "allow", "--read", bucket, "--key", &ro]);
        garage.retry("the S3 port to accept connections", |g| g.node.try_connect_s3());
        garage
    }

    /// The S3 endpoint, `http://127.0.0.1:<port>`. Use path-style addressing.
    pub fn endpoint(&self) -> String {
        self.node.endpoint()
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
        self.node.cli(args)
    }

    /// Creates another bucket and grants the rw key read+write on it. Panics if it exists already.
    pub fn create_bucket(&self, name: &str) {
        self.cli(&["bucket", "create", name]);
        self.cli(&["bucket", "allow", "--read", "--write", "--owner", name, "--key", &self.rw_key.id]);
    }

    /// Kills the server process (SIGKILL) and waits for it; the data stays. Does nothing if it is stopped.
    pub fn stop(&mut self) {
        self.node.stop();
    }

    /// Starts the server process again on the same ports and data; waits until the S3 port accepts TCP
    /// connections and `garage status` succeeds. Stops the running server first, if any.
    pub fn restart(&mut self) {
        self.stop();
        self.node.spawn();
        self.retry("the S3 port to accept connections", |g| g.node.try_connect_s3());
        self.retry("the restarted node to answer `garage status`", |g| g.node.try_cli(&["status"]));
    }
}

impl Servers for Garage {
    fn admin(&self) -> &Node {
        &self.node
    }

    fn dead(&mut self) -> Option<String> {
        self.node.dead().map(|status| format!("server {status}"))
    }

    fn logs(&self) -> String {
        format!("--- Garage log ---\n{}\n--- end of Garage log ---", self.node.log_tail())
    }
}
