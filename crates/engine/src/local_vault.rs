//! The Local vault: an S3 endpoint served in-process on 127.0.0.1, storing under the app's data
//! folder, so Coffer works with no set-up.
//!
//! The engine talks to it through the same `aws-sdk-s3` client as to any bucket, so everything the
//! user does on it exercises the real code path. Its port is chosen once and remembered, so share
//! links stay valid across restarts; when another Coffer process already serves the vault on that
//! port, this one uses that server instead of starting a second writer on the same folder.
//!
//! The design decision that matters: a process on the remembered port is joined only after it
//! proves it is this user's vault. The serving process writes a random token into the vault's
//! 0700 folder (`coffer-owner/proof`, which is also an object it serves); a joiner reads the file
//! and asks the server for the object. A stranger on the port can read neither, so it is never
//! sent a document: the vault then serves on a new port and says that earlier links stopped working.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use hyper_util::rt::{TokioExecutor, TokioIo};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::bucket::Bucket;
use crate::connection::{Connection, CredentialSource, LOCAL_VAULT};
use crate::error::{Error, Result};
use crate::key::Prefix;
use crate::keychain::{AccessKey, KeychainEntry};

/// The vault's one bucket.
pub const LOCAL_BUCKET: &str = "vault";
/// The bucket holding the serving process's proof of identity (see the module's doc).
const OWNER_BUCKET: &str = "coffer-owner";
const PROOF: &str = "proof";
/// How long a joiner waits for a process that has just taken the port to write its proof.
const PROOF_WAIT: std::time::Duration = std::time::Duration::from_secs(3);
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
    /// The token this process wrote as its proof, when it serves.
    proof: Option<String>,
    /// The remembered port, when a stranger held it and the vault moved.
    moved_from: Option<u16>,
}

impl Drop for LocalVault {
    fn drop(&mut self) {
        if let Some(stop) = &self.stop {
            stop.cancel();
        }
        // A later process must not mistake this one's token for a live server's.
        if let Some(token) = &self.proof {
            let path = proof_path(&self.root);
            if std::fs::read_to_string(&path).is_ok_and(|text| text == *token) {
                let _ = std::fs::remove_file(path);
            }
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
        if state.port.is_none() || vault.moved_from.is_some() {
            let port = vault.port();
            let text = toml::to_string(&State { port: Some(port) }).expect("state serialises");
            crate::coffer::save_file(&state_path, &text)?;
        }
        Ok(vault)
    }

    /// Serves the folder `root` on `127.0.0.1:port` (0 picks a free port) accepting only `key`.
    /// If the port is taken by a process that proves it serves this same vault, joins it; if by
    /// anything else, serves on a free port instead and says so in [`LocalVault::moved_from`].
    pub async fn serve(root: &Path, port: u16, key: AccessKey) -> Result<Self> {
        crate::coffer::private_dir(root)?;
        for bucket in [LOCAL_BUCKET, OWNER_BUCKET] {
            let dir = root.join(bucket);
            crate::coffer::private_dir(&dir)?;
        }
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let (listener, moved_from) = match tokio::net::TcpListener::bind(addr).await {
            Ok(listener) => (listener, None),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && port != 0 => {
                let joined = Self {
                    endpoint: format!("http://{addr}"),
                    key: key.clone(),
                    root: root.to_owned(),
                    stop: None,
                    proof: None,
                    moved_from: None,
                };
                if joined.proves_identity().await {
                    return Ok(joined);
                }
                tracing::warn!(
                    "port {port} is held by a program that is not this user's Local vault; serving on another port"
                );
                let any = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
                let listener = tokio::net::TcpListener::bind(any).await.map_err(|e| cannot_listen(any, &e))?;
                (listener, Some(port))
            }
            Err(e) => return Err(cannot_listen(addr, &e)),
        };
        let addr = listener.local_addr().map_err(Error::vault_no_address)?;
        // Written before the first connection is accepted, so a joiner never finds the port served
        // without a proof for longer than it takes to write one file.
        let token = random(32);
        crate::coffer::save_file(&proof_path(root), &token)?;

        let fs = s3s_fs::FileSystem::new(root).map_err(|e| Error::vault_unusable(root.display(), format!("{e:?}")))?;
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
        Ok(Self {
            endpoint: format!("http://{addr}"),
            key,
            root: root.to_owned(),
            stop: Some(stop),
            proof: Some(token),
            moved_from,
        })
    }

    /// Whether the server at this endpoint serves the proof found in the vault's folder. Waits a
    /// little for a proof that is not written yet: its owner may have just taken the port.
    async fn proves_identity(&self) -> bool {
        let deadline = tokio::time::Instant::now() + PROOF_WAIT;
        let expected = loop {
            match std::fs::read_to_string(proof_path(&self.root)) {
                Ok(token) if !token.is_empty() => break token,
                _ if tokio::time::Instant::now() >= deadline => return false,
                _ => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
            }
        };
        let mut connection = self.connection();
        connection.bucket = OWNER_BUCKET.to_owned();
        let Ok(bucket) = Bucket::open(connection, Some(self.key.clone())).await else { return false };
        let answer = tokio::time::timeout(PROOF_WAIT, async {
            let object = bucket.client.get_object().bucket(OWNER_BUCKET).key(PROOF).send().await.ok()?;
            object.body.collect().await.ok().map(|body| body.into_bytes())
        })
        .await;
        matches!(answer, Ok(Some(served)) if served.as_ref() == expected.as_bytes())
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

    /// The port the vault used to be on, when another program held it and the vault had to move:
    /// share links made earlier point there and no longer work.
    pub fn moved_from(&self) -> Option<u16> {
        self.moved_from
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
            insecure: false,
            ca_certificate: None,
        }
    }

    /// The vault's bucket, ready for requests.
    pub async fn bucket(&self) -> Result<Bucket> {
        Bucket::open(self.connection(), Some(self.key.clone())).await
    }
}

fn generate_key() -> AccessKey {
    AccessKey::new(format!("COFFERLOCAL{}", random(9).to_uppercase()), random(40))
}

fn random(n: usize) -> String {
    use rand::Rng;
    use rand::distr::Alphanumeric;
    rand::rng().sample_iter(&Alphanumeric).take(n).map(char::from).collect()
}

fn proof_path(root: &Path) -> PathBuf {
    root.join(OWNER_BUCKET).join(PROOF)
}

fn cannot_listen(addr: SocketAddr, e: &std::io::Error) -> Error {
    Error::vault_cannot_listen(addr, e)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// A program that is not Coffer, answering 200 to anything on a port, and keeping the request
    /// lines it received.
    async fn stranger() -> (u16, Arc<Mutex<Vec<String>>>) {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let log = Arc::clone(&log);
                tokio::spawn(async move {
                    let mut buf = vec![0; 64 * 1024];
                    let n = socket.read(&mut buf).await.unwrap_or(0);
                    let request = String::from_utf8_lossy(&buf[..n]);
                    log.lock().unwrap().push(request.lines().next().unwrap_or_default().to_owned());
                    let _ =
                        socket.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok").await;
                });
            }
        });
        (port, seen)
    }

    #[tokio::test]
    async fn a_stranger_on_the_remembered_port_is_never_sent_a_document() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("vault");
        let key = generate_key();
        // The proof of an earlier run that crashed is still on disk, as it would be after a kill -9.
        {
            let earlier = LocalVault::serve(&root, 0, key.clone()).await.unwrap();
            let proof = std::fs::read_to_string(proof_path(&root)).unwrap();
            drop(earlier);
            crate::coffer::save_file(&proof_path(&root), &proof).unwrap();
        }
        let (port, seen) = stranger().await;

        let vault = LocalVault::serve(&root, port, key).await.unwrap();
        assert!(vault.is_serving(), "the vault serves itself rather than join the stranger");
        assert_eq!(vault.moved_from(), Some(port), "the person is told the links changed");
        assert_ne!(vault.port(), port);

        let bucket = vault.bucket().await.unwrap();
        bucket
            .client
            .put_object()
            .bucket(LOCAL_BUCKET)
            .key("contract.pdf")
            .body(b"secret terms".to_vec().into())
            .send()
            .await
            .expect("the vault on its new port stores the document");
        let seen = seen.lock().unwrap().clone();
        assert!(
            seen.iter().all(|line| line.starts_with("GET /coffer-owner/proof")),
            "the stranger was only asked for the proof it could not give: {seen:?}"
        );
        assert!(root.join(LOCAL_BUCKET).join("contract.pdf").exists());
    }

    #[tokio::test]
    async fn a_second_process_joins_the_vault_that_proves_itself() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("vault");
        let key = generate_key();
        let first = LocalVault::serve(&root, 0, key.clone()).await.unwrap();
        let second = LocalVault::serve(&root, first.port(), key).await.unwrap();
        assert!(!second.is_serving(), "the second process uses the first one's server");
        assert_eq!(second.moved_from(), None);
        assert_eq!(second.endpoint(), first.endpoint());
        drop(second);
        assert!(proof_path(&root).exists(), "a joiner leaves the server's proof alone");
        drop(first);
        assert!(!proof_path(&root).exists(), "the server takes its proof away when it stops");
    }

    #[tokio::test]
    async fn a_download_that_differs_from_what_was_stored_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("vault");
        let vault = LocalVault::serve(&root, 0, generate_key()).await.unwrap();
        let bucket = vault.bucket().await.unwrap();
        let sent = b"the signed contract, version 1".to_vec();
        let put = bucket.client.put_object().bucket(LOCAL_BUCKET).key("contract.txt").body(sent.clone().into());
        put.send().await.unwrap();
        // The stored bytes rot on disk, while the server still holds the MD5 it computed on upload.
        let stored = root.join(LOCAL_BUCKET).join("contract.txt");
        assert_eq!(std::fs::read(&stored).unwrap(), sent, "the vault keeps objects as plain files");
        std::fs::write(&stored, b"the signed contract, version 2").unwrap();

        let target = dir.path().join("downloads").join("contract.txt");
        let key = crate::key::ObjectKey::new("contract.txt").unwrap();
        let error = bucket.download(&key, &target, &|_| {}, &Default::default()).await.unwrap_err();
        assert_eq!(error.code(), crate::ErrorCode::DownloadCorrupt, "{error}");
        assert!(!target.exists(), "nothing is saved");
        let leftovers = std::fs::read_dir(target.parent().unwrap()).unwrap().count();
        assert_eq!(leftovers, 0, "no temporary file is left behind");
    }

    #[tokio::test]
    async fn a_download_is_checked_by_the_stored_crc32c_where_there_is_one() {
        use base64::Engine as _;
        use md5::Digest;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("vault");
        let vault = LocalVault::serve(&root, 0, generate_key()).await.unwrap();
        let bucket = vault.bucket().await.unwrap();
        // One range, and two: the ranges' CRC32Cs are combined into the whole object's.
        for (name, len) in [("contract.txt", 1_000), ("scan.tiff", crate::download::RANGE as usize + 1_000)] {
            let sent: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let crc = crate::checksum::b64(&crc32c::crc32c(&sent).to_be_bytes());
            let put = bucket.client.put_object().bucket(LOCAL_BUCKET).key(name).checksum_crc32_c(crc);
            put.body(sent.clone().into()).send().await.unwrap();
            let key = crate::key::ObjectKey::new(name).unwrap();
            let target = dir.path().join("downloads").join(name);
            let intact = bucket.download(&key, &target, &|_| {}, &Default::default()).await.unwrap();
            assert_eq!(intact.checked_with, Some(crate::Checksum::Crc32c), "{name}: the cheaper checksum is used");
            assert_eq!(std::fs::read(&target).unwrap(), sent);

            // The last byte rots, and so does the record of the MD5, which now agrees with it: only
            // the CRC32C the server stored still tells.
            let mut rotten = sent.clone();
            *rotten.last_mut().unwrap() ^= 1;
            std::fs::write(root.join(LOCAL_BUCKET).join(name), &rotten).unwrap();
            let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(name);
            let info = std::fs::read_dir(&root)
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| p.to_string_lossy().ends_with(&format!("{encoded}.internal.json")))
                .expect("the vault keeps each object's checksums beside it");
            let mut record: serde_json::Value = serde_json::from_slice(&std::fs::read(&info).unwrap()).unwrap();
            assert!(record["checksum_crc32c"].is_string(), "{record}");
            record["e_tag"] = crate::checksum::hex(&md5::Md5::digest(&rotten)).into();
            std::fs::write(&info, serde_json::to_vec(&record).unwrap()).unwrap();

            let error = bucket.download(&key, &target, &|_| {}, &Default::default()).await.unwrap_err();
            assert_eq!(error.code(), crate::ErrorCode::DownloadCorrupt, "{name}: {error}");
            assert_eq!(std::fs::read(&target).unwrap(), sent, "{name}: the good copy stays");
        }
    }
}
