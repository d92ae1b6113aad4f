//! Connections: which bucket on which server, stored in a plain config file.
//!
//! The file holds nothing secret — secrets live in the keychain ([`crate::keychain`]). A connection
//! is validated once, in [`Connection::validate`], when it is added or loaded; everything downstream
//! trusts it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::key::Prefix;

/// The name under which the built-in Local vault appears; no connection may take it.
pub const LOCAL_VAULT: &str = "Local vault";

/// How requests address the bucket.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
pub enum Addressing {
    /// `https://endpoint/bucket/key`: what S3-compatible servers expect; the default for them.
    #[default]
    Path,
    /// `https://bucket.endpoint/key`: what AWS prefers.
    VirtualHosted,
}

/// Where a connection's credentials come from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case", tag = "source")]
pub enum CredentialSource {
    /// An access key and secret stored in the OS keychain, one entry per connection.
    #[default]
    Keychain,
    /// The standard AWS chain (environment, `~/.aws` profiles, SSO), optionally with a named profile.
    AwsChain {
        /// A named profile, or `None` for the default chain.
        profile: Option<String>,
    },
}

/// One S3 bucket the user works with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    /// What the person calls it; unique, and the keychain entry's name.
    pub name: String,
    /// Empty means AWS S3.
    #[serde(default)]
    pub endpoint: String,
    /// The region requests are signed for (`garage`, `us-east-1`, …).
    pub region: String,
    /// The bucket's name on the server.
    pub bucket: String,
    /// Every key the user sees lives under this folder of the bucket.
    #[serde(default)]
    #[ts(type = "string")]
    pub prefix: Prefix,
    /// `None` picks the default: path-style for custom endpoints, virtual-hosted for AWS.
    #[serde(default)]
    pub addressing: Option<Addressing>,
    #[serde(default)]
    /// Where the access key comes from.
    pub credentials: CredentialSource,
    /// Plain `http://` to a server other than this computer is allowed: the person said the network
    /// is trusted. Without it such an endpoint is refused.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub insecure: bool,
    /// A certificate authority (PEM) trusted for this connection besides the system's, for a
    /// self-hosted server with its own certificate. Not secret, so kept in the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_certificate: Option<String>,
}

impl Connection {
    /// Checks and normalises the fields a person typed.
    pub fn validate(mut self) -> Result<Self> {
        self.name = self.name.trim().to_owned();
        self.endpoint = self.endpoint.trim().trim_end_matches('/').to_owned();
        self.region = self.region.trim().to_owned();
        self.bucket = self.bucket.trim().to_owned();
        if self.name.is_empty() {
            return Err(Error::connection_name_missing());
        }
        if self.name.eq_ignore_ascii_case(LOCAL_VAULT) {
            return Err(Error::connection_name_reserved(LOCAL_VAULT));
        }
        if self.name.chars().any(char::is_control) {
            return Err(Error::connection_name_control());
        }
        if !(self.endpoint.is_empty() || self.endpoint.starts_with("http://") || self.endpoint.starts_with("https://"))
        {
            return Err(Error::endpoint_scheme(&self.endpoint));
        }
        if self.region.is_empty() {
            self.region = if self.endpoint.is_empty() { "us-east-1" } else { "auto" }.to_owned();
        }
        self.ca_certificate = self.ca_certificate.take().map(|pem| pem.trim().to_owned()).filter(|pem| !pem.is_empty());
        if let Some(pem) = &self.ca_certificate {
            check_certificates(pem)?;
        }
        if !valid_bucket_name(&self.bucket) {
            return Err(Error::bucket_name_invalid(&self.bucket));
        }
        Ok(self)
    }

    /// Refuses an endpoint that would expose documents or keys: plain `http://` to anything but
    /// this computer (unless marked insecure), and a user name or password inside the URL. Checked
    /// when a connection is saved and again whenever one is opened, so an older file cannot slip by.
    pub fn check_transport(&self) -> Result<()> {
        if self.is_aws() {
            return Ok(());
        }
        // The endpoint is not repeated in these messages: it may hold a password.
        let url = url::Url::parse(&self.endpoint).map_err(|e| Error::endpoint_invalid(&self.name, e))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::endpoint_has_user_info(&self.name));
        }
        if self.is_unencrypted() && !self.insecure {
            return Err(Error::plain_http(&self.name));
        }
        Ok(())
    }

    /// Whether requests travel unencrypted over a network: `http://` to a host other than this
    /// computer. The window warns for as long as such a connection is in use.
    pub fn is_unencrypted(&self) -> bool {
        let Ok(url) = url::Url::parse(&self.endpoint) else { return false };
        url.scheme() == "http"
            && !match url.host() {
                Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            }
    }

    /// Whether this is AWS S3 itself (no endpoint given).
    pub fn is_aws(&self) -> bool {
        self.endpoint.is_empty()
    }

    /// The addressing to use: as chosen, or the default for the kind of server.
    pub fn addressing(&self) -> Addressing {
        self.addressing.unwrap_or(if self.is_aws() { Addressing::VirtualHosted } else { Addressing::Path })
    }
}

/// Checks that `pem` holds at least one certificate that can serve as a trust anchor, so a bad
/// paste is refused with a message rather than failing every request later.
fn check_certificates(pem: &str) -> Result<()> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    let bad = Error::certificate_invalid;
    let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| bad(format!("{e:?}")))?;
    if certs.is_empty() {
        return Err(Error::certificate_missing());
    }
    let mut roots = rustls::RootCertStore::empty();
    for cert in certs {
        roots.add(cert).map_err(|e| bad(e.to_string()))?;
    }
    Ok(())
}

fn valid_bucket_name(name: &str) -> bool {
    // Lenient on purpose (underscores and capitals exist on older servers); strict enough to catch typos.
    (3..=63).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct ConnectionsFile {
    #[serde(default, rename = "connection")]
    connections: Vec<Connection>,
}

/// The connections file (`connections.toml` in the OS config directory).
#[derive(Clone, Debug)]
pub struct ConnectionStore {
    path: PathBuf,
}

impl ConnectionStore {
    /// The store in `config_dir`; nothing is read until asked.
    pub fn new(config_dir: &Path) -> Self {
        Self { path: config_dir.join("connections.toml") }
    }

    /// The `connections.toml` file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every saved connection, in file order.
    pub fn list(&self) -> Result<Vec<Connection>> {
        Ok(self.read()?.connections)
    }

    /// The connection called `name`, or `NotFound`.
    pub fn get(&self, name: &str) -> Result<Connection> {
        self.list()?.into_iter().find(|c| c.name == name).ok_or_else(|| Error::no_such_connection(name))
    }

    /// Adds `conn`, or replaces the connection called `replacing` with it.
    pub fn save(&self, conn: Connection, replacing: Option<&str>) -> Result<Connection> {
        let conn = conn.validate()?;
        conn.check_transport()?;
        let mut file = self.read()?;
        if let Some(old) = replacing
            && !file.connections.iter().any(|c| c.name == old)
        {
            return Err(Error::no_such_connection(old));
        }
        if file.connections.iter().any(|c| c.name == conn.name && Some(c.name.as_str()) != replacing) {
            return Err(Error::connection_exists(&conn.name));
        }
        match replacing.and_then(|old| file.connections.iter().position(|c| c.name == old)) {
            Some(i) => file.connections[i] = conn.clone(),
            None => file.connections.push(conn.clone()),
        }
        self.write(&file)?;
        Ok(conn)
    }

    /// Removes the connection called `name`, or says `NotFound`.
    pub fn remove(&self, name: &str) -> Result<()> {
        let mut file = self.read()?;
        let before = file.connections.len();
        file.connections.retain(|c| c.name != name);
        if file.connections.len() == before {
            return Err(Error::no_such_connection(name));
        }
        self.write(&file)
    }

    fn read(&self) -> Result<ConnectionsFile> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(ConnectionsFile::default());
            }
            Err(e) => return Err(Error::local_io(&self.path, &e)),
        };
        let file: ConnectionsFile =
            toml::from_str(&text).map_err(|e| Error::connections_file_invalid(self.path.display(), e.message()))?;
        let connections = file.connections.into_iter().map(Connection::validate).collect::<Result<_>>()?;
        Ok(ConnectionsFile { connections })
    }

    fn write(&self, file: &ConnectionsFile) -> Result<()> {
        let text = toml::to_string_pretty(file).map_err(Error::save_failed)?;
        crate::coffer::save_file(&self.path, &text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn conn(endpoint: &str) -> Connection {
        Connection {
            name: "Office".into(),
            endpoint: endpoint.into(),
            region: String::new(),
            bucket: "docs".into(),
            prefix: Prefix::root(),
            addressing: None,
            credentials: CredentialSource::Keychain,
            insecure: false,
            ca_certificate: None,
        }
    }

    #[test]
    fn plain_http_goes_only_to_this_computer_unless_marked_insecure() {
        for local in
            ["http://127.0.0.1:3900", "http://localhost:9000", "http://[::1]:3900", "https://s3.example.com", ""]
        {
            assert!(conn(local).validate().unwrap().check_transport().is_ok(), "{local}");
        }
        let lan = conn("http://files.office.lan:9000").validate().unwrap();
        assert!(lan.is_unencrypted());
        assert_eq!(lan.check_transport().unwrap_err().kind(), ErrorKind::InvalidInput);
        let allowed = Connection { insecure: true, ..lan };
        assert!(allowed.check_transport().is_ok());
        assert!(allowed.is_unencrypted(), "still shown as unencrypted");
        assert!(!conn("https://files.office.lan").is_unencrypted());
    }

    #[test]
    fn a_password_in_the_url_is_refused_and_never_repeated() {
        let with_password = conn("https://GK123:s3cr3tpass@files.office.lan").validate().unwrap();
        let error = with_password.check_transport().unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
        assert!(!error.to_string().contains("s3cr3tpass"), "{error}");
        let dir = tempfile::tempdir().unwrap();
        let store = ConnectionStore::new(dir.path());
        assert!(store.save(with_password, None).is_err());
        assert!(!store.path().exists(), "nothing was written");
    }

    #[test]
    fn a_certificate_authority_must_be_a_pem_certificate() {
        let garbage = Connection { ca_certificate: Some("not a certificate".into()), ..conn("https://x.lan") };
        assert_eq!(garbage.validate().unwrap_err().kind(), ErrorKind::InvalidInput);
        let blank = Connection { ca_certificate: Some("  ".into()), ..conn("https://x.lan") };
        assert_eq!(blank.validate().unwrap().ca_certificate, None);
    }
}
