//! Each app's RS256 signing key and the Wix webhook envelope it signs.

use std::collections::BTreeMap;

use anyhow::Context;
use jsonwebtoken::{EncodingKey, Header};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::RsaPrivateKey;
use serde::Serialize;
use serde_json::{json, Value};

use crate::config::AppConfig;
use crate::store::{rfc3339, EventRow, Store};

/// How long a webhook token stays valid.
const TOKEN_LIFETIME_SECS: i64 = 3600;

pub struct AppSigner {
    pub app_id: String,
    pub webhook_url: Option<String>,
    pub public_pem: String,
    key: EncodingKey,
    instance_ids: BTreeMap<String, String>,
}

impl AppSigner {
    /// Loads the app's key from its PEM file, or from the database, generating
    /// and storing one on first use.
    pub async fn load(store: &Store, app: &AppConfig) -> anyhow::Result<AppSigner> {
        let (private_pem, public_pem) = match &app.private_key_path {
            Some(path) => {
                let pem =
                    std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
                let key = RsaPrivateKey::from_pkcs8_pem(&pem)
                    .or_else(|_| RsaPrivateKey::from_pkcs1_pem(&pem))
                    .with_context(|| format!("{path} is not an RSA private key in PEM"))?;
                let public = key.to_public_key().to_public_key_pem(LineEnding::LF)?;
                (pem, public)
            }
            None => match store.app_key(&app.id).await? {
                Some(pair) => pair,
                None => {
                    let (private, public) = tokio::task::spawn_blocking(generate).await??;
                    store.insert_app_key(&app.id, &private, &public).await?;
                    store
                        .app_key(&app.id)
                        .await?
                        .context("app key was just stored")?
                }
            },
        };
        Ok(AppSigner {
            app_id: app.id.clone(),
            webhook_url: app.webhook_url.clone(),
            key: EncodingKey::from_rsa_pem(private_pem.as_bytes())?,
            public_pem,
            instance_ids: app.instance_ids.clone(),
        })
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
            &self.key,
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
