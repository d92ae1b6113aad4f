//! Backends for the conformance suite: a Local vault in a temporary folder, and one Garage node
//! shared by the whole test binary with a fresh bucket per case.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use coffer_engine::{AccessKey, Bucket, Connection, CredentialSource, LocalVault, Prefix};
use coffer_testkit::Garage;
use tempfile::TempDir;

pub struct Fixture {
    /// Read-write access to an empty bucket of this case's own.
    pub bucket: Bucket,
    /// The same bucket through a key that may only read; `None` where the backend has one key.
    pub read_only: Option<Bucket>,
    /// Whether the server refuses a request signed for another region.
    pub checks_region: bool,
    /// Whether listings carry each object's ETag (the Local vault's server leaves it out).
    pub lists_etags: bool,
    /// Whether the server refuses a PutObject or CompleteMultipartUpload whose If-None-Match /
    /// If-Match fails (s3s-fs does; Garage 2.x ignores both).
    pub enforces_conditional_writes: bool,
    /// Whether the server keeps bucket lifecycle rules (Garage does; s3s-fs has none).
    pub has_lifecycle_rules: bool,
    /// Whether a `HEAD` of part 1 of a multipart object tells its part size (Garage does; s3s-fs
    /// keeps no parts), which checking a multipart download needs.
    pub tells_part_sizes: bool,
    /// Local files for the case.
    pub dir: TempDir,
    unfinished: Unfinished,
    _vault: Option<LocalVault>,
}

/// How to see multipart uploads left behind: the Local vault has no ListMultipartUploads, so its
/// upload files are counted on disk instead.
enum Unfinished {
    Listed,
    Files(PathBuf),
}

static GARAGE: OnceLock<Garage> = OnceLock::new();

impl Fixture {
    pub async fn local_vault(_case: &str) -> Self {
        let dir = tempfile::tempdir().expect("a temp dir");
        let root = dir.path().join("vault-root");
        let key = AccessKey::new("LOCALTESTKEY", "local-test-secret-0123456789");
        let vault = LocalVault::serve(&root, 0, key).await.expect("the Local vault starts");
        let bucket = vault.bucket().await.expect("the Local vault opens");
        Self {
            bucket,
            read_only: None,
            checks_region: false,
            lists_etags: false,
            enforces_conditional_writes: true,
            has_lifecycle_rules: false,
            tells_part_sizes: false,
            unfinished: Unfinished::Files(root),
            dir,
            _vault: Some(vault),
        }
    }

    pub async fn garage(case: &str) -> Self {
        let garage = tokio::task::spawn_blocking(|| GARAGE.get_or_init(|| Garage::start("conformance")))
            .await
            .expect("Garage starts");
        let name: String = format!("t-{case}").replace('_', "-").chars().take(63).collect();
        let name = name.trim_end_matches('-').to_owned();
        let ro_id = garage.ro_key().id.clone();
        let created = name.clone();
        tokio::task::spawn_blocking(move || {
            let garage = GARAGE.get().expect("started above");
            garage.create_bucket(&created);
            garage.cli(&["bucket", "allow", "--read", &created, "--key", &ro_id]);
        })
        .await
        .expect("the bucket is created");
        let conn = garage_connection(garage, &name);
        let rw = &garage.rw_key();
        let ro = &garage.ro_key();
        let bucket = Bucket::open(conn.clone(), Some(AccessKey::new(&rw.id, &rw.secret))).await.expect("opens");
        let read_only = Bucket::open(conn, Some(AccessKey::new(&ro.id, &ro.secret))).await.expect("opens");
        Self {
            bucket,
            read_only: Some(read_only),
            checks_region: true,
            lists_etags: true,
            enforces_conditional_writes: false,
            has_lifecycle_rules: true,
            tells_part_sizes: true,
            unfinished: Unfinished::Listed,
            dir: tempfile::tempdir().expect("a temp dir"),
            _vault: None,
        }
    }

    /// The case's bucket opened with changed settings or another key.
    pub async fn variant(&self, change: impl FnOnce(&mut Connection), key: Option<AccessKey>) -> Bucket {
        let mut conn = self.bucket.connection().clone();
        change(&mut conn);
        let key = key.or_else(|| Some(self.key()));
        Bucket::open(conn, key).await.expect("a variant opens")
    }

    /// The read-write key, for variants that change only the connection.
    pub fn key(&self) -> AccessKey {
        match &self._vault {
            Some(_) => AccessKey::new("LOCALTESTKEY", "local-test-secret-0123456789"),
            None => {
                let rw = GARAGE.get().expect("started").rw_key();
                AccessKey::new(&rw.id, &rw.secret)
            }
        }
    }

    /// A plain SDK client on the case's bucket with the read-write key, for what the engine does
    /// not do itself (an administrator's lifecycle rules).
    fn raw_client(&self) -> aws_sdk_s3::Client {
        let key = self.key();
        let conn = self.bucket.connection();
        let config = aws_sdk_s3::Config::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new(conn.region.clone()))
            .endpoint_url(&conn.endpoint)
            .force_path_style(true)
            .credentials_provider(aws_sdk_s3::config::Credentials::new(
                &key.access_key_id,
                secrecy::ExposeSecret::expose_secret(&key.secret_access_key),
                None,
                None,
                "test",
            ))
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }

    /// The bucket's lifecycle rules.
    pub async fn bucket_rules(&self) -> Vec<aws_sdk_s3::types::LifecycleRule> {
        let conn = self.bucket.connection();
        let got = self.raw_client().get_bucket_lifecycle_configuration().bucket(&conn.bucket).send().await;
        got.expect("the rules can be read").rules.unwrap_or_default()
    }

    /// Replaces the bucket's lifecycle rules, as an administrator would.
    pub async fn set_bucket_rules(&self, rules: Vec<aws_sdk_s3::types::LifecycleRule>) {
        let conn = self.bucket.connection();
        let configuration =
            aws_sdk_s3::types::BucketLifecycleConfiguration::builder().set_rules(Some(rules)).build().unwrap();
        self.raw_client()
            .put_bucket_lifecycle_configuration()
            .bucket(&conn.bucket)
            .lifecycle_configuration(configuration)
            .send()
            .await
            .expect("the rules can be written");
    }

    /// Every key stored under `prefix`, Coffer's own hidden ones included (which its listings leave out).
    pub async fn stored_keys(&self, prefix: &str) -> Vec<String> {
        let conn = self.bucket.connection();
        let listed = self
            .raw_client()
            .list_objects_v2()
            .bucket(&conn.bucket)
            .prefix(format!("{}{prefix}", conn.prefix.as_str()))
            .send()
            .await
            .expect("listing keys works");
        listed.contents().iter().filter_map(|o| o.key.clone()).collect()
    }

    /// How many multipart uploads are open in the bucket.
    pub async fn unfinished_uploads(&self) -> usize {
        match &self.unfinished {
            Unfinished::Listed => {
                let listed = self
                    .raw_client()
                    .list_multipart_uploads()
                    .bucket(&self.bucket.connection().bucket)
                    .send()
                    .await
                    .expect("listing uploads works");
                listed.uploads().len()
            }
            Unfinished::Files(root) => std::fs::read_dir(root)
                .expect("the vault root exists")
                .filter(|e| e.as_ref().is_ok_and(|e| e.file_name().to_string_lossy().starts_with(".upload")))
                .count(),
        }
    }

    /// Writes a local file of `len` deterministic bytes under the case's folder.
    pub fn file(&self, relative: &str, len: usize) -> PathBuf {
        let path = self.dir.path().join(relative);
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
        std::fs::write(&path, pattern(len, relative.len() as u8)).expect("write");
        path
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }
}

fn garage_connection(garage: &Garage, bucket: &str) -> Connection {
    Connection {
        name: format!("Garage {bucket}"),
        endpoint: garage.endpoint(),
        region: garage.region().to_owned(),
        bucket: bucket.to_owned(),
        prefix: Prefix::root(),
        addressing: None,
        credentials: CredentialSource::Keychain,
        insecure: false,
        ca_certificate: None,
    }
}

/// Bytes that differ with position and seed, so a misplaced or reordered part is noticed.
pub fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| ((i * 31 + i / 4099) as u8).wrapping_add(seed)).collect()
}

pub fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// A TLS front for the case's server, with a certificate authority of its own, as a self-hosted
/// server would have: HTTPS on `https://localhost:<port>` relayed to the plain endpoint.
pub struct TlsFront {
    pub endpoint: String,
    /// The authority that signed the front's certificate, as PEM.
    pub ca_pem: String,
    _stop: tokio_util::sync::DropGuard,
}

impl TlsFront {
    pub async fn start(upstream: &str) -> Self {
        use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
        let upstream = upstream.trim_start_matches("http://").to_owned();
        let ca_key = KeyPair::generate().expect("a key");
        let mut ca_params = CertificateParams::new(Vec::new()).expect("params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = ca_params.self_signed(&ca_key).expect("the authority signs itself");
        let issuer = Issuer::new(ca_params, ca_key);
        let leaf_key = KeyPair::generate().expect("a key");
        let leaf = CertificateParams::new(vec!["localhost".to_owned()])
            .expect("params")
            .signed_by(&leaf_key, &issuer)
            .expect("the authority signs the server");

        let config = tokio_rustls::rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(
                vec![leaf.der().clone()],
                rustls_pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
            )
            .expect("a server config");
        let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("an address").port();
        let stop = tokio_util::sync::CancellationToken::new();
        let stopped = stop.clone();
        tokio::spawn(async move {
            loop {
                let socket = tokio::select! {
                    () = stopped.cancelled() => break,
                    accepted = listener.accept() => match accepted { Ok((socket, _)) => socket, Err(_) => continue },
                };
                let (acceptor, upstream) = (acceptor.clone(), upstream.clone());
                tokio::spawn(async move {
                    // A client that refuses the certificate ends the handshake here.
                    let Ok(mut tls) = acceptor.accept(socket).await else { return };
                    let Ok(mut plain) = tokio::net::TcpStream::connect(&upstream).await else { return };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                });
            }
        });
        Self { endpoint: format!("https://localhost:{port}"), ca_pem: ca.pem(), _stop: stop.drop_guard() }
    }
}
