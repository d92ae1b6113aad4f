//! An opened connection: an S3 client bound to one bucket and prefix.
//!
//! Every operation (upload, list, delete, download, share, check) is a method on [`Bucket`],
//! implemented in its own module. The Local vault and remote servers get the very same client code;
//! they differ only in endpoint and credentials.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_s3::config::{
    BehaviorVersion, Credentials, Region, RequestChecksumCalculation, ResponseChecksumValidation,
    StalledStreamProtectionConfig, retry::RetryConfig, timeout::TimeoutConfig,
};
use secrecy::ExposeSecret;

use crate::checksum::IntegrityMode;
use crate::conditional::WriteGuard;
use crate::connection::{Addressing, Connection, CredentialSource};
use crate::error::{Context, Error, Result};
use crate::index::SearchIndex;
use crate::key::{MAX_KEY_BYTES, ObjectKey, Prefix};
use crate::keychain::AccessKey;
use crate::list::Browsing;

/// One bucket (and prefix) of one connection, ready for requests. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Bucket {
    pub(crate) client: aws_sdk_s3::Client,
    pub(crate) conn: Connection,
    /// Shared by clones, so what one upload learns about the server serves the next.
    pub(crate) integrity: Arc<IntegrityMode>,
    /// Whether the server enforces conditional writes, probed once (see [`crate::conditional`]).
    pub(crate) guard: Arc<tokio::sync::OnceCell<WriteGuard>>,
    /// The connection's search index, told of every upload, delete and move made through this
    /// bucket, so Coffer's own changes are found at once.
    pub(crate) index: Option<Arc<SearchIndex>>,
    /// Shared by clones, so the index build sees every folder being listed for a person.
    pub(crate) browsing: Arc<Browsing>,
}

impl Bucket {
    /// Builds the client for `conn`. `key` is required for [`CredentialSource::Keychain`] and ignored
    /// for the AWS chain. No request is sent: use [`Bucket::check`] to test the connection.
    pub async fn open(conn: Connection, key: Option<AccessKey>) -> Result<Self> {
        conn.check_transport()?;
        let region = Region::new(conn.region.clone());
        let mut config = match (&conn.credentials, key) {
            (CredentialSource::Keychain, Some(key)) => {
                let creds = Credentials::new(
                    key.access_key_id,
                    key.secret_access_key.expose_secret(),
                    key.session_token.as_ref().map(|t| t.expose_secret().to_owned()),
                    None,
                    "coffer-keychain",
                );
                aws_sdk_s3::Config::builder().behavior_version(BehaviorVersion::latest()).credentials_provider(creds)
            }
            (CredentialSource::Keychain, None) => {
                return Err(Error::no_secret_stored(&conn.name));
            }
            (CredentialSource::AwsChain { profile }, _) => {
                let mut loader = aws_config::defaults(BehaviorVersion::latest()).region(region.clone());
                if let Some(profile) = profile {
                    loader = loader.profile_name(profile);
                }
                aws_sdk_s3::config::Builder::from(&loader.load().await)
            }
        };
        config = config
            .region(region)
            .force_path_style(conn.addressing() == Addressing::Path)
            .retry_config(RetryConfig::standard().with_max_attempts(4))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(10))
                    .read_timeout(Duration::from_secs(60))
                    .build(),
            )
            // Bodies are read from local disk and may legitimately pause; stalls are caught by the
            // read timeout instead.
            .stalled_stream_protection(StalledStreamProtectionConfig::disabled());
        if !conn.is_aws() {
            // Many S3-compatible servers reject the CRC checksums the SDK adds by default; the
            // engine sends Content-MD5 itself where integrity matters.
            config = config
                .endpoint_url(&conn.endpoint)
                .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
                .response_checksum_validation(ResponseChecksumValidation::WhenRequired);
        }
        if let Some(pem) = &conn.ca_certificate {
            config = config.http_client(https_trusting(pem));
        }
        let integrity = Arc::new(if conn.is_aws() { IntegrityMode::crc32c() } else { IntegrityMode::default() });
        Ok(Self {
            client: aws_sdk_s3::Client::from_conf(config.build()),
            conn,
            integrity,
            guard: Arc::default(),
            index: None,
            browsing: Arc::default(),
        })
    }

    /// Keeps `index` current with every upload, delete and move made through this bucket.
    pub fn attach_index(&mut self, index: Arc<SearchIndex>) {
        self.index = Some(index);
    }

    /// The connection's search index, if one is attached.
    pub fn search_index(&self) -> Option<&Arc<SearchIndex>> {
        self.index.as_ref()
    }

    /// Tells the index of a change. The index is a cache that the next build corrects, so a
    /// failure here is logged, never an error of the operation.
    pub(crate) fn note_in_index(&self, change: impl FnOnce(&SearchIndex) -> Result<()>) {
        if let Some(index) = &self.index
            && let Err(e) = change(index)
        {
            tracing::warn!("the search index of '{}' missed a change: {e}", self.conn.name);
        }
    }

    /// The connection this bucket was opened with.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The key in the bucket for a key relative to the connection's prefix.
    pub(crate) fn full_key(&self, key: &ObjectKey) -> Result<String> {
        let full = format!("{}{}", self.conn.prefix.as_str(), key.as_str());
        if full.len() > MAX_KEY_BYTES {
            return Err(Error::key_too_long(key, &self.conn.prefix, full.len(), MAX_KEY_BYTES));
        }
        Ok(full)
    }

    pub(crate) fn full_prefix(&self, prefix: &Prefix) -> String {
        format!("{}{}", self.conn.prefix.as_str(), prefix.as_str())
    }

    /// Strips the connection's prefix from a key the server returned.
    pub(crate) fn relative<'k>(&self, full: &'k str) -> &'k str {
        full.strip_prefix(self.conn.prefix.as_str()).unwrap_or(full)
    }

    pub(crate) fn ctx<'a>(&'a self, key: Option<&'a str>) -> Context<'a> {
        Context {
            connection: &self.conn.name,
            endpoint: &self.conn.endpoint,
            bucket: &self.conn.bucket,
            region: &self.conn.region,
            key,
        }
    }
}

/// The SDK's HTTPS client, trusting the system's authorities and also `pem` (checked to parse when
/// the connection was validated).
fn https_trusting(pem: &str) -> aws_sdk_s3::config::SharedHttpClient {
    use aws_smithy_http_client::tls::{self, TlsContext, TrustStore, rustls_provider::CryptoMode};
    let trust = TrustStore::default().with_pem_certificate(pem.as_bytes());
    let context = TlsContext::builder().with_trust_store(trust).build().expect("a trust store always builds");
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
        .tls_context(context)
        .build_https()
}
