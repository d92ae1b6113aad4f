//! The engine's one error type.
//!
//! Every failure is reduced to a [`ErrorKind`] the UI and CLI can branch on, plus a sentence a person
//! can act on. Backend errors (the AWS SDK, the keychain, the file system) are converted here and
//! nowhere else, so no caller ever inspects an error string. Messages never contain secrets: they
//! are composed from names the user chose (connection, bucket, key, path) and never from credential
//! material or raw request data.

use std::fmt;
use std::path::Path;

use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use serde::Serialize;

/// What went wrong, as far as a caller can do something different about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, ts_rs::TS)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The object, file, connection or stored secret does not exist.
    NotFound,
    /// Something with that name already exists.
    AlreadyExists,
    /// The credentials are valid but not allowed to do this (for example a read-only key).
    PermissionDenied,
    /// The server rejected the access key or secret.
    InvalidCredentials,
    /// The bucket named in the connection does not exist.
    BucketNotFound,
    /// The endpoint could not be reached (refused, timed out, DNS, TLS).
    Unreachable,
    /// The caller cancelled the operation; nothing half-done was left behind.
    Cancelled,
    /// The request itself is wrong: an empty or too long key, a folder where a file was expected,
    /// a wrong region, a malformed endpoint.
    InvalidInput,
    /// A local file or folder could not be read or written, or changed while it was being read.
    Io,
    /// The server failed or answered something the engine did not expect.
    Server,
}

impl ErrorKind {
    /// Every kind, so the page can check what it receives against the closed set.
    pub const ALL: [Self; 10] = [
        Self::NotFound,
        Self::AlreadyExists,
        Self::PermissionDenied,
        Self::InvalidCredentials,
        Self::BucketNotFound,
        Self::Unreachable,
        Self::Cancelled,
        Self::InvalidInput,
        Self::Io,
        Self::Server,
    ];
}

/// The engine's error: a kind to branch on and a message to show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(rename = "CofferError")]
pub struct Error {
    kind: ErrorKind,
    message: String,
    /// Worth trying again unchanged: the network or the server failed, not the request. Only the
    /// engine's retry loop reads it, so it is not part of what the UI receives.
    #[serde(skip)]
    transient: bool,
}

/// The engine's result: every failure is an [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error of `kind`, with a sentence a person can act on.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into(), transient: false }
    }

    /// Whether the same request may succeed if sent again later (connection lost, timeout, 5xx,
    /// SlowDown).
    pub fn is_transient(&self) -> bool {
        self.transient
    }

    fn transient(mut self) -> Self {
        self.transient = true;
        self
    }

    /// What went wrong, to branch on.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// What to tell the person.
    pub fn message(&self) -> &str {
        &self.message
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }

    pub(crate) fn cancelled() -> Self {
        Self::new(ErrorKind::Cancelled, "Cancelled; nothing was left half-done.")
    }

    /// A local file-system error about `path`, worded for the person who chose that path.
    pub(crate) fn local_io(path: &Path, err: &std::io::Error) -> Self {
        use std::io::ErrorKind as Io;
        let shown = path.display();
        match err.kind() {
            Io::NotFound => Self::new(ErrorKind::NotFound, format!("'{shown}' does not exist.")),
            Io::PermissionDenied => {
                Self::new(ErrorKind::Io, format!("'{shown}' cannot be read or written: permission denied."))
            }
            Io::IsADirectory => Self::invalid(format!("'{shown}' is a folder; choose a file or upload the folder.")),
            Io::UnexpectedEof => Self::new(
                ErrorKind::Io,
                format!(
                    "'{shown}' got shorter while it was being read; nothing was stored — try again once it is saved."
                ),
            ),
            _ => Self::new(ErrorKind::Io, format!("'{shown}': {err}.")),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Who and what an S3 request was about, so a failure can be reported in the user's words.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Context<'a> {
    pub connection: &'a str,
    pub endpoint: &'a str,
    pub bucket: &'a str,
    pub region: &'a str,
    /// The object the request was about, if any.
    pub key: Option<&'a str>,
}

/// Whether a request failed because the server's certificate was refused. The rustls error sits
/// deep in the chain, wrapped in an `io::Error` whose `source` skips it, hence the manual walk.
fn untrusted_certificate(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(err);
    while let Some(e) = next {
        if let Some(rustls::Error::InvalidCertificate(_)) = e.downcast_ref::<rustls::Error>() {
            return true;
        }
        next = match e.downcast_ref::<std::io::Error>().and_then(std::io::Error::get_ref) {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => e.source(),
        };
    }
    false
}

impl Context<'_> {
    /// Converts an AWS SDK error. Classification uses the S3 error code and HTTP status only.
    pub(crate) fn sdk<E, R>(&self, err: SdkError<E, R>) -> Error
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: HttpStatus + std::fmt::Debug,
    {
        let conn = self.connection;
        let unreachable = || {
            Error::new(
                ErrorKind::Unreachable,
                format!(
                    "Cannot reach the server for '{conn}' at {} — check the address and your network.",
                    self.endpoint_shown()
                ),
            )
        };
        match &err {
            SdkError::DispatchFailure(failure)
                if failure.as_connector_error().is_some_and(|e| untrusted_certificate(e)) =>
            {
                Error::new(
                    ErrorKind::Unreachable,
                    format!(
                        "The server for '{conn}' at {} presented a certificate this computer does not trust. If it is \
                     your organisation's own server, add its certificate authority to the connection.",
                        self.endpoint_shown()
                    ),
                )
            }
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => unreachable().transient(),
            SdkError::ConstructionFailure(_) => Error::invalid(format!(
                "The request for '{conn}' could not be built; check the connection's endpoint and region."
            )),
            SdkError::ServiceError(service) => {
                let status = service.raw().status();
                let code = service.err().code();
                let error = self.classify(code, status);
                let busy = matches!(code, Some("SlowDown" | "RequestTimeout" | "InternalError" | "ServiceUnavailable"));
                if busy || status >= 500 || status == 429 || status == 408 { error.transient() } else { error }
            }
            // The connection broke while the answer was being read.
            SdkError::ResponseError(resp) => self.classify(None, resp.raw().status()).transient(),
            _ => Error::new(ErrorKind::Server, format!("The server for '{conn}' failed: {}.", describe(&err))),
        }
    }

    fn classify(&self, code: Option<&str>, status: u16) -> Error {
        let conn = self.connection;
        let bucket = self.bucket;
        let what = self.key.map_or_else(|| format!("bucket '{bucket}'"), |k| format!("'{k}'"));
        match (code, status) {
            (Some("NoSuchBucket"), _) => Error::new(
                ErrorKind::BucketNotFound,
                format!(
                    "The bucket '{bucket}' does not exist on the server for '{conn}' — check the bucket name in Connections."
                ),
            ),
            // A conditional write (If-None-Match / If-Match) found the document changed.
            (Some("PreconditionFailed" | "ConditionalRequestConflict"), _) | (None, 412) => Error::new(
                ErrorKind::AlreadyExists,
                format!(
                    "{} was changed in '{conn}' by someone else meanwhile, so it was not stored.",
                    capitalise(&what)
                ),
            ),
            (Some("NoSuchKey" | "NotFound" | "NoSuchUpload"), _) | (None, 404) => {
                Error::new(ErrorKind::NotFound, format!("{} does not exist in '{conn}'.", capitalise(&what)))
            }
            (
                Some(
                    "InvalidAccessKeyId"
                    | "SignatureDoesNotMatch"
                    | "InvalidToken"
                    | "ExpiredToken"
                    | "InvalidClientTokenId"
                    | "NotSignedUp",
                ),
                _,
            ) => Error::new(
                ErrorKind::InvalidCredentials,
                format!(
                    "The access key or secret for '{conn}' was rejected by the server — re-enter them in Connections."
                ),
            ),
            (
                Some(
                    "AuthorizationHeaderMalformed"
                    | "InvalidRegion"
                    | "PermanentRedirect"
                    | "IllegalLocationConstraintException",
                ),
                _,
            )
            | (None, 301) => Error::invalid(format!(
                "The server for '{conn}' does not accept region '{}' for bucket '{bucket}' — check the region in Connections.",
                self.region
            )),
            (Some("AccessDenied" | "AllAccessDisabled" | "Forbidden"), _) | (None, 403) => Error::new(
                ErrorKind::PermissionDenied,
                format!(
                    "The server refused this on {what} for '{conn}': the key may not do it, or its secret is wrong — test the connection to tell which."
                ),
            ),
            (
                Some("EntityTooLarge" | "InvalidArgument" | "KeyTooLongError" | "InvalidRequest" | "InvalidBucketName"),
                _,
            ) => Error::invalid(format!(
                "The server for '{conn}' refused the request for {what} ({}).",
                code.unwrap_or("invalid request")
            )),
            (code, status) => Error::new(
                ErrorKind::Server,
                format!(
                    "The server for '{conn}' failed on {what} ({}, HTTP {status}); try again later.",
                    code.unwrap_or("no error code")
                ),
            ),
        }
    }

    fn endpoint_shown(&self) -> &str {
        if self.endpoint.is_empty() { "AWS S3" } else { self.endpoint }
    }
}

/// The HTTP status of a raw response, whatever type the SDK wraps it in.
pub(crate) trait HttpStatus {
    fn status(&self) -> u16;
}

impl HttpStatus for aws_sdk_s3::config::http::HttpResponse {
    fn status(&self) -> u16 {
        self.status().as_u16()
    }
}

fn describe(err: &dyn std::error::Error) -> String {
    // The SDK's source chain names the failing layer; it never contains credentials.
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}
