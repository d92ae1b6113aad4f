//! Starts a throwaway Garage node for tests written outside Rust (the desktop end-to-end test) and
//! prints how to reach it as one JSON line on stdout. The node lives until stdin closes, so it dies
//! with whoever started it, however that process ends.
//!
//! Usage: `garage-fixture <bucket>`

use std::io::Read;

fn main() {
    let bucket = std::env::args().nth(1).unwrap_or_else(|| "e2e".to_owned());
    let garage = coffer_testkit::Garage::start(&bucket);
    println!(
        "{{\"endpoint\":\"{}\",\"region\":\"{}\",\"bucket\":\"{}\",\"accessKeyId\":\"{}\",\"secret\":\"{}\"}}",
        garage.endpoint(),
        garage.region(),
        garage.bucket(),
        garage.rw_key().id,
        garage.rw_key().secret
    );
    // Blocks until the parent closes our stdin or exits.
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    drop(garage);
}
