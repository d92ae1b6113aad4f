//! Testing a connection: can we reach it, are the credentials good, does the bucket exist, may we
//! read and write?
//!
//! Everything is checked on the bucket itself, so a key limited to one bucket passes. Writing is
//! checked by storing and deleting a tiny probe object under the connection's prefix.
//!
//! Some servers (Garage among them) answer a wrong secret with the same `AccessDenied` as a missing
//! permission. Only then is ListBuckets asked, as evidence and never as a requirement: if it
//! succeeds the key is valid and lacks access to the bucket; otherwise the key itself was refused.

use serde::Serialize;

use crate::bucket::Bucket;
use crate::error::{Error, ErrorKind, Result};

/// What the credentials may do in the bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
pub enum Access {
    /// Listing, downloading, uploading and deleting all work.
    ReadWrite,
    /// Listing and downloading work; writing is refused.
    ReadOnly,
}

impl Bucket {
    /// Returns the access the connection has, or the error a person must fix first
    /// (`Unreachable`, `InvalidCredentials`, `BucketNotFound`, `PermissionDenied`, `InvalidInput`
    /// for a wrong region).
    pub async fn check(&self) -> Result<Access> {
        let listed = self
            .client
            .list_objects_v2()
            .bucket(&self.conn.bucket)
            .prefix(self.conn.prefix.as_str())
            .max_keys(1)
            .send()
            .await
            .map_err(|e| self.ctx(None).sdk(e));
        if let Err(err) = listed {
            if err.kind() != ErrorKind::PermissionDenied {
                return Err(err);
            }
            return Err(match self.client.list_buckets().send().await {
                Ok(_) => Error::key_cannot_read(&self.conn.name, &self.conn.bucket),
                Err(_) => Error::key_refused(&self.conn.name, &self.conn.bucket),
            });
        }
        let probe = format!("{}.coffer-write-test-{:016x}", self.conn.prefix.as_str(), rand::random::<u64>());
        let put = self
            .client
            .put_object()
            .bucket(&self.conn.bucket)
            .key(&probe)
            .body(aws_sdk_s3::primitives::ByteStream::from_static(b"coffer"))
            .send()
            .await;
        match put {
            Ok(_) => {
                self.client
                    .delete_object()
                    .bucket(&self.conn.bucket)
                    .key(&probe)
                    .send()
                    .await
                    .map_err(|e| self.ctx(Some(&probe)).sdk(e))?;
                Ok(Access::ReadWrite)
            }
            Err(e) => {
                let err = self.ctx(None).sdk(e);
                if err.kind() == ErrorKind::PermissionDenied { Ok(Access::ReadOnly) } else { Err(err) }
            }
        }
    }
}
