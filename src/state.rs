//! Everything a request needs, built once at start-up from the configuration and
//! the database.

use std::collections::HashMap;
use std::sync::Arc;

use rand::RngCore;

use crate::config::{FileConfig, Role};
use crate::model::checkout::Pricing;
use crate::query::cursor::CursorKey;
use crate::store::Store;
use crate::webhooks::{AppSigner, DispatchSettings, Dispatcher};

#[derive(Debug, Clone)]
pub struct Site {
    pub id: String,
    /// Where the site's pages live; checkout URLs are built on it.
    pub url: String,
    pub currency: String,
}

impl Site {
    pub fn checkout_url(&self, checkout_id: &str) -> String {
        format!(
            "{}/checkout?checkoutId={checkout_id}",
            self.url.trim_end_matches('/')
        )
    }
}

#[derive(Debug, Clone)]
pub struct ApiKey {
    pub role: Role,
    pub site_ids: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Tenancy {
    pub sites: HashMap<String, Arc<Site>>,
    pub keys: HashMap<String, ApiKey>,
}

pub struct AppState {
    pub store: Store,
    /// Apps by id: their signing keys and webhook URLs.
    pub apps: HashMap<String, Arc<AppSigner>>,
    pub dispatch: DispatchSettings,
    pub tenancy: Tenancy,
    pub pricing: Pricing,
    pub cursor_key: CursorKey,
    pub max_body_bytes: usize,
}

/// What a first start made up, printed so the user can call the API at once.
#[derive(Debug, Clone)]
pub struct Welcome {
    pub site_id: String,
    pub site_url: String,
    pub api_key: Option<String>,
    /// The default app, when no apps are declared.
    pub app_id: Option<String>,
    pub webhook_url: Option<String>,
}

impl AppState {
    /// Builds the state. With no `[[sites]]`, a default site is made on first start
    /// and kept in the database; with no `[[api_keys]]`, likewise an admin key.
    pub async fn build(
        store: Store,
        config: &FileConfig,
        public_url: &str,
    ) -> anyhow::Result<(AppState, Welcome)> {
        let mut tenancy = Tenancy::default();
        for site in &config.sites {
            tenancy.sites.insert(
                site.id.clone(),
                Arc::new(Site {
                    id: site.id.clone(),
                    url: site.url.clone(),
                    currency: site.currency.clone(),
                }),
            );
        }
        if tenancy.sites.is_empty() {
            let id = store
                .setting_or_insert("default_site_id", || uuid::Uuid::new_v4().to_string())
                .await?;
            let url = format!("{}/_emulator/sites/{id}", public_url.trim_end_matches('/'));
            tenancy.sites.insert(
                id.clone(),
                Arc::new(Site {
                    id,
                    url,
                    currency: "USD".into(),
                }),
            );
        }
        for key in &config.api_keys {
            tenancy.keys.insert(
                key.key.clone(),
                ApiKey {
                    role: key.role,
                    site_ids: key.site_ids.clone(),
                },
            );
        }
        let mut default_key = None;
        if tenancy.keys.is_empty() {
            let key = store
                .setting_or_insert("default_api_key", random_key)
                .await?;
            tenancy.keys.insert(
                key.clone(),
                ApiKey {
                    role: Role::Admin,
                    site_ids: tenancy.sites.keys().cloned().collect(),
                },
            );
            default_key = Some(key);
        }
        let secret = store.setting_or_insert("cursor_secret", random_key).await?;
        let mut declared = config.apps.clone();
        let mut default_app = None;
        if declared.is_empty() {
            let id = store
                .setting_or_insert("default_app_id", || uuid::Uuid::new_v4().to_string())
                .await?;
            declared.push(crate::config::AppConfig {
                id: id.clone(),
                webhook_url: config.webhook_url.clone(),
                private_key_path: None,
                instance_ids: Default::default(),
            });
            default_app = Some(id);
        }
        let mut apps = HashMap::new();
        for app in &declared {
            apps.insert(app.id.clone(), Arc::new(AppSigner::load(&store, app)?));
        }
        let subscribers = declared
            .iter()
            .filter(|a| a.webhook_url.is_some())
            .map(|a| a.id.clone())
            .collect();
        let store = store
            .with_subscribers(subscribers)
            .with_group_commit(&config.performance.group_commit());

        let mut first_site = config.sites.first().map(|s| tenancy.sites[&s.id].clone());
        if first_site.is_none() {
            first_site = tenancy.sites.values().next().cloned();
        }
        let first_site = first_site.expect("there is always a site");
        let welcome = Welcome {
            site_id: first_site.id.clone(),
            site_url: first_site.url.clone(),
            api_key: default_key,
            app_id: default_app,
            webhook_url: config.webhook_url.clone(),
        };
        let state = AppState {
            store,
            apps,
            dispatch: config.webhooks.settings(),
            tenancy,
            pricing: Pricing::new(&config.catalog, &config.coupons),
            cursor_key: CursorKey::new(secret.as_bytes()),
            max_body_bytes: config.limits.max_body_bytes,
        };
        Ok((state, welcome))
    }
}

impl AppState {
    /// Starts the webhook dispatcher; it stops when `shutdown` turns true.
    pub fn spawn_dispatcher(
        &self,
        shutdown: tokio::sync::watch::Receiver<bool>,
        sign_on: crate::webhooks::SignOn,
    ) -> tokio::task::JoinHandle<()> {
        let dispatcher = Dispatcher::new(
            self.store.clone(),
            self.apps.clone(),
            self.dispatch.clone(),
            self.store.wake_handle(),
            sign_on,
        );
        tokio::spawn(dispatcher.run(shutdown))
    }
}

fn random_key() -> String {
    let mut bytes = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
