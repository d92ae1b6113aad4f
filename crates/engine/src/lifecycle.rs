//! Purging the trash through the server's own lifecycle rules, where the key may set one.
//!
//! The design decision that matters: **Coffer's rule is merged into the bucket's rules, never put
//! in their place.** A bucket's lifecycle configuration is one document; writing only Coffer's rule
//! would silently delete an administrator's rules. So the current rules are read, Coffer's own
//! (by its ID) is replaced or added, and the rest are written back as they were. Where the server
//! has no lifecycle rules or the key may not change them, the app purges at start instead.

use aws_sdk_s3::types::{
    BucketLifecycleConfiguration, ExpirationStatus, LifecycleExpiration, LifecycleRule, LifecycleRuleFilter,
};
use serde::Serialize;

use crate::bucket::Bucket;
use crate::error::{ErrorKind, Result};
use crate::trash::TRASH;

/// The ID of Coffer's rule among the bucket's lifecycle rules.
pub const RULE_ID: &str = "coffer-trash";

/// Who purges documents that have been in the trash long enough.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
pub enum Purge {
    /// The server, by a lifecycle rule on the trash's prefix.
    Server,
    /// Coffer, when it starts (the server has no lifecycle rules, or the key may not set them).
    App,
}

impl Bucket {
    /// Makes the server expire what has been in this connection's trash for `days` days, keeping
    /// every other lifecycle rule of the bucket. Returns [`Purge::App`] where that is not possible.
    pub async fn purge_trash_by_lifecycle(&self, days: u32) -> Result<Purge> {
        match self.set_trash_rule(days).await {
            Ok(()) => Ok(Purge::Server),
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::PermissionDenied | ErrorKind::InvalidInput | ErrorKind::NotFound | ErrorKind::Server
                ) =>
            {
                tracing::info!("'{}': the trash is purged by Coffer, not by a lifecycle rule: {e}", self.conn.name);
                Ok(Purge::App)
            }
            Err(e) => Err(e),
        }
    }

    async fn set_trash_rule(&self, days: u32) -> Result<()> {
        let ctx = self.ctx(None);
        let current = match self.client.get_bucket_lifecycle_configuration().bucket(&self.conn.bucket).send().await {
            Ok(output) => output.rules.unwrap_or_default(),
            Err(e) => {
                let no_rules =
                    e.as_service_error().and_then(|s| s.meta().code()) == Some("NoSuchLifecycleConfiguration");
                if !no_rules {
                    return Err(ctx.sdk(e));
                }
                Vec::new()
            }
        };
        let prefix = format!("{}{TRASH}", self.conn.prefix.as_str());
        let days = i32::try_from(days.max(1)).unwrap_or(i32::MAX);
        let ours = |rule: &LifecycleRule| rule.id.as_deref() == Some(RULE_ID);
        let already = current.iter().find(|r| ours(r)).is_some_and(|rule| {
            rule.status == ExpirationStatus::Enabled
                && rule.expiration.as_ref().and_then(|e| e.days) == Some(days)
                && rule.filter.as_ref().and_then(|f| f.prefix.as_deref()) == Some(prefix.as_str())
        });
        if already {
            return Ok(());
        }
        let rule = LifecycleRule::builder()
            .id(RULE_ID)
            .status(ExpirationStatus::Enabled)
            .filter(LifecycleRuleFilter::builder().prefix(prefix).build())
            .expiration(LifecycleExpiration::builder().days(days).build())
            .build()
            .expect("the rule has its status");
        let rules: Vec<LifecycleRule> = current.into_iter().filter(|r| !ours(r)).chain([rule]).collect();
        let configuration = BucketLifecycleConfiguration::builder()
            .set_rules(Some(rules))
            .build()
            .expect("the configuration has its rules");
        self.client
            .put_bucket_lifecycle_configuration()
            .bucket(&self.conn.bucket)
            .lifecycle_configuration(configuration)
            .send()
            .await
            .map(drop)
            .map_err(|e| ctx.sdk(e))
    }
}
