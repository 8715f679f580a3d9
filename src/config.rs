//! Settings: built-in defaults, then the TOML file, then environment and flags.

use anyhow::{bail, Context};
use rust_decimal::Decimal;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::Path;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://checkout-templates.db";

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<SocketAddr>,
    pub database_url: Option<String>,
    /// Base URL this emulator is reached at; default sites live under it.
    pub public_url: Option<String>,
    #[serde(default)]
    pub sites: Vec<SiteConfig>,
    #[serde(default)]
    pub api_keys: Vec<ApiKeyConfig>,
    #[serde(default)]
    pub apps: Vec<AppConfig>,
    /// Where the default app (made when no `[[apps]]` are declared) gets webhooks.
    pub webhook_url: Option<String>,
    #[serde(default)]
    pub catalog: Vec<CatalogItem>,
    #[serde(default)]
    pub coupons: Vec<CouponConfig>,
    #[serde(default)]
    pub limits: Limits,
    #[serde(default)]
    pub webhooks: WebhookConfig,
    #[serde(default)]
    pub performance: PerformanceConfig,
}

/// How clicks (checkouts made from templates) are committed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PerformanceConfig {
    /// Commit concurrent clicks, creates and webhook attempts together; each
    /// is still answered only after the transaction holding it has committed.
    pub group_commit: bool,
    /// Most writes in one transaction.
    pub group_commit_max_batch: usize,
    /// How long a batch waits for more writes, in microseconds (0: take only
    /// what is already waiting).
    pub group_commit_window_us: u64,
    /// Batches committed at once on PostgreSQL.
    pub group_commit_writers: usize,
}

impl Default for PerformanceConfig {
    fn default() -> Self {
        let d = crate::store::GroupCommit::default();
        PerformanceConfig {
            group_commit: d.enabled,
            group_commit_max_batch: d.max_batch,
            group_commit_window_us: d.window.as_micros() as u64,
            group_commit_writers: d.writers,
        }
    }
}

impl PerformanceConfig {
    pub fn group_commit(&self) -> crate::store::GroupCommit {
        crate::store::GroupCommit {
            enabled: self.group_commit,
            max_batch: self.group_commit_max_batch,
            window: std::time::Duration::from_micros(self.group_commit_window_us),
            writers: self.group_commit_writers,
        }
    }
}

/// Webhook timing; tests compress it to milliseconds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookConfig {
    /// A 2xx within this is delivered.
    pub timeout_ms: u64,
    /// Delays after the 1st, 2nd, … failed attempt, in seconds; the last repeats.
    pub retry_schedule_secs: Vec<f64>,
    /// No retry later than this after the event.
    pub max_age_secs: f64,
    /// Fallback poll when no commit woke the dispatcher.
    pub poll_interval_ms: u64,
    /// Deliveries sent concurrently per instance.
    pub batch_size: i64,
    /// How long a claimed delivery belongs to one instance; after a crash its
    /// deliveries are sent again once this has passed.
    pub lease_ms: u64,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        let d = crate::webhooks::DispatchSettings::default();
        WebhookConfig {
            timeout_ms: d.timeout.as_millis() as u64,
            retry_schedule_secs: d.retry.schedule.iter().map(|x| x.as_secs_f64()).collect(),
            max_age_secs: d.retry.max_age.as_secs_f64(),
            poll_interval_ms: d.poll_interval.as_millis() as u64,
            batch_size: d.batch_size,
            lease_ms: d.lease.as_millis() as u64,
        }
    }
}

impl WebhookConfig {
    pub fn settings(&self) -> crate::webhooks::DispatchSettings {
        use std::time::Duration;
        let defaults = crate::webhooks::DispatchSettings::default();
        crate::webhooks::DispatchSettings {
            timeout: Duration::from_millis(self.timeout_ms),
            retry: crate::webhooks::retry::RetryPolicy {
                schedule: self
                    .retry_schedule_secs
                    .iter()
                    .map(|s| Duration::from_secs_f64(*s))
                    .collect(),
                max_age: Duration::from_secs_f64(self.max_age_secs),
                jitter: defaults.retry.jitter,
            },
            poll_interval: Duration::from_millis(self.poll_interval_ms),
            batch_size: self.batch_size,
            lease: Duration::from_millis(self.lease_ms),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    pub id: String,
    pub url: String,
    #[serde(default = "default_currency")]
    pub currency: String,
}

fn default_currency() -> String {
    "USD".into()
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// May call every endpoint.
    Admin,
    /// May only create checkouts from templates and read checkouts.
    Visitor,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyConfig {
    pub key: String,
    pub site_ids: Vec<String>,
    pub role: Role,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppConfig {
    pub id: String,
    pub webhook_url: Option<String>,
    /// PEM file with the app's RSA private key; generated and kept in the database if absent.
    pub private_key_path: Option<String>,
    /// App instance id per site id; derived deterministically if absent.
    #[serde(default)]
    pub instance_ids: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogItem {
    pub app_id: String,
    pub catalog_item_id: String,
    pub name: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub price: Decimal,
    pub inventory: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CouponConfig {
    pub code: String,
    #[serde(default, with = "rust_decimal::serde::str_option")]
    pub percent_off: Option<Decimal>,
    #[serde(default, with = "rust_decimal::serde::str_option")]
    pub amount_off: Option<Decimal>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Connections to PostgreSQL per instance.
    pub max_connections: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 4 * 1024 * 1024,
            max_connections: 32,
        }
    }
}

impl FileConfig {
    pub fn load(path: &Path) -> anyhow::Result<FileConfig> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let config: FileConfig =
            toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        config.validate()?;
        Ok(config)
    }

    /// Catches mistakes at boot rather than at the first request.
    pub fn validate(&self) -> anyhow::Result<()> {
        for site in &self.sites {
            if !crate::validate::is_guid(&site.id) {
                bail!("site id {:?} is not a GUID", site.id);
            }
            if !(site.url.starts_with("http://") || site.url.starts_with("https://")) {
                bail!(
                    "site {} url {:?} must start with http:// or https://",
                    site.id,
                    site.url
                );
            }
        }
        for key in &self.api_keys {
            if key.key.trim().is_empty() {
                bail!("an api key is empty");
            }
            for site in &key.site_ids {
                if !self.sites.iter().any(|s| &s.id == site) {
                    bail!("api key is bound to site {site}, which is not declared in [[sites]]");
                }
            }
        }
        for coupon in &self.coupons {
            match (coupon.percent_off, coupon.amount_off) {
                (Some(p), None) if p > Decimal::ZERO && p <= Decimal::ONE_HUNDRED => {}
                (None, Some(a)) if a > Decimal::ZERO => {}
                _ => bail!(
                    "coupon {:?} needs exactly one of percent_off (0-100] or amount_off (> 0)",
                    coupon.code
                ),
            }
        }
        let w = &self.webhooks;
        if w.timeout_ms == 0 || w.batch_size < 1 || w.poll_interval_ms == 0 {
            bail!("[webhooks] timeout_ms, poll_interval_ms and batch_size must be positive");
        }
        // An attempt must end well inside its lease, or a second instance could
        // claim the same delivery while the first is still sending it.
        if w.lease_ms < 2 * w.timeout_ms + 1000 {
            bail!("[webhooks] lease_ms must be at least 2 × timeout_ms + 1000");
        }
        if w.retry_schedule_secs.is_empty()
            || w.retry_schedule_secs
                .iter()
                .any(|s| !s.is_finite() || *s < 0.0)
        {
            bail!(
                "[webhooks] retry_schedule_secs must be a non-empty list of non-negative numbers"
            );
        }
        if !w.max_age_secs.is_finite() || w.max_age_secs < 0.0 {
            bail!("[webhooks] max_age_secs must be a non-negative number");
        }
        if self.webhook_url.is_some() && !self.apps.is_empty() {
            bail!("webhook_url is for the default app; with [[apps]] declared, give each app its own webhook_url");
        }
        if let Some(url) = &self.webhook_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                bail!("webhook_url {url:?} must start with http:// or https://");
            }
        }
        let p = &self.performance;
        if !(1..=500).contains(&p.group_commit_max_batch)
            || p.group_commit_writers == 0
            || p.group_commit_window_us > 100_000
        {
            bail!("[performance] group_commit_max_batch must be 1-500, group_commit_writers positive, group_commit_window_us at most 100000");
        }
        let mut app_ids = std::collections::HashSet::new();
        for app in &self.apps {
            if !app_ids.insert(&app.id) {
                bail!("app {} is declared twice", app.id);
            }
            if let Some(url) = &app.webhook_url {
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    bail!(
                        "app {} webhook_url {url:?} must start with http:// or https://",
                        app.id
                    );
                }
            }
        }
        for item in &self.catalog {
            if item.price < Decimal::ZERO {
                bail!("catalog item {} has a negative price", item.catalog_item_id);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_may_set_only_some_of_its_keys() {
        let config: FileConfig =
            toml::from_str("[limits]\nmax_body_bytes = 1024\n\n[webhooks]\ntimeout_ms = 300\n")
                .unwrap();
        config.validate().unwrap();
        assert_eq!(config.limits.max_body_bytes, 1024);
        assert_eq!(
            config.limits.max_connections,
            Limits::default().max_connections
        );
        assert_eq!(config.webhooks.timeout_ms, 300);
        assert_eq!(
            config.webhooks.batch_size,
            WebhookConfig::default().batch_size
        );
    }

    #[test]
    fn unknown_keys_and_a_lease_shorter_than_an_attempt_are_refused() {
        assert!(toml::from_str::<FileConfig>("[limits]\nmax_body = 1\n").is_err());
        let config: FileConfig =
            toml::from_str("[webhooks]\ntimeout_ms = 5000\nlease_ms = 6000\n").unwrap();
        assert!(config.validate().is_err());
    }
}
