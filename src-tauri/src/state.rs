//! What the window keeps between commands: the engine, opened buckets and the transfers.

use std::collections::HashMap;
use std::path::PathBuf;

use std::sync::Arc;

use coffer_engine::{Bucket, Coffer, Dirs, Journal, Queue, Result, Transfers, UploadOptions};
use tokio::sync::Mutex;

pub struct AppState {
    pub coffer: Coffer,
    pub transfers: Transfers,
    /// Where documents are downloaded to be opened with the system's default app.
    pub open_cache: PathBuf,
    /// Opened connections by name, so each command does not rebuild an S3 client.
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl AppState {
    pub fn new(cache_dir: PathBuf) -> Result<Self> {
        let dirs = Dirs::from_os()?;
        let journal = Arc::new(Journal::open(&dirs.data)?);
        Ok(Self {
            coffer: Coffer::new(dirs),
            transfers: Transfers::new(Arc::new(Queue::new(journal, UploadOptions::default()))),
            open_cache: cache_dir.join("open"),
            buckets: Mutex::default(),
        })
    }

    pub async fn bucket(&self, connection: &str) -> Result<Bucket> {
        let mut buckets = self.buckets.lock().await;
        if let Some(bucket) = buckets.get(connection) {
            return Ok(bucket.clone());
        }
        let bucket = self.coffer.open(Some(connection)).await?;
        buckets.insert(connection.to_owned(), bucket.clone());
        Ok(bucket)
    }

    pub async fn bucket_owned(&self, connection: String) -> Result<Bucket> {
        self.bucket(&connection).await
    }

    /// Drops the cached client after a connection's settings or secret changed.
    pub async fn forget(&self, connection: &str) {
        self.buckets.lock().await.remove(connection);
    }
}
