//! Coffer's engine: everything the desktop app and the `coffer` CLI do with S3, with no GUI.
//!
//! The one design decision that matters: **every backend goes through the same `aws-sdk-s3` code.**
//! The built-in Local vault is a real S3 endpoint served in-process on loopback
//! ([`LocalVault`]), not a second implementation of the operations, so what works on the Local
//! vault works on AWS, Garage, MinIO or R2, and the same conformance suite proves it on each.
//!
//! Start from [`Coffer`] (connections, keychain, Local vault) and [`Bucket`] (the operations).
//! Every upload goes through the [`Queue`], which records every file in the [`Journal`] before
//! sending it and resumes whatever a dead process left; the app's [`Transfers`] is a view over it.
//! Every failure is an [`Error`] with an [`ErrorKind`] to branch on and a message to show.

#![warn(missing_docs)]

pub mod allocator;
mod bucket;
mod check;
mod checksum;
mod cleanup;
mod coffer;
mod conditional;
mod connection;
mod delete;
mod download;
mod download_many;
mod edit;
mod error;
mod index;
mod journal;
mod key;
mod keychain;
mod lifecycle;
mod list;
mod local_vault;
mod lock;
mod moves;
mod multipart;
mod open_cache;
mod pace;
mod preview;
mod queue;
mod retry;
mod seen;
mod settings;
mod share;
mod stat;
mod transfers;
mod trash;
mod upload;
mod uploader;
mod walk;

pub use bucket::Bucket;
pub use check::Access;
pub use checksum::Checksum;
pub use cleanup::Cleanup;
pub use coffer::{Coffer, ConnectionCheck, ConnectionInfo, Dirs};
pub use conditional::{WriteGuard, WriteGuards};
pub use connection::{Addressing, Connection, ConnectionStore, CredentialSource, LOCAL_VAULT};
pub use delete::{DeleteFailure, DeletePlan, DeleteSummary, Deleted, Target};
pub use download::{Downloaded, safe_path};
pub use download_many::{DownloadFailure, DownloadPlan, DownloadReport, DownloadSummary, downloads_folder};
pub use edit::{EditEvents, EditState, EditUpdate, Editor, Opened, SETTLE, conflicted_name};
pub use error::{Error, ErrorCode, ErrorKind, Result, english_catalogue};
pub use index::{DocumentKind, IndexState, SearchHit, SearchIndex, SearchPage, SearchQuery};
pub use journal::{BatchInfo, EntryState, Journal, JournalEntry, NewEntry, RecordedPart};
pub use key::{MAX_KEY_BYTES, ObjectKey, Prefix};
pub use keychain::{AccessKey, KeychainEntry};
pub use lifecycle::{Purge, RULE_ID};
pub use list::{BrowseGuard, Depth, Entry};
pub use local_vault::{LOCAL_BUCKET, LocalVault};
pub use lock::{EditLock, LEASE, LOCKS, Taken};
pub use moves::{MoveKind, MovePlan, MoveRun, MoveSummary, Moved};
pub use open_cache::{KEEP_OPENED, OpenCache, RUNS_CODE, runs_code};
pub use preview::{MAX_READ, ShareLog, SharedLink};
pub use queue::{Enqueued, Item, OnConflict, Queue};
pub use seen::Seen;
pub use settings::{Settings, SettingsFile};
pub use share::{DEFAULT_EXPIRY, MAX_EXPIRY, ShareLink};
pub use stat::{ObjectInfo, Uploader};
pub use transfers::{
    ConflictChoice, FileNote, FileUpdate, GroupState, GroupUpdate, Resumed, Selection, SelectionItem, SkippedFile,
    TransferReport, TransferState, Transfers, UploadStarted,
};
pub use trash::{Restored, TRASH, TrashItem, Trashed};
pub use upload::{Events, FileOutcome, Progress, Tally, UploadFailure, UploadOptions, Uploaded, content_type};
pub use uploader::default_name as default_uploader_name;

/// Re-exported so callers can cancel uploads and downloads without naming another crate.
pub use tokio_util::sync::CancellationToken;
