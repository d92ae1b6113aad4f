//! The Local vault: an S3 endpoint served in-process on 127.0.0.1, storing under the app's data
//! folder, so Coffer works with no set-up.
//!
//! The engine talks to it through the same `aws-sdk-s3` client as to any bucket, so everything the
//! user does on it exercises the real code path. Its port is chosen once and remembered, so share
//! links stay valid across restarts; when another Coffer process already serves the vault on that
//! port, this one uses that server instead of starting a second writer on the same folder.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use hyper_util::rt::{TokioExecutor, TokioIo};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::bucket::Bucket;
use crate::connection::{Connection, CredentialSource, LOCAL_VAULT};
use crate::error::{Error, ErrorKind, Result};
use crate::key::Prefix;
use crate::keychain::{AccessKey, KeychainEntry};

/// The vault's one bucket.
pub const LOCAL_BUCKET: &str = "vault";
const REGION: &str = "us-east-1";

#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    port: Option<u16>,
}

/// A running (or joined) Local vault. Stops serving when dropped.
#[derive(Debug)]
pub struct LocalVault {
    endpoint: String,
    key: AccessKey,
    root: PathBuf,
    stop: Option<CancellationToken>,
}

impl Drop for LocalVault {
    fn drop(&mut self) {
        if let Some(stop) = &self.stop {
            stop.cancel();
        }
    }
}

impl LocalVault {
    /// Starts the vault under `data_dir`, with credentials from the keychain (generated and stored
    /// on first start) and the port remembered in `data_dir/local-vault.toml`.
    pub async fn start(data_dir: &Path) -> Result<Self> {
        crate::coffer::private_dir(data_dir)?;
        let entry = KeychainEntry::for_local_vault();
        let key = match entry.load().await? {
            Some(key) => key,
            None => {
                let key = generate_key();
                entry.store(key.clone()).await?;
                key
            }
        };
        let state_path = data_dir.join("local-vault.toml");
        let state: State = match std::fs::read_to_string(&state_path) {
            Ok(text) => toml::from_str(&text).unwrap_or_default(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => State::default(),
            Err(e) => return Err(Error::local_io(&state_path, &e)),
        };
        let vault = Self::serve(&data_dir.join("vault"), state.port.unwrap_or(0), key).await?;
        if state.port.is_none() {
            let port = vault.port();
            let text = toml::to_string(&State { port: Some(port) }).expect("state serialises");
            std::fs::write(&state_path, text).map_err(|e| Error::local_io(&state_path, &e))?;
        }
        Ok(vault)
    }

    /// Serves the folder `root` on `127.0.0.1:port` (0 picks a free port) accepting only `key`.
    /// If the port is taken, assumes another Coffer serves the same vault there and joins it.
    pub async fn serve(root: &Path, port: u16, key: AccessKey) -> Result<Self> {
        crate::coffer::private_dir(root)?;
        let bucket_dir = root.join(LOCAL_BUCKET);
        std::fs::create_dir_all(&bucket_dir).map_err(|e| Error::local_io(&bucket_dir, &e))?;
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let listener = match tokio::net::TcpListener::bind(addr).await {
            Ok(listener) => listener,
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && port != 0 => {
                return Ok(Self { endpoint: format!("http://{addr}"), key, root: root.to_owned(), stop: None });
            }
            Err(e) => {
                return Err(Error::new(ErrorKind::Io, format!("The Local vault cannot listen on {addr}: {e}.")));
            }
        };
        let addr = listener
            .local_addr()
            .map_err(|e| Error::new(ErrorKind::Io, format!("The Local vault has no address: {e}.")))?;

        let fs = s3s_fs::FileSystem::new(root).map_err(|e| {
            Error::new(ErrorKind::Io, format!("The Local vault cannot use '{}': {e:?}.", root.display()))
        })?;
        let service = {
            let mut builder = s3s::service::S3ServiceBuilder::new(fs);
            builder.set_auth(s3s::auth::SimpleAuth::from_single(
                key.access_key_id.clone(),
                secrecy::ExposeSecret::expose_secret(&key.secret_access_key).to_owned(),
            ));
            builder.build()
        };
        let stop = CancellationToken::new();
        let stopped = stop.clone();
        tokio::spawn(async move {
            let http = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            loop {
                let socket = tokio::select! {
                    () = stopped.cancelled() => break,
                    accepted = listener.accept() => match accepted {
                        Ok((socket, _)) => socket,
                        // A failed accept (for example out of file descriptors) must not end the vault.
                        Err(_) => continue,
                    },
                };
                let conn = http.serve_connection(TokioIo::new(socket), service.clone()).into_owned();
                let stopped = stopped.clone();
                tokio::spawn(async move {
                    tokio::select! {
                        () = stopped.cancelled() => {}
                        _ = conn => {}
                    }
                });
            }
        });
        Ok(Self { endpoint: format!("http://{addr}"), key, root: root.to_owned(), stop: Some(stop) })
    }

    /// The URL it serves on, `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The port it serves on.
    pub fn port(&self) -> u16 {
        self.endpoint.rsplit(':').next().and_then(|p| p.parse().ok()).unwrap_or(0)
    }

    /// The folder the vault stores its objects under.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether this process serves the vault (rather than joining another Coffer's server).
    pub fn is_serving(&self) -> bool {
        self.stop.is_some()
    }

    /// The Local vault as a connection, as the connection list shows it.
    pub fn connection(&self) -> Connection {
        Connection {
            name: LOCAL_VAULT.to_owned(),
            endpoint: self.endpoint.clone(),
            region: REGION.to_owned(),
            bucket: LOCAL_BUCKET.to_owned(),
            prefix: Prefix::root(),
            addressing: None,
            credentials: CredentialSource::Keychain,
        }
    }

    /// The vault's bucket, ready for requests.
    pub async fn bucket(&self) -> Result<Bucket> {
        Bucket::open(self.connection(), Some(self.key.clone())).await
    }
}

fn generate_key() -> AccessKey {
    use rand::Rng;
    use rand::distr::Alphanumeric;
    let random = |n| rand::rng().sample_iter(&Alphanumeric).take(n).map(char::from).collect::<String>();
    AccessKey::new(format!("COFFERLOCAL{}", random(9).to_uppercase()), random(40))
}
