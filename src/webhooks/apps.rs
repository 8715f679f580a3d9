//! The apps webhooks go to: each one's configuration, its RS256 signing key,
//! its instance on each site, and the JWT it signs an event into.

use std::collections::BTreeMap;

use anyhow::{anyhow, Context};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{KeyPair as _, RsaKeyPair, RSA_PKCS1_SHA256};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::PrivateKeyDer;
use serde::Deserialize;
use tokio::sync::OnceCell;

use super::envelope::{Claims, Envelope};
use crate::store::{EventRow, Store};

/// How long a webhook token stays valid.
const TOKEN_LIFETIME_SECS: i64 = 3600;

/// An app, as declared in `[[apps]]` or made on first start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppConfig {
    pub id: String,
    pub webhook_url: Option<String>,
    /// PEM file with the app's RSA private key; generated and kept in the database if absent.
    pub private_key_path: Option<String>,
    /// App instance id per site id; derived deterministically if absent.
    #[serde(default)]
    pub instance_ids: BTreeMap<String, String>,
}

pub struct AppSigner {
    pub app_id: String,
    pub webhook_url: Option<String>,
    instance_ids: BTreeMap<String, String>,
    store: Store,
    /// Loaded on first use: generating an RSA key takes a while, and most
    /// starts never sign anything.
    keys: OnceCell<Keys>,
}

struct Keys {
    /// Parsed once: checking an RSA key costs more than signing with it.
    pair: RsaKeyPair,
    public_pem: String,
}

/// base64url of `{"alg":"RS256","typ":"JWT"}`, the header of every token.
const JWT_HEADER: &str = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9";

/// An RSA key pair for signing, from a PKCS#8 or PKCS#1 PEM, and the PEM of
/// its public key.
fn key_pair(pem: &str) -> anyhow::Result<(RsaKeyPair, String)> {
    let pair = match PrivateKeyDer::from_pem_slice(pem.as_bytes())
        .map_err(|_| anyhow!("not an RSA private key in PEM"))?
    {
        PrivateKeyDer::Pkcs8(der) => RsaKeyPair::from_pkcs8(der.secret_pkcs8_der()),
        PrivateKeyDer::Pkcs1(der) => RsaKeyPair::from_der(der.secret_pkcs1_der()),
        _ => anyhow::bail!("not an RSA private key in PEM"),
    }
    .map_err(|e| anyhow!("the RSA key is not usable for signing: {e}"))?;
    let public_pem = public_pem(&pair)?;
    Ok((pair, public_pem))
}

/// The SubjectPublicKeyInfo PEM subscribers verify with.
fn public_pem(pair: &RsaKeyPair) -> anyhow::Result<String> {
    let der = pair
        .public_key()
        .as_der()
        .map_err(|_| anyhow!("encoding the RSA public key failed"))?;
    Ok(pem("PUBLIC KEY", der.as_ref()))
}

/// `der` as PEM: base64 in lines of 64, LF line ends.
fn pem(label: &str, der: &[u8]) -> String {
    let base64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in base64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

impl AppSigner {
    /// The app as configured. A configured PEM file is read now, so a bad path
    /// stops the start; a key kept in the database is loaded on first use.
    pub fn load(store: &Store, app: &AppConfig) -> anyhow::Result<AppSigner> {
        let keys = OnceCell::new();
        if let Some(path) = &app.private_key_path {
            let pem = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
            let (pair, public_pem) = key_pair(&pem).with_context(|| format!("reading {path}"))?;
            let _ = keys.set(Keys { pair, public_pem });
        }
        Ok(AppSigner {
            app_id: app.id.clone(),
            webhook_url: app.webhook_url.clone(),
            instance_ids: app.instance_ids.clone(),
            store: store.clone(),
            keys,
        })
    }

    /// The key pair kept in the database, generated and stored on first use.
    /// Every instance on the database ends up with the first one stored.
    async fn keys(&self) -> anyhow::Result<&Keys> {
        self.keys
            .get_or_try_init(|| async {
                let (private_pem, public_pem) = match self.store.app_key(&self.app_id).await? {
                    Some(pair) => pair,
                    None => {
                        let (private, public) = tokio::task::spawn_blocking(generate).await??;
                        self.store
                            .insert_app_key(&self.app_id, &private, &public)
                            .await?;
                        self.store
                            .app_key(&self.app_id)
                            .await?
                            .context("app key was just stored")?
                    }
                };
                let (pair, _) = key_pair(&private_pem)?;
                Ok(Keys { pair, public_pem })
            })
            .await
    }

    /// The PEM subscribers verify with.
    pub async fn public_pem(&self) -> anyhow::Result<String> {
        Ok(self.keys().await?.public_pem.clone())
    }

    /// Makes sure the signing key is loaded, so `sign` can run off the runtime.
    pub async fn ready(&self) -> anyhow::Result<()> {
        self.keys().await.map(|_| ())
    }

    /// The app's instance on a site: configured, or derived so it is stable.
    pub fn instance_id(&self, site_id: &str) -> String {
        self.instance_ids.get(site_id).cloned().unwrap_or_else(|| {
            uuid::Uuid::new_v5(
                &uuid::Uuid::NAMESPACE_URL,
                format!("wix-app:{}/site:{site_id}", self.app_id).as_bytes(),
            )
            .to_string()
        })
    }

    /// The JWT body Wix POSTs for `event`. CPU-heavy: call off the async runtime.
    pub fn sign(&self, event: &EventRow, now_secs: i64) -> anyhow::Result<String> {
        let keys = self
            .keys
            .get()
            .context("signing key not loaded: call ready() first")?;
        self.sign_with(&keys.pair, event, now_secs)
    }

    /// As [`Self::sign`], but signed with a key that is not the app's, so a
    /// receiver's verification can be seen to refuse it (a `badSignature`
    /// fault). The key is made on first use and kept for the process.
    pub fn sign_as_stranger(&self, event: &EventRow, now_secs: i64) -> anyhow::Result<String> {
        static STRANGER: std::sync::OnceLock<RsaKeyPair> = std::sync::OnceLock::new();
        let pair = match STRANGER.get() {
            Some(pair) => pair,
            None => {
                let pair = RsaKeyPair::generate(KeySize::Rsa2048)
                    .map_err(|_| anyhow!("generating an RSA key failed"))?;
                STRANGER.get_or_init(|| pair)
            }
        };
        self.sign_with(pair, event, now_secs)
    }

    fn sign_with(
        &self,
        pair: &RsaKeyPair,
        event: &EventRow,
        now_secs: i64,
    ) -> anyhow::Result<String> {
        let data = serde_json::to_string(&Envelope {
            app_id: &self.app_id,
            instance_id: &self.instance_id(&event.site_id),
            event,
        })?;
        let claims = Claims {
            data,
            iat: now_secs,
            exp: now_secs + TOKEN_LIFETIME_SECS,
            iss: "wix.com",
            aud: &self.app_id,
        };
        let claims = serde_json::to_vec(&claims)?;
        let signature_len = pair.public_modulus_len();
        let mut token = String::with_capacity(
            JWT_HEADER.len()
                + 2
                + base64::encoded_len(claims.len(), false).unwrap_or(0)
                + base64::encoded_len(signature_len, false).unwrap_or(0),
        );
        token.push_str(JWT_HEADER);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(claims, &mut token);
        let mut signature = vec![0; signature_len];
        pair.sign(
            &RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            token.as_bytes(),
            &mut signature,
        )
        .map_err(|e| anyhow::anyhow!("RSA signing failed: {e}"))?;
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(signature, &mut token);
        Ok(token)
    }
}

/// A new RSA-2048 key pair: the private key as PKCS#8 PEM, the public as SPKI PEM.
fn generate() -> anyhow::Result<(String, String)> {
    let pair = RsaKeyPair::generate(KeySize::Rsa2048)
        .map_err(|_| anyhow!("generating an RSA key failed"))?;
    let private = pair
        .as_der()
        .map_err(|_| anyhow!("encoding the RSA private key failed"))?;
    Ok((pem("PRIVATE KEY", private.as_ref()), public_pem(&pair)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The RSAPrivateKey (PKCS#1) inside a PKCS#8 PrivateKeyInfo: the
    /// OCTET STRING that is its last element.
    fn pkcs1_of(pkcs8: &[u8]) -> Vec<u8> {
        // One DER element: (tag, content, rest).
        fn element(der: &[u8]) -> (u8, &[u8], &[u8]) {
            let (tag, first) = (der[0], der[1] as usize);
            let (len, at) = if first < 0x80 {
                (first, 2)
            } else {
                let n = first & 0x7f;
                let len = der[2..2 + n].iter().fold(0, |l, b| (l << 8) | *b as usize);
                (len, 2 + n)
            };
            (tag, &der[at..at + len], &der[at + len..])
        }
        let (_, mut info, _) = element(pkcs8);
        loop {
            let (tag, content, rest) = element(info);
            if rest.is_empty() {
                assert_eq!(tag, 0x04, "the private key is an OCTET STRING");
                return content.to_vec();
            }
            info = rest;
        }
    }

    /// A configured key may be PKCS#1 or PKCS#8; either signs tokens that
    /// verify with the public key served for it.
    #[tokio::test]
    async fn configured_pem_keys_sign_verifiable_tokens() {
        let (pkcs8, generated_public) = generate().unwrap();
        let der = PrivateKeyDer::from_pem_slice(pkcs8.as_bytes()).unwrap();
        let pkcs1 = pem("RSA PRIVATE KEY", &pkcs1_of(der.secret_der()));
        let dir = std::env::temp_dir().join(format!("ct-key-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = Store::connect("sqlite::memory:", 1).await.unwrap();
        for (name, pem) in [("pkcs1.pem", pkcs1), ("pkcs8.pem", pkcs8)] {
            let path = dir.join(name);
            std::fs::write(&path, pem).unwrap();
            let app = AppConfig {
                id: "app".into(),
                webhook_url: None,
                private_key_path: Some(path.display().to_string()),
                instance_ids: Default::default(),
            };
            let signer = AppSigner::load(&store, &app).unwrap();
            let event = EventRow {
                seq: 7,
                id: "event".into(),
                site_id: "site".into(),
                entity_id: "template".into(),
                slug: crate::model::events::Slug::Created,
                body: r#"{"id":"template"}"#.into(),
                event_time: 0,
            };
            let token = signer.sign(&event, 1_700_000_000).unwrap();
            assert!(token.starts_with(&format!("{JWT_HEADER}.")));
            let public = signer.public_pem().await.unwrap();
            assert_eq!(public, generated_public, "{name}: the same public key");
            assert!(public.starts_with("-----BEGIN PUBLIC KEY-----\n"));
            let key = jsonwebtoken::DecodingKey::from_rsa_pem(public.as_bytes()).unwrap();
            let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
            validation.set_audience(&["app"]);
            validation.validate_exp = false;
            let claims = jsonwebtoken::decode::<serde_json::Value>(&token, &key, &validation)
                .expect("the signature verifies with the served public key")
                .claims;
            assert_eq!(claims["iss"], "wix.com");
            assert_eq!(claims["aud"], "app");
            assert_eq!(claims["exp"], 1_700_000_000 + TOKEN_LIFETIME_SECS);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A generated key is RSA-2048 in the PEM every library reads, and
    /// what is not an RSA key in PEM is refused.
    #[test]
    fn generated_keys_are_rsa_2048_in_standard_pem() {
        let (private, public) = generate().unwrap();
        assert!(private.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        assert!(private.lines().all(|l| l.len() <= 64));
        let (pair, again) = key_pair(&private).unwrap();
        assert_eq!(pair.public_modulus_len(), 256);
        assert_eq!(again, public);
        assert!(
            key_pair("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").is_err()
        );
        assert!(key_pair("not pem").is_err());
    }
}
