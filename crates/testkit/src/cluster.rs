//! A three-node Garage cluster for tests that lose a node in the middle of a transfer.

use crate::node::{Node, REGION, Servers, random_hex};
use crate::{KeyPair, free_ports};

/// Three Garage nodes on loopback ports, each in a zone of its own, storing every block and metadata entry
/// on all three (`replication_factor = 3`), so reads and writes need two of them (Garage's quorum).
///
/// Design decision: the nodes find each other through an explicit `garage node connect`, both at start and
/// in [`Cluster::start_node`]. A node that comes back would find its peers by itself, but only after
/// Garage's reconnection back-off (about 20 s measured here); connecting it at once makes `start_node`
/// return as soon as the cluster reports the node up, in well under a second.
///
/// Each node has its own temporary directory; dropping the cluster kills all nodes and deletes everything.
/// One kept in a `static` is cleaned up at process exit like a [`Garage`](crate::Garage).
#[derive(Debug)]
pub struct Cluster {
    nodes: Vec<Node>,
    /// `<hex id>@<rpc address>` of each node, in node order.
    ids: Vec<String>,
    bucket: String,
    rw_key: KeyPair,
}

impl Cluster {
    /// How many nodes a cluster has; nodes are numbered `0..NODES`.
    pub const NODES: usize = 3;

    /// Starts three nodes, connects them, assigns each a role in zones `dc1`..`dc3`, applies the layout,
    /// creates bucket `bucket` and a key with read, write and owner rights on it, and waits until every node
    /// has the layout, sees the others up and accepts S3 connections. Panics with the nodes' logs on failure.
    pub fn start(bucket: &str) -> Cluster {
        let secret = random_hex(32);
        // All ports at once, so no two nodes can be handed the same one.
        let ports: [u16; 3 * Self::NODES] = free_ports();
        let mut cluster = Cluster {
            nodes: ports.chunks_exact(3).map(|p| Node::create([p[0], p[1], p[2]], 3, &secret)).collect(),
            ids: Vec::new(),
            bucket: bucket.to_owned(),
            rw_key: KeyPair::default(),
        };
        // From here on a panic drops `cluster`, which kills the servers.
        for node in &mut cluster.nodes {
            node.spawn();
        }
        cluster.ids = (0..Self::NODES)
            .map(|i| cluster.retry(&format!("node {i} to answer `garage node id`"), |c| c.nodes[i].try_id()))
            .collect();
        // A new node knows no peer. Once node 0 knows both others, Garage's peer exchange connects those two
        // with each other; `wait_until_connected` below checks that it did.
        for i in 1..Self::NODES {
            let id = cluster.ids[i].clone();
            cluster.retry(&format!("node 0 to connect to node {i}"), |c| c.nodes[0].try_cli(&["node", "connect", &id]));
        }
        let ids = cluster.ids.clone();
        cluster.apply_layout_and_create_bucket(&ids, "1G", bucket);
        cluster.rw_key = cluster.create_key("coffer-rw");
        let rw = cluster.rw_key.id.clone();
        cluster.cli(&["bucket", "allow", "--read", "--write", "--owner", bucket, "--key", &rw]);
        for i in 0..Self::NODES {
            // Until a node has the layout it cannot route S3 requests.
            cluster.retry(&format!("node {i} to have layout version 1"), |c| {
                let layout = c.nodes[i].try_cli(&["layout", "show"])?;
                match layout.contains("Current cluster layout version: 1") {
                    true => Ok(()),
                    false => Err(format!("no layout version 1 in:\n{layout}")),
                }
            });
            cluster.retry(&format!("node {i}'s S3 port to accept connections"), |c| c.nodes[i].try_connect_s3());
        }
        cluster.wait_until_connected();
        cluster
    }

    /// The S3 endpoint of node `node`, `http://127.0.0.1:<port>`. Every node serves the whole bucket. Use
    /// path-style addressing.
    pub fn endpoint(&self, node: usize) -> String {
        self.nodes[node].endpoint()
    }

    /// The S3 region Garage expects in signatures: `garage`.
    pub fn region(&self) -> &str {
        REGION
    }

    /// The bucket created by [`Cluster::start`].
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// A key with read, write and owner rights on [`Cluster::bucket`].
    pub fn rw_key(&self) -> &KeyPair {
        &self.rw_key
    }

    /// Node `node`'s ID (64 hex digits), as `garage status` shows it (first 16 digits).
    pub fn node_id(&self, node: usize) -> &str {
        let id = &self.ids[node];
        id.split_once('@').map_or(id.as_str(), |(hex, _)| hex)
    }

    /// Runs the garage CLI against the lowest-numbered running node and returns stdout; panics with stderr
    /// on failure, or if no node runs.
    pub fn cli(&self, args: &[&str]) -> String {
        self.admin().cli(args)
    }

    /// Kills node `node` (SIGKILL) and waits for its process; its data stays. Does nothing if the node is
    /// stopped.
    ///
    /// Does not wait for the other nodes to notice, which in Garage 2.5 takes until their next ping to it:
    /// `garage status` listed it as failed 1 to 10 s later (8 s typical), and the first request a survivor
    /// sent to it in that time stalled 5 to 7 s before Garage gave up on the connection and used the other
    /// replica. That stall is real Garage behaviour that node-failure tests go through.
    pub fn stop_node(&mut self, node: usize) {
        self.nodes[node].stop();
    }

    /// Starts node `node` again on its ports and data and waits until its S3 port accepts connections and
    /// every running node reports every running node up. Only waits if the node is running already.
    pub fn start_node(&mut self, node: usize) {
        if !self.nodes[node].is_started() {
            self.nodes[node].spawn();
        }
        self.retry(&format!("node {node}'s S3 port to accept connections"), |c| c.nodes[node].try_connect_s3());
        let id = self.ids[node].clone();
        for other in self.running().into_iter().filter(|&i| i != node) {
            self.retry(&format!("node {other} to connect to node {node}"), |c| {
                c.nodes[other].try_cli(&["node", "connect", &id])
            });
        }
        self.wait_until_connected();
    }

    /// The numbers of the nodes that were started and not stopped.
    fn running(&self) -> Vec<usize> {
        (0..self.nodes.len()).filter(|&i| self.nodes[i].is_started()).collect()
    }

    /// Waits until every running node lists every running node among the healthy ones in `garage status`.
    fn wait_until_connected(&mut self) {
        let running = self.running();
        for &viewer in &running {
            self.retry(&format!("node {viewer} to report nodes {running:?} up"), |c| {
                let status = c.nodes[viewer].try_cli(&["status"])?;
                let healthy = healthy_nodes(&status);
                match running.iter().find(|&&n| !healthy.iter().any(|short| c.node_id(n).starts_with(short))) {
                    Some(n) => Err(format!("node {n} is not among the healthy nodes:\n{status}")),
                    None => Ok(()),
                }
            });
        }
    }
}

impl Servers for Cluster {
    fn admin(&self) -> &Node {
        match self.running().first() {
            Some(&i) => &self.nodes[i],
            None => panic!("no node of the Garage cluster is running"),
        }
    }

    fn dead(&mut self) -> Option<String> {
        let running = self.running();
        running.into_iter().find_map(|i| self.nodes[i].dead().map(|status| format!("node {i} {status}")))
    }

    fn logs(&self) -> String {
        let logs = self.nodes.iter().enumerate().map(|(i, node)| {
            format!("--- Garage node {i} log ---\n{}\n--- end of Garage node {i} log ---", node.log_tail())
        });
        logs.collect::<Vec<_>>().join("\n")
    }
}

/// The short IDs (16 hex digits) listed under `==== HEALTHY NODES ====` in `garage status` output; a node
/// that is down is listed under `==== FAILED NODES ====` instead.
fn healthy_nodes(status: &str) -> Vec<&str> {
    let mut healthy = Vec::new();
    let mut in_section = false;
    for line in status.lines() {
        if line.starts_with("====") {
            in_section = line.contains("HEALTHY NODES");
        } else if in_section {
            let first = line.split_whitespace().next().unwrap_or_default();
            // Skips the column header (`ID`) and blank lines.
            if first.len() >= 8 && first.bytes().all(|b| b.is_ascii_hexdigit()) {
                healthy.push(first);
            }
        }
    }
    healthy
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real Garage 2.5 output with the third node killed a moment before.
    const STATUS: &str = "\
==== HEALTHY NODES ====
ID                Hostname  Address          Tags  Zone  Capacity   DataAvail         ResyncQueue  Version
008b1af691a77c1c  vm        127.0.0.1:39901  []    dc2   953.7 MiB  62.4 GiB (24.8%)  0            cargo:2.5.0
56ab596465ef5ac2  vm        127.0.0.1:39900  []    dc1   953.7 MiB  62.4 GiB (24.8%)  0            cargo:2.5.0

==== FAILED NODES ====
ID                Hostname  Tags  Zone  Capacity   Last seen
1482baa5447ef833  vm        []    dc3   953.7 MiB  9 seconds ago
";

    #[test]
    fn healthy_nodes_exclude_failed_ones() {
        assert_eq!(healthy_nodes(STATUS), ["008b1af691a77c1c", "56ab596465ef5ac2"]);
    }

    #[test]
    fn nodes_without_role_or_status_yet_count_as_healthy() {
        // Right after `node connect`, and as a restarted node sees its peers before they exchange status.
        let status = "==== HEALTHY NODES ====\n\
            ID                Hostname  Address          Tags  Zone  Capacity          DataAvail  ResyncQueue  Version\n\
            008b1af691a77c1c  ?         127.0.0.1:39901              NO ROLE ASSIGNED             N/A\n\
            56ab596465ef5ac2  vm        127.0.0.1:39900              NO ROLE ASSIGNED             0            cargo:2.5.0\n";
        assert_eq!(healthy_nodes(status), ["008b1af691a77c1c", "56ab596465ef5ac2"]);
    }
}
