//! Starts a real three-node Garage cluster and checks what node-failure tests rely on: every node serves,
//! one can be stopped while the other two keep the cluster writable, and it rejoins when started again.

use std::thread::sleep;
use std::time::{Duration, Instant};

use coffer_testkit::Cluster;

use crate::{closes_within, connects};

/// The section of `garage status` output (`HEALTHY NODES`, `FAILED NODES`) that lists the node with the
/// full ID `id`, if any. Written independently of the crate's own parser.
fn section_of(status: &str, id: &str) -> Option<String> {
    let short = &id[..16];
    let mut section = String::new();
    for line in status.lines() {
        if line.starts_with("====") {
            section = line.trim_matches(|c| c == '=' || c == ' ').to_owned();
        } else if line.starts_with(short) {
            return Some(section);
        }
    }
    None
}

#[test]
fn a_node_stops_and_rejoins_while_the_others_keep_serving() {
    let started = Instant::now();
    let mut cluster = Cluster::start("testkit-cluster");
    eprintln!("Garage cluster started in {:?}", started.elapsed());

    assert_eq!(cluster.region(), "garage");
    assert_eq!(cluster.bucket(), "testkit-cluster");
    let endpoints: Vec<String> = (0..Cluster::NODES).map(|i| cluster.endpoint(i)).collect();
    for (i, endpoint) in endpoints.iter().enumerate() {
        assert!(endpoint.starts_with("http://127.0.0.1:"), "{endpoint}");
        assert!(connects(endpoint), "node {i}'s S3 port refuses connections");
        assert!(!endpoints[..i].contains(endpoint), "two nodes share {endpoint}");
        assert_eq!(cluster.node_id(i).len(), 64, "a node ID is 32 bytes in hex: {}", cluster.node_id(i));
    }
    let status = cluster.cli(&["status"]);
    for i in 0..Cluster::NODES {
        assert_eq!(section_of(&status, cluster.node_id(i)).as_deref(), Some("HEALTHY NODES"), "node {i}:\n{status}");
    }
    let rw = cluster.rw_key().clone();
    assert!(rw.id.starts_with("GK") && !rw.secret.is_empty(), "{rw:?}");
    let info = cluster.cli(&["bucket", "info", "testkit-cluster"]);
    assert!(info.contains(&rw.id), "rw key missing from bucket info:\n{info}");

    cluster.stop_node(2);
    assert!(closes_within(&endpoints[2]), "node 2's S3 port still open after stop_node");
    assert!(connects(&endpoints[0]) && connects(&endpoints[1]), "the other nodes must keep running");
    // A cap, not an expected time: Garage notices a node gone at its next ping, later when busy.
    let cap = Duration::from_secs(180);
    let deadline = Instant::now() + cap;
    loop {
        let status = cluster.cli(&["status"]);
        match section_of(&status, cluster.node_id(2)).as_deref() {
            Some("FAILED NODES") => break,
            _ if Instant::now() >= deadline => panic!("node 2 not reported failed within {cap:?}:\n{status}"),
            _ => sleep(Duration::from_millis(200)),
        }
    }
    // Two of three replicas are a quorum: metadata writes and reads still succeed.
    cluster.cli(&["bucket", "create", "testkit-while-down"]);
    let info = cluster.cli(&["bucket", "info", "testkit-cluster"]);
    assert!(info.contains(&rw.id), "bucket unreadable with a node down:\n{info}");

    let restarted = Instant::now();
    cluster.start_node(2);
    eprintln!("Garage cluster node restarted in {:?}", restarted.elapsed());
    assert!(connects(&endpoints[2]), "node 2's S3 port refuses connections after start_node");
    // start_node waits until the cluster reports the node up, so no polling here.
    let status = cluster.cli(&["status"]);
    assert_eq!(section_of(&status, cluster.node_id(2)).as_deref(), Some("HEALTHY NODES"), "{status}");
    assert!(!status.contains("FAILED NODES"), "no node may be failed after start_node:\n{status}");

    // With node 0 gone the CLI goes to another node.
    cluster.stop_node(0);
    let info = cluster.cli(&["bucket", "info", "testkit-while-down"]);
    assert!(info.contains("testkit-while-down"), "{info}");

    drop(cluster);
    for (i, endpoint) in endpoints.iter().enumerate() {
        assert!(closes_within(endpoint), "node {i} outlived the dropped cluster");
    }
}
