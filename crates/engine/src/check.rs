//! Testing a connection: can we reach it, are the credentials good, does the bucket exist, may we
//! read and write?
//!
//! Everything is checked on the bucket itself — never ListBuckets — so a key limited to one
//! bucket passes. Writing is checked by storing and deleting a tiny probe object under the
//! connection's prefix.

use serde::Serialize;

use crate::bucket::Bucket;
use crate::error::{ErrorKind, Result};

/// What the credentials may do in the bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Access {
    ReadWrite,
    ReadOnly,
}

impl Bucket {
    /// Returns the access the connection has, or the error a person must fix first
    /// (`Unreachable`, `InvalidCredentials`, `BucketNotFound`, `PermissionDenied`, `InvalidInput`
    /// for a wrong region).
    pub async fn check(&self) -> Result<Access> {
        self.client
            .list_objects_v2()
            .bucket(&self.conn.bucket)
            .prefix(self.conn.prefix.as_str())
            .max_keys(1)
            .send()
            .await
            .map_err(|e| self.ctx(None).sdk(e))?;
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
