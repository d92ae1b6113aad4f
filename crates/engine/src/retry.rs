//! Cancellation and retries, shared by uploads and downloads.
//!
//! The one design decision that matters: **a request is retried on its own, not the whole
//! transfer.** A failed part or range is sent again with backoff while the failure is transient
//! (connection lost, timeout, 5xx, SlowDown) and the time allowed has not run out; anything else is
//! final at once. Cancelling drops the request in flight, so no retry outlives a cancel.

use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use crate::error::{Error, Result};

/// The first wait after a transient failure; it doubles up to [`MAX_WAIT`].
const FIRST_WAIT: Duration = Duration::from_millis(250);
const MAX_WAIT: Duration = Duration::from_secs(15);

/// Runs `work` unless `cancel` fires first; dropping `work` stops its requests.
pub(crate) async fn until_cancelled<T>(cancel: &CancellationToken, work: impl Future<Output = Result<T>>) -> Result<T> {
    tokio::select! {
        biased;
        () = cancel.cancelled() => Err(Error::cancelled()),
        result = work => result,
    }
}

/// How one transfer retries its requests.
#[derive(Clone, Copy)]
pub(crate) struct Retry<'a> {
    pub(crate) cancel: &'a CancellationToken,
    /// How long transient failures may go on before the request gives up.
    pub(crate) retry_for: Duration,
    /// Told `true` when a request starts waiting to be retried and `false` when it stops waiting,
    /// so a person can see that the server is not answering.
    pub(crate) waiting: &'a (dyn Fn(bool) + Sync),
}

impl Retry<'_> {
    /// Sends a request until it succeeds, fails for a reason that will not change, or transient
    /// failures have gone on for longer than allowed. A cancel drops the request in flight.
    pub(crate) async fn send<T, F, Fut>(&self, send: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        self.send_with(send, true).await
    }

    /// As [`Retry::send`], but a request in flight is let finish when a cancel comes: for requests
    /// whose answer must not be lost, like the one that creates a multipart upload (its ID is
    /// needed to abort it). Waits between attempts still end at once.
    pub(crate) async fn send_whole<T, F, Fut>(&self, send: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        self.send_with(send, false).await
    }

    async fn send_with<T, F, Fut>(&self, mut send: F, drop_on_cancel: bool) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let started = Instant::now();
        let mut wait = FIRST_WAIT;
        loop {
            let sent = if drop_on_cancel {
                until_cancelled(self.cancel, send()).await
            } else if self.cancel.is_cancelled() {
                Err(Error::cancelled())
            } else {
                send().await
            };
            match sent {
                Err(e) if e.is_transient() && started.elapsed() + wait <= self.retry_for => {
                    tracing::warn!("retrying in {wait:?}: {e}");
                    (self.waiting)(true);
                    let slept = until_cancelled(self.cancel, async {
                        tokio::time::sleep(wait).await;
                        Ok(())
                    })
                    .await;
                    (self.waiting)(false);
                    slept?;
                    wait = (wait * 2).min(MAX_WAIT);
                }
                other => return other,
            }
        }
    }
}
