//! Starts a real Garage and checks the life cycle tests rely on: reachable, keys granted, restartable.

use std::process::Command;
use std::sync::OnceLock;
use std::time::Instant;

use coffer_testkit::Garage;

use crate::{closes_within, connects};

#[test]
fn starts_grants_keys_stops_and_restarts() {
    let started = Instant::now();
    let mut garage = Garage::start("testkit-bucket");
    eprintln!("Garage started in {:?}", started.elapsed());

    assert!(garage.endpoint().starts_with("http://127.0.0.1:"), "{}", garage.endpoint());
    assert_eq!(garage.region(), "garage");
    assert_eq!(garage.bucket(), "testkit-bucket");
    assert!(connects(&garage.endpoint()), "S3 port refuses connections");

    let (rw, ro) = (garage.rw_key().clone(), garage.ro_key().clone());
    assert!(rw.id.starts_with("GK") && ro.id.starts_with("GK"), "{rw:?} {ro:?}");
    assert!(!rw.secret.is_empty() && !ro.secret.is_empty());
    assert_ne!(rw.id, ro.id);
    let info = garage.cli(&["bucket", "info", "testkit-bucket"]);
    assert!(info.contains(&rw.id), "rw key missing from bucket info:\n{info}");
    assert!(info.contains(&ro.id), "ro key missing from bucket info:\n{info}");

    garage.create_bucket("testkit-other");
    let other = garage.cli(&["bucket", "info", "testkit-other"]);
    assert!(other.contains(&rw.id), "rw key missing from the second bucket:\n{other}");

    garage.stop();
    assert!(closes_within(&garage.endpoint()), "S3 port still open after stop()");

    let restarted = Instant::now();
    garage.restart();
    eprintln!("Garage restarted in {:?}", restarted.elapsed());
    assert!(connects(&garage.endpoint()), "S3 port refuses connections after restart()");
    // The data survived: the bucket and its grants are still there.
    let info = garage.cli(&["bucket", "info", "testkit-bucket"]);
    assert!(info.contains(&rw.id) && info.contains(&ro.id), "grants lost on restart:\n{info}");
}

/// A `Garage` in a `static` is never dropped; the exit hook must still kill its server.
#[test]
fn static_instance_dies_with_the_test_process() {
    const CHILD: &str = "COFFER_TESTKIT_STATIC_CHILD";
    if std::env::var_os(CHILD).is_some() {
        static GARAGE: OnceLock<Garage> = OnceLock::new();
        let garage = GARAGE.get_or_init(|| Garage::start("testkit-static"));
        println!("ENDPOINT={}", garage.endpoint());
        return;
    }
    // Re-run just this test in a process of its own, which exits with the server still in the static.
    let out = Command::new(std::env::current_exe().expect("the test binary's path"))
        .args(["--exact", "garage::static_instance_dies_with_the_test_process", "--nocapture"])
        .env(CHILD, "1")
        .output()
        .expect("the test binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let endpoint = stdout
        .lines()
        .find_map(|l| l.strip_prefix("ENDPOINT="))
        .unwrap_or_else(|| panic!("no endpoint printed:\n{stdout}"));
    assert!(!connects(endpoint), "the server outlived its test process at {endpoint}");
}
