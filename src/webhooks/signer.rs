//! Each app's RS256 signing key and the Wix webhook envelope it signs.

use std::collections::BTreeMap;

use anyhow::Context;
use jsonwebtoken::{EncodingKey, Header};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::RsaPrivateKey;
use serde::Serialize;
use serde_json::{json, Value};
use tokio::sync::OnceCell;

use crate::config::AppConfig;
use crate::store::{rfc3339, EventRow, Store};

/// How long a webhook token stays valid.
const TOKEN_LIFETIME_SECS: i64 = 3600;

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
    encoding: EncodingKey,
    public_pem: String,
}

impl AppSigner {
    /// The app as configured. A configured PEM file is read now, so a bad path
    /// stops the start; a key kept in the database is loaded on first use.
    pub fn load(store: &Store, app: &AppConfig) -> anyhow::Result<AppSigner> {
        let keys = OnceCell::new();
        if let Some(path) = &app.private_key_path {
            let pem = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
            let key = RsaPrivateKey::from_pkcs8_pem(&pem)
                .or_else(|_| RsaPrivateKey::from_pkcs1_pem(&pem))
                .with_context(|| format!("{path} is not an RSA private key in PEM"))?;
            let public_pem = key.to_public_key().to_public_key_pem(LineEnding::LF)?;
            let encoding = EncodingKey::from_rsa_pem(pem.as_bytes())?;
            let _ = keys.set(Keys {
                encoding,
                public_pem,
            });
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
                Ok(Keys {
                    encoding: EncodingKey::from_rsa_pem(private_pem.as_bytes())?,
                    public_pem,
                })
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
        let claims = Claims {
            data: envelope(self, event).to_string(),
            iat: now_secs,
            exp: now_secs + TOKEN_LIFETIME_SECS,
            iss: "wix.com",
            aud: &self.app_id,
        };
        Ok(jsonwebtoken::encode(
            &Header::new(jsonwebtoken::Algorithm::RS256),
            &claims,
            &self
                .keys
                .get()
                .context("signing key not loaded: call ready() first")?
                .encoding,
        )?)
    }
}

#[derive(Serialize)]
struct Claims<'a> {
    data: String,
    iat: i64,
    exp: i64,
    iss: &'static str,
    aud: &'a str,
}

fn generate() -> anyhow::Result<(String, String)> {
    let key = RsaPrivateKey::new(&mut rand::thread_rng(), 2048)?;
    let private = key.to_pkcs8_pem(LineEnding::LF)?.to_string();
    let public = key.to_public_key().to_public_key_pem(LineEnding::LF)?;
    Ok((private, public))
}

/// The decoded `data` claim: event type, instance, identity and the DomainEvent,
/// the last two as JSON strings, as Wix nests them.
pub fn envelope(app: &AppSigner, event: &EventRow) -> Value {
    let body: Value = serde_json::from_str(&event.body).unwrap_or(Value::Null);
    let mut domain = json!({
        "id": event.id,
        "entityFqdn": "wix.ecom.v1.checkout_template",
        "slug": event.slug,
        "entityId": event.entity_id,
        "eventTime": rfc3339(event.event_time),
        "triggeredByAnonymizeRequest": false,
        "entityEventSequence": event.seq.to_string(),
    });
    // Both forms: the object is what @wix/sdk reads, the string what the REST docs show.
    let (key, object, string) = match event.slug.as_str() {
        "created" => ("createdEvent", "entity", "entityAsJson"),
        "updated" => ("updatedEvent", "currentEntity", "currentEntityAsJson"),
        "deleted" => ("deletedEvent", "deletedEntity", "deletedEntityAsJson"),
        _ => ("actionEvent", "body", "bodyAsJson"),
    };
    domain[key] = json!({ object: body, string: event.body });
    json!({
        "eventType": format!("wix.ecom.v1.checkout_template_{}", event.slug),
        "instanceId": app.instance_id(&event.site_id),
        "identity": json!({"identityType": "APP", "appId": app.app_id}).to_string(),
        "data": domain.to_string(),
        "accountInfo": {"siteId": event.site_id},
    })
}
