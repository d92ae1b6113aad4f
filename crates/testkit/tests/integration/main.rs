//! Integration tests of the test kit against real Garage servers, built as one test binary.

use std::net::{SocketAddr, TcpStream};
use std::thread::sleep;
use std::time::{Duration, Instant};

mod cluster;
mod garage;
mod proxy;

/// The address in an `http://127.0.0.1:<port>` endpoint.
fn addr(endpoint: &str) -> SocketAddr {
    let addr = endpoint.strip_prefix("http://").expect("endpoint is plain http");
    addr.parse().unwrap_or_else(|e| panic!("endpoint {endpoint} has no socket address: {e}"))
}

fn connects(endpoint: &str) -> bool {
    TcpStream::connect_timeout(&addr(endpoint), Duration::from_secs(1)).is_ok()
}

/// Whether `endpoint` stops accepting connections within 5 s: a closed listener is gone at once, but give the
/// kernel a moment to notice a killed process.
fn closes_within(endpoint: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while connects(endpoint) {
        if Instant::now() >= deadline {
            return false;
        }
        sleep(Duration::from_millis(50));
    }
    true
}
