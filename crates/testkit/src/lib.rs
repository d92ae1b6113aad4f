//! Test support for Coffer: real, throw-away [Garage](https://garagehq.deuxfleurs.fr/) S3 servers on loopback
//! ports, so integration tests talk to an actual S3 implementation instead of a mock, and a TCP proxy that
//! puts faults between a client and such a server.
//!
//! - [`Garage`]: a single node, the everyday test server.
//! - [`Cluster`]: three nodes replicating everything, for tests that lose a node mid-transfer.
//! - [`Proxy`]: cuts, delays, refuses or denies requests on their way to a server, and counts the bytes sent.
//!
//! Key design decision: Garage is driven as an external process through its own `garage` binary and CLI
//! (found on `PATH`, or at `$COFFER_GARAGE_BIN`), with a blocking `std::process` API, and the proxy runs on
//! plain threads. That keeps this crate free of async runtimes and Garage's admin-API client, makes it usable
//! from plain `#[test]`s and `#[tokio::test]`s alike, and lets tests kill and restart servers to exercise
//! failure handling.
//!
//! ```no_run
//! let garage = coffer_testkit::Garage::start("vault");
//! // Point an S3 client at garage.endpoint() with region garage.region(), path-style addressing and
//! // garage.rw_key().id / garage.rw_key().secret as credentials.
//! ```

use std::net::{Ipv4Addr, TcpListener};

mod cluster;
mod garage;
mod leftovers;
mod node;
mod proxy;

pub use cluster::Cluster;
pub use garage::Garage;
pub use proxy::Proxy;

/// An S3 access key: the access key ID and its secret.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyPair {
    /// The access key ID (`GK…`).
    pub id: String,
    /// The secret access key.
    pub secret: String,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_ports_are_distinct_and_nonzero() {
        let ports: [u16; 9] = free_ports();
        assert!(ports.iter().all(|&p| p != 0));
        for (i, a) in ports.iter().enumerate() {
            assert!(ports[i + 1..].iter().all(|b| a != b), "port {a} handed out twice: {ports:?}");
        }
        assert_ne!(free_port(), 0);
    }
}
