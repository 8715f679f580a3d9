//! The apps webhooks go to: each one's configuration, its RS256 signing key,
//! its instance on each site, and the JWT it signs an event into.

use std::collections::BTreeMap;

use anyhow::Context;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::RsaPrivateKey;
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

/// An RSA key pair for signing, from a PKCS#8 or PKCS#1 PEM.
fn key_pair(pem: &str) -> anyhow::Result<(RsaKeyPair, String)> {
    let key = RsaPrivateKey::from_pkcs8_pem(pem)
        .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem))
        .context("not an RSA private key in PEM")?;
    let public_pem = key.to_public_key().to_public_key_pem(LineEnding::LF)?;
    let der = key.to_pkcs8_der()?;
    let pair = RsaKeyPair::from_pkcs8(der.as_bytes())
        .map_err(|e| anyhow::anyhow!("the RSA key is not usable for signing: {e}"))?;
    Ok((pair, public_pem))
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
        let keys = self
            .keys
            .get()
            .context("signing key not loaded: call ready() first")?;
        let claims = serde_json::to_vec(&claims)?;
        let signature_len = keys.pair.public_modulus_len();
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
        keys.pair
            .sign(
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

fn generate() -> anyhow::Result<(String, String)> {
    let key = RsaPrivateKey::new(&mut rand::thread_rng(), 2048)?;
    let private = key.to_pkcs8_pem(LineEnding::LF)?.to_string();
    let public = key.to_public_key().to_public_key_pem(LineEnding::LF)?;
    Ok((private, public))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A configured key may be PKCS#1 or PKCS#8; either signs tokens that
    /// verify with the public key served for it.
    #[tokio::test]
    async fn configured_pem_keys_sign_verifiable_tokens() {
        let key = RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap();
        let dir = std::env::temp_dir().join(format!("ct-key-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = Store::connect("sqlite::memory:", 1).await.unwrap();
        let pkcs1 = rsa::pkcs1::EncodeRsaPrivateKey::to_pkcs1_pem(&key, LineEnding::LF).unwrap();
        let pkcs8 = key.to_pkcs8_pem(LineEnding::LF).unwrap();
        for (name, pem) in [
            ("pkcs1.pem", pkcs1.to_string()),
            ("pkcs8.pem", pkcs8.to_string()),
        ] {
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
            let (header, rest) = token.split_once('.').unwrap();
            assert_eq!(header, JWT_HEADER);
            let (claims, signature) = rest.rsplit_once('.').unwrap();
            let public: rsa::RsaPublicKey = rsa::pkcs8::DecodePublicKey::from_public_key_pem(
                &signer.public_pem().await.unwrap(),
            )
            .unwrap();
            let der = rsa::pkcs1::EncodeRsaPublicKey::to_pkcs1_der(&public).unwrap();
            aws_lc_rs::signature::UnparsedPublicKey::new(
                &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
                der.as_bytes(),
            )
            .verify(
                format!("{header}.{claims}").as_bytes(),
                &URL_SAFE_NO_PAD.decode(signature).unwrap(),
            )
            .expect("the signature verifies with the served public key");
            let claims: serde_json::Value =
                serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).unwrap()).unwrap();
            assert_eq!(claims["iss"], "wix.com");
            assert_eq!(claims["aud"], "app");
            assert_eq!(claims["exp"], 1_700_000_000 + TOKEN_LIFETIME_SECS);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
