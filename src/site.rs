//! A Wix site as the emulator knows it: where its pages live and its currency.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Site {
    pub id: String,
    /// Where the site's pages live; checkout URLs are built on it. Left out
    /// of the configuration, the emulator hosts the site and its checkout page.
    #[serde(default)]
    pub url: String,
    #[serde(default = "default_currency")]
    pub currency: String,
}

fn default_currency() -> String {
    "USD".into()
}

impl Site {
    pub fn checkout_url(&self, checkout_id: &str) -> String {
        format!(
            "{}/checkout?checkoutId={checkout_id}",
            self.url.trim_end_matches('/')
        )
    }
}
