//! Conditional writes: whether the server refuses a write whose precondition no longer holds
//! (`If-None-Match: *` for a new name, `If-Match: <etag>` for a replace), and how each upload uses
//! that to never overwrite a colleague's document unseen.
//!
//! The design decision that matters: **the server's word is probed, not assumed.** Garage 2.x
//! accepts the headers and ignores them; AWS S3, MinIO, R2, Ceph and the Local vault enforce them.
//! A probe writes one key twice with `If-None-Match: *`, once with a wrong `If-Match`, and completes
//! a one-part multipart upload over it with `If-None-Match: *`; only if all three are refused are
//! writes guarded by the server. Otherwise Coffer checks the destination itself right before each
//! write, which leaves a window of a few milliseconds: protection there is best effort, and the
//! window says so.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use serde::{Deserialize, Serialize};

use crate::bucket::Bucket;
use crate::connection::Connection;
use crate::error::{Error, ErrorKind, Result};
use crate::seen::Seen;

/// How well the server protects a document from being overwritten unseen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
pub enum WriteGuard {
    /// The server refuses a write whose `If-None-Match` / `If-Match` fails, on PutObject and on
    /// CompleteMultipartUpload.
    Enforced,
    /// The server ignores those headers (or could not be asked): Coffer checks just before writing.
    BestEffort,
}

impl WriteGuard {
    /// The guard in plain words, for a connection's details.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Enforced => {
                "This server refuses to overwrite a document someone else changed meanwhile: nothing is overwritten unseen."
            }
            Self::BestEffort => {
                "This server does not enforce conditional writes, so Coffer checks each document just before writing it. \
                 Protection is best effort: two people saving the same document in the same instant can still collide."
            }
        }
    }
}

/// What a write may find at its key, or it is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Precondition {
    /// Nothing may be there (`If-None-Match: *`).
    Absent,
    /// Exactly this version must be there (`If-Match`).
    Etag(String),
}

impl Bucket {
    /// Asks the server whether it enforces conditional writes, with a throwaway key under the
    /// connection's prefix (removed afterwards). Needs write access; a key that may not write
    /// cannot overwrite anything either, and gets [`WriteGuard::BestEffort`].
    pub async fn probe_write_guard(&self) -> Result<WriteGuard> {
        let bucket = self.clone();
        tokio::spawn(async move { bucket.probe_and_tidy().await }).await.expect("probing does not panic")
    }

    /// The probe itself, which must run to its end wherever it is awaited: cut short, it would
    /// leave its key, or an open multipart upload, in the person's bucket.
    async fn probe_and_tidy(&self) -> Result<WriteGuard> {
        let key = format!("{}.coffer-probe-{:016x}", self.conn.prefix.as_str(), rand::random::<u64>());
        let result = self.probe(&key).await;
        // Whatever the probe found, the key goes; a failed delete only leaves a few bytes.
        let _ = self.client.delete_object().bucket(&self.conn.bucket).key(&key).send().await;
        match result {
            Ok(guard) => Ok(guard),
            Err(e) if e.kind() == ErrorKind::PermissionDenied => Ok(WriteGuard::BestEffort),
            Err(e) => Err(e),
        }
    }

    async fn probe(&self, key: &str) -> Result<WriteGuard> {
        let ctx = self.ctx(Some(key));
        let put = |body: &'static [u8]| {
            self.client.put_object().bucket(&self.conn.bucket).key(key).body(ByteStream::from_static(body))
        };
        let first = put(b"1").if_none_match("*").send().await.map_err(|e| ctx.sdk(e))?;
        let refused = |result: Result<()>| match result {
            Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(true),
            Err(e) => Err(e),
            Ok(()) => Ok(false),
        };
        let create_refused = refused(put(b"2").if_none_match("*").send().await.map(drop).map_err(|e| ctx.sdk(e)))?;
        let wrong = "\"00000000000000000000000000000000\"";
        let replace_refused = refused(put(b"3").if_match(wrong).send().await.map(drop).map_err(|e| ctx.sdk(e)))?;
        let complete_refused = refused(self.probe_complete(key).await)?;
        tracing::info!(
            "'{}': If-None-Match on PutObject {}, If-Match {}, If-None-Match on CompleteMultipartUpload {} (first write {:?})",
            self.conn.name,
            enforced(create_refused),
            enforced(replace_refused),
            enforced(complete_refused),
            first.e_tag
        );
        Ok(if create_refused && replace_refused && complete_refused {
            WriteGuard::Enforced
        } else {
            WriteGuard::BestEffort
        })
    }

    /// Completes a one-part multipart upload over the existing `key` with `If-None-Match: *`.
    async fn probe_complete(&self, key: &str) -> Result<()> {
        let ctx = self.ctx(Some(key));
        let created = self
            .client
            .create_multipart_upload()
            .bucket(&self.conn.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| ctx.sdk(e))?;
        let upload_id = created.upload_id.ok_or_else(Error::no_upload_id)?;
        let result = async {
            let part = self
                .client
                .upload_part()
                .bucket(&self.conn.bucket)
                .key(key)
                .upload_id(&upload_id)
                .part_number(1)
                .body(ByteStream::from_static(b"4"))
                .send()
                .await
                .map_err(|e| ctx.sdk(e))?;
            let parts = CompletedMultipartUpload::builder()
                .parts(CompletedPart::builder().part_number(1).set_e_tag(part.e_tag).build())
                .build();
            self.client
                .complete_multipart_upload()
                .bucket(&self.conn.bucket)
                .key(key)
                .upload_id(&upload_id)
                .multipart_upload(parts)
                .if_none_match("*")
                .send()
                .await
                .map(drop)
                .map_err(|e| ctx.sdk(e))
        }
        .await;
        if result.is_err() {
            self.abort_upload(key, &upload_id).await;
        }
        result
    }

    /// The precondition a write to `key` must carry, given what was there when it was queued:
    /// `None` where the server does not enforce them (the destination is then checked here).
    /// `ours` says whether an earlier attempt of this very file may have got through.
    pub(crate) async fn precondition(
        &self,
        key: &crate::key::ObjectKey,
        seen: &Seen,
        ours: Option<(u64, i64)>,
    ) -> Result<Option<Precondition>> {
        let guard = self.write_guard().await;
        // Where an earlier attempt may have stored the file, or the server will not check, look now.
        let current = if ours.is_some() || guard == WriteGuard::BestEffort {
            Some(self.ensure_still(key, seen, ours).await?)
        } else {
            None
        };
        if guard == WriteGuard::BestEffort {
            return Ok(None);
        }
        // Looked at just now, or as recorded when queued.
        Ok(match current.unwrap_or_else(|| seen.clone()) {
            Seen::Absent => Some(Precondition::Absent),
            Seen::Present { etag, .. } if !etag.is_empty() => Some(Precondition::Etag(etag)),
            // Seen in a listing without ETags: a HEAD (which also checks it) gives the version.
            Seen::Present { .. } => match self.ensure_still(key, seen, None).await? {
                Seen::Absent => Some(Precondition::Absent),
                Seen::Present { etag, .. } if !etag.is_empty() => Some(Precondition::Etag(etag)),
                // A server that names no version: checked just now, nothing more to insist on.
                Seen::Present { .. } => None,
            },
        })
    }

    /// What the server's guard is, probed on first use unless the connection's remembered answer
    /// was given to [`Bucket::set_write_guard`]. A probe that fails leaves Coffer checking itself
    /// this time, and is asked again next time: a server away for a moment is not judged by it.
    pub async fn write_guard(&self) -> WriteGuard {
        if let Some(guard) = self.guard.get() {
            return *guard;
        }
        // The first caller may stop waiting (its upload cancelled or dropped): the probe then goes
        // on in its own task, and whoever asks next waits for that same probe.
        let bucket = self.clone();
        let probe = async move { bucket.guard.get_or_try_init(|| bucket.probe_and_tidy()).await.copied() };
        match tokio::spawn(probe).await.expect("probing does not panic") {
            Ok(guard) => guard,
            Err(e) => {
                tracing::warn!("'{}': could not ask the server about conditional writes: {e}", self.conn.name);
                WriteGuard::BestEffort
            }
        }
    }

    /// What the probe found, if this bucket has probed (or was given a remembered answer).
    pub fn known_write_guard(&self) -> Option<WriteGuard> {
        self.guard.get().copied()
    }

    /// Uses a remembered probe result instead of probing again.
    pub fn set_write_guard(&self, guard: WriteGuard) {
        let _ = self.guard.set(guard);
    }
}

fn enforced(refused: bool) -> &'static str {
    if refused { "enforced" } else { "ignored" }
}

/// Probe results remembered per server and bucket (`write-guards.toml` in the config folder), so a
/// renamed connection keeps its answer and one pointed elsewhere is asked again. Not secret.
#[derive(Clone, Debug)]
pub struct WriteGuards {
    path: PathBuf,
}

impl WriteGuards {
    /// The store in `config_dir`.
    pub fn new(config_dir: &Path) -> Self {
        Self { path: config_dir.join("write-guards.toml") }
    }

    fn all(&self) -> BTreeMap<String, WriteGuard> {
        std::fs::read_to_string(&self.path).ok().and_then(|text| toml::from_str(&text).ok()).unwrap_or_default()
    }

    fn name(conn: &Connection) -> String {
        let endpoint = if conn.is_aws() { "aws" } else { conn.endpoint.as_str() };
        format!("{endpoint} {}", conn.bucket)
    }

    /// The remembered result for `conn`'s server and bucket.
    pub fn get(&self, conn: &Connection) -> Option<WriteGuard> {
        self.all().get(&Self::name(conn)).copied()
    }

    /// Remembers the result for `conn`'s server and bucket.
    pub fn set(&self, conn: &Connection, guard: WriteGuard) -> Result<()> {
        let mut all = self.all();
        all.insert(Self::name(conn), guard);
        let text = toml::to_string(&all).map_err(Error::save_failed)?;
        crate::coffer::save_file(&self.path, &text)
    }
}
