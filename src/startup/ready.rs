//! What a started emulator tells its user: the banner for people, and the
//! same facts as a JSON file (`--ready-file`) for scripts, tests and CI.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::path::Path;

use anyhow::Context;
use serde::Serialize;

use super::Welcome;
use crate::store::redact;

/// Where the emulator is and what to call it with. Written only once every
/// listener is bound and the state is built, so a reader can call at once.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Facts {
    /// The base URL of the HTTP API.
    pub base_url: String,
    /// The HTTPS listener's base URL, with the host the SDK is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub https_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sdk_host: Option<String>,
    /// The CA to trust for HTTPS: `ca.pem` beside the certificate, as
    /// `tls-cert` writes it, when it is there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<String>,
    pub site_id: String,
    pub site_url: String,
    /// An admin key of the site: the one a zero-config start made up, else
    /// the first declared admin key bound to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    /// The default app, when no apps are declared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_key_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
    /// The database URL, credentials hidden.
    pub database: String,
    /// The SQLite file, as an absolute path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_file: Option<String>,
    /// The console's address.
    pub console_url: String,
    /// Opens the console signed in, once (a one-time token in the URL).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub console_sign_in_url: Option<String>,
}

impl Facts {
    /// `https`: the HTTPS listener's address and certificate file.
    pub fn new(
        public_url: &str,
        https: Option<(SocketAddr, &Path)>,
        database_url: &str,
        welcome: Welcome,
    ) -> Facts {
        let ca_file = https.and_then(|(_, cert)| {
            let ca = cert.with_file_name("ca.pem");
            ca.exists().then(|| absolute(&ca))
        });
        let https = https.map(|(addr, _)| addr);
        let sdk_host = https.map(|addr| {
            if addr.ip().is_loopback() || addr.ip().is_unspecified() {
                format!("localhost:{}", addr.port())
            } else {
                addr.to_string()
            }
        });
        Facts {
            base_url: public_url.to_string(),
            https_url: sdk_host.as_ref().map(|host| format!("https://{host}")),
            sdk_host,
            ca_file,
            site_id: welcome.site_id,
            site_url: welcome.site_url,
            api_key: welcome.api_key,
            public_key_url: welcome
                .app_id
                .as_ref()
                .map(|id| format!("{public_url}/_emulator/apps/{id}/public-key")),
            app_id: welcome.app_id,
            webhook_url: welcome.webhook_url,
            database: redact(database_url),
            database_file: super::sqlite_file(database_url).map(|file| absolute(&file)),
            console_url: format!("{public_url}/_emulator/ui/"),
            console_sign_in_url: welcome
                .sign_in_token
                .map(|token| format!("{public_url}/_emulator/ui/sign-in?token={token}")),
        }
    }

    /// Where the data is kept, in words.
    fn database_line(&self) -> String {
        match &self.database_file {
            Some(file) => format!("{file}   (SQLite; delete it to start afresh)"),
            None if self.database.starts_with("sqlite:") => {
                format!(
                    "{}   (SQLite in memory: gone when this process stops)",
                    self.database
                )
            }
            None => format!("{}   (PostgreSQL)", self.database),
        }
    }

    /// The banner people read: every value real, the `export` line and the
    /// `try` command ready to paste as printed.
    pub fn banner(&self) -> String {
        let mut banner = format!(
            "checkout-templates listening on {}\n  database   {}\n  site id    {}\n  site url   {}\n",
            self.base_url,
            self.database_line(),
            self.site_id,
            self.site_url
        );
        if let (Some(url), Some(host)) = (&self.https_url, &self.sdk_host) {
            banner.push_str(&format!(
                "  https      {url}   (SDK: host: {{apiBaseUrl: '{host}'}})\n"
            ));
            if let Some(ca) = &self.ca_file {
                banner.push_str(&format!(
                    "  trust      {ca}   (NODE_EXTRA_CA_CERTS, curl --cacert)\n"
                ));
            }
        }
        if let Some(key) = &self.api_key {
            banner.push_str(&format!("  api key    {key}   (admin)\n"));
        }
        if let (Some(app_id), Some(public_key)) = (&self.app_id, &self.public_key_url) {
            banner.push_str(&format!(
                "  app id     {app_id}   (public key {public_key})\n  webhooks   {}\n",
                self.webhook_url
                    .as_deref()
                    .unwrap_or("not sent: no --webhook-url given")
            ));
        }
        match &self.console_sign_in_url {
            Some(link) => banner.push_str(&format!("  console    {link}   (signs in once)\n")),
            None => banner.push_str(&format!("  console    {}\n", self.console_url)),
        }
        let mut export = format!(
            "B={} SITE={}",
            shell_word(&self.base_url),
            shell_word(&self.site_id)
        );
        if let Some(host) = &self.sdk_host {
            export.push_str(&format!(" SDK_HOST={}", shell_word(host)));
        }
        if let Some(ca) = &self.ca_file {
            export.push_str(&format!(" CA={}", shell_word(ca)));
        }
        if let Some(key) = &self.api_key {
            export.push_str(&format!(" KEY={}", shell_word(key)));
            banner.push_str(&format!(
                "  try        curl -s -X POST {}/ecom/v1/checkout-templates/query -H {} -H {} -d '{{}}'\n",
                shell_word(&self.base_url),
                shell_word(&format!("Authorization: {key}")),
                shell_word(&format!("wix-site-id: {}", self.site_id)),
            ));
        }
        banner.push_str(&format!("  export {export}\n"));
        banner
    }

    /// Writes the facts as JSON to `path`, whole or not at all: a reader
    /// waiting for the file never sees half of it.
    pub fn write_ready_file(&self, path: &Path) -> anyhow::Result<()> {
        let json = serde_json::to_string_pretty(self)?;
        let partial = path.with_extension("partial");
        std::fs::write(&partial, json + "\n")
            .with_context(|| format!("writing {}", partial.display()))?;
        std::fs::rename(&partial, path).with_context(|| format!("writing {}", path.display()))
    }
}

/// `path` made absolute, for a banner read from another folder.
fn absolute(path: &Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

/// `text` as one shell word: as it is when only safe characters, else in
/// single quotes.
fn shell_word(text: &str) -> Cow<'_, str> {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_.:/@%+=,".contains(c);
    if !text.is_empty() && text.chars().all(safe) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(format!("'{}'", text.replace('\'', "'\\''")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(shell_word("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_eq!(shell_word("Authorization: k"), "'Authorization: k'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word(""), "''");
    }
}
