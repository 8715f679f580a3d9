//! Settings: built-in defaults, then the TOML file, then environment and flags.
//! This module only reads and checks them; each settings type belongs to the
//! module that uses it, and nothing but start-up imports this one.

use anyhow::{bail, Context};
use rust_decimal::Decimal;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::Path;

use crate::auth::ApiKey;
use crate::limits::Limits;
use crate::model::pricing::{CatalogItem, Coupon};
use crate::site::Site;
use crate::store::GroupCommit;
use crate::webhooks::{AppConfig, DispatchSettings};

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://checkout-templates.db";

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// `HOST:PORT`, `localhost:PORT` or `:PORT` (see [`listen_addr`]).
    #[serde(default, deserialize_with = "listen_in_file")]
    pub listen: Option<SocketAddr>,
    pub database_url: Option<String>,
    /// Create a missing PostgreSQL database at start-up, rather than refuse.
    #[serde(default)]
    pub create_database: bool,
    /// Base URL this emulator is reached at; default sites live under it.
    pub public_url: Option<String>,
    #[serde(default)]
    pub sites: Vec<Site>,
    #[serde(default)]
    pub api_keys: Vec<ApiKey>,
    #[serde(default)]
    pub apps: Vec<AppConfig>,
    /// Where the default app (made when no `[[apps]]` are declared) gets webhooks.
    pub webhook_url: Option<String>,
    #[serde(default)]
    pub catalog: Vec<CatalogItem>,
    #[serde(default)]
    pub coupons: Vec<Coupon>,
    #[serde(default)]
    pub limits: Limits,
    #[serde(default)]
    pub webhooks: DispatchSettings,
    /// How concurrent writes are committed.
    #[serde(default)]
    pub performance: GroupCommit,
    /// A snapshot (`GET /_emulator/snapshot`) to load into its site at start,
    /// when that site is empty.
    pub seed: Option<std::path::PathBuf>,
}

/// An address to listen on: an IP address and port, `localhost:PORT`, or a
/// bare `:PORT`; the last two mean the loopback address 127.0.0.1, reachable
/// from this machine only.
pub fn listen_addr(text: &str) -> Result<SocketAddr, String> {
    let text = text.trim();
    let loopback_port = text
        .strip_prefix(':')
        .or_else(|| text.strip_prefix("localhost:"));
    let parsed = match loopback_port {
        Some(port) => port
            .parse::<u16>()
            .map(|port| SocketAddr::from(([127, 0, 0, 1], port)))
            .ok(),
        None => text.parse().ok(),
    };
    parsed.ok_or_else(|| {
        format!(
            "{text:?} is not an address to listen on: give IP:PORT (127.0.0.1:8080, 0.0.0.0:8080, [::1]:8080), localhost:PORT or :PORT"
        )
    })
}

fn listen_in_file<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<SocketAddr>, D::Error> {
    let text = String::deserialize(deserializer)?;
    listen_addr(&text)
        .map(Some)
        .map_err(serde::de::Error::custom)
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
            // No URL: the emulator hosts the site.
            let hosted = site.url.is_empty();
            if !(hosted || site.url.starts_with("http://") || site.url.starts_with("https://")) {
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
        self.limits.validate()?;
        self.webhooks.validate()?;
        if self.webhook_url.is_some() && !self.apps.is_empty() {
            bail!("webhook_url is for the default app; with [[apps]] declared, give each app its own webhook_url");
        }
        if let Some(url) = &self.webhook_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                bail!("webhook_url {url:?} must start with http:// or https://");
            }
        }
        self.performance.validate()?;
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
        assert_eq!(
            config.webhooks.timeout,
            std::time::Duration::from_millis(300)
        );
        assert_eq!(
            config.webhooks.batch_size,
            DispatchSettings::default().batch_size
        );
    }

    #[test]
    fn listen_addresses_may_be_localhost_or_a_bare_port() {
        let loopback = |port| SocketAddr::from(([127, 0, 0, 1], port));
        assert_eq!(listen_addr(":8081"), Ok(loopback(8081)));
        assert_eq!(listen_addr("localhost:0"), Ok(loopback(0)));
        assert_eq!(listen_addr("0.0.0.0:80").unwrap().to_string(), "0.0.0.0:80");
        assert_eq!(listen_addr("[::1]:9").unwrap().to_string(), "[::1]:9");
        for bad in ["8080", "localhost", ":", ":99999", "example.com:80"] {
            let error = listen_addr(bad).unwrap_err();
            assert!(error.contains(":PORT"), "{bad}: {error}");
        }
        let config: FileConfig = toml::from_str("listen = \":9090\"\n").unwrap();
        assert_eq!(config.listen, Some(loopback(9090)));
        assert!(toml::from_str::<FileConfig>("listen = \"nowhere\"\n").is_err());
    }

    #[test]
    fn unknown_keys_and_a_lease_shorter_than_an_attempt_are_refused() {
        assert!(toml::from_str::<FileConfig>("[limits]\nmax_body = 1\n").is_err());
        let config: FileConfig =
            toml::from_str("[webhooks]\ntimeout_ms = 5000\nlease_ms = 6000\n").unwrap();
        assert!(config.validate().is_err());
    }
}
