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

/// The query parameter of a checkout URL, as Wix's checkout page reads it.
pub const CHECKOUT_PARAMS: &str = "appSectionParams";

impl Site {
    /// Where the emulator hosts a site that has no URL of its own.
    pub fn hosted_url(public_url: &str, id: &str) -> String {
        format!("{}/_emulator/sites/{id}", public_url.trim_end_matches('/'))
    }

    /// A checkout's URL in Wix's documented shape:
    /// `<site url>/checkout?appSectionParams=<URL-encoded {"checkoutId":…}>`.
    pub fn checkout_url(&self, checkout_id: &str) -> String {
        let params = serde_json::json!({"checkoutId": checkout_id}).to_string();
        format!(
            "{}/checkout?{CHECKOUT_PARAMS}={}",
            self.url.trim_end_matches('/'),
            percent_encode(&params)
        )
    }
}

/// `s` as a URL query value: every byte but the unreserved ones as `%XX`.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkout_urls_have_wix_shape() {
        let site = Site {
            id: "s".into(),
            url: "https://shop.example.com/".into(),
            currency: "USD".into(),
        };
        assert_eq!(
            site.checkout_url("e5cda5ba-2f1a-4c2e-8a4b-1b2c3d4e5f60"),
            "https://shop.example.com/checkout?appSectionParams=%7B%22checkoutId%22%3A%22e5cda5ba-2f1a-4c2e-8a4b-1b2c3d4e5f60%22%7D"
        );
    }
}
