//! The engine's one error type.
//!
//! Every failure is reduced to a [`ErrorKind`] the UI and CLI can branch on, and an [`ErrorCode`]
//! with parameters that says exactly what happened, from which the English sentence is made and the
//! page makes its translation. Backend errors (the AWS SDK, the keychain, the file system) are
//! converted here and nowhere else, so no caller ever inspects an error string. Parameters never
//! hold secrets: they are names the user chose (connection, bucket, key, path) and never credential
//! material or raw request data.

mod catalogue;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use serde::Serialize;

pub use catalogue::{ErrorCode, english_catalogue};

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

/// The engine's error: a kind to branch on, a code and parameters to translate, and the English
/// sentence they make.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(rename = "CofferError")]
pub struct Error {
    kind: ErrorKind,
    code: ErrorCode,
    params: BTreeMap<String, String>,
    message: String,
    /// Worth trying again unchanged: the network or the server failed, not the request. Only the
    /// engine's retry loop reads it, so it is not part of what the UI receives.
    #[serde(skip)]
    transient: bool,
}

/// The engine's result: every failure is an [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    fn coded(code: ErrorCode, params: BTreeMap<String, String>) -> Self {
        let message = catalogue::render(code.english(), &params);
        Self { kind: code.kind(), code, params, message, transient: false }
    }

    /// The same error under another kind, for the one failure whose kind the server decides.
    pub(crate) fn with_kind(mut self, kind: ErrorKind) -> Self {
        self.kind = kind;
        self
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

    /// Exactly what went wrong.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The values the sentence names, by parameter name.
    pub fn params(&self) -> &BTreeMap<String, String> {
        &self.params
    }

    /// What to tell the person, in English.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The error again from what [`Error::record`] kept; a record from before codes becomes
    /// [`ErrorCode::Plain`] with its old sentence, under the kind stored beside it.
    pub fn from_record(record: &str, kind: Option<ErrorKind>) -> Self {
        #[derive(serde::Deserialize)]
        struct Record {
            code: ErrorCode,
            params: BTreeMap<String, String>,
        }
        match serde_json::from_str::<Record>(record) {
            Ok(r) => Self::coded(r.code, r.params),
            Err(_) => Self::plain(record).with_kind(kind.unwrap_or(ErrorKind::Io)),
        }
    }

    /// The code and parameters as one line of JSON, to keep a failure (in the transfer journal)
    /// so it can be shown, and translated, later.
    pub fn record(&self) -> String {
        serde_json::json!({ "code": self.code, "params": self.params }).to_string()
    }

    /// A local file-system error about `path`, worded for the person who chose that path.
    pub(crate) fn local_io(path: &Path, err: &std::io::Error) -> Self {
        use std::io::ErrorKind as Io;
        let shown = path.display();
        match err.kind() {
            Io::NotFound => Self::local_missing(shown),
            Io::PermissionDenied => Self::local_denied(shown),
            Io::IsADirectory => Self::local_is_folder(shown),
            Io::UnexpectedEof => Self::local_shrank(shown),
            _ => Self::local_failed(shown, err),
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
        let unreachable = || Error::server_unreachable(conn, self.endpoint_shown());
        match &err {
            SdkError::DispatchFailure(failure)
                if failure.as_connector_error().is_some_and(|e| untrusted_certificate(e)) =>
            {
                Error::certificate_untrusted(conn, self.endpoint_shown())
            }
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => unreachable().transient(),
            SdkError::ConstructionFailure(_) => Error::request_not_built(conn),
            SdkError::ServiceError(service) => {
                let status = service.raw().status();
                let code = service.err().code();
                let error = self.classify(code, status);
                let busy = matches!(code, Some("SlowDown" | "RequestTimeout" | "InternalError" | "ServiceUnavailable"));
                if busy || status >= 500 || status == 429 || status == 408 { error.transient() } else { error }
            }
            // The connection broke while the answer was being read.
            SdkError::ResponseError(resp) => self.classify(None, resp.raw().status()).transient(),
            _ => Error::server_failed(conn, describe(&err)),
        }
    }

    fn classify(&self, code: Option<&str>, status: u16) -> Error {
        let conn = self.connection;
        let bucket = self.bucket;
        // What the request was about: the document, or else the bucket itself.
        let name = self.key.unwrap_or(bucket);
        match (code, status) {
            (Some("NoSuchBucket"), _) => Error::bucket_missing(bucket, conn),
            // A conditional write (If-None-Match / If-Match) found the document changed.
            (Some("PreconditionFailed" | "ConditionalRequestConflict"), _) | (None, 412) => {
                Error::changed_meanwhile(name, conn)
            }
            (Some("NoSuchKey" | "NotFound" | "NoSuchUpload"), _) | (None, 404) => Error::object_missing(name, conn),
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
            ) => Error::credentials_rejected(conn),
            (
                Some(
                    "AuthorizationHeaderMalformed"
                    | "InvalidRegion"
                    | "PermanentRedirect"
                    | "IllegalLocationConstraintException",
                ),
                _,
            )
            | (None, 301) => Error::region_refused(conn, self.region, bucket),
            (Some("AccessDenied" | "AllAccessDisabled" | "Forbidden"), _) | (None, 403) => {
                Error::access_denied(name, conn)
            }
            (
                Some(
                    code @ ("EntityTooLarge" | "InvalidArgument" | "KeyTooLongError" | "InvalidRequest"
                    | "InvalidBucketName"),
                ),
                _,
            ) => Error::request_refused(conn, name, code),
            (code, status) => Error::server_error(conn, name, code.unwrap_or("?"), status),
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
