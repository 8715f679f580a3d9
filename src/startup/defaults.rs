//! What a first start makes up when the configuration leaves it out — a
//! site, an admin key, an app, the cursor secret — kept in the database so
//! restarts and other instances on it reuse them.

use crate::auth::{new_key, ApiKey, Role, Tenancy};
use crate::config::FileConfig;
use crate::site::Site;
use crate::store::Store;
use crate::webhooks::AppConfig;

/// The sites, keys and apps to serve, and what of them was made up.
pub struct Provisioned {
    pub tenancy: Tenancy,
    pub apps: Vec<AppConfig>,
    pub cursor_secret: String,
    pub welcome: Welcome,
}

/// What a first start made up, printed so the user can call the API at once.
#[derive(Debug, Clone)]
pub struct Welcome {
    pub site_id: String,
    pub site_url: String,
    /// An admin key of the site: made up when no keys are declared, else
    /// the first declared admin key bound to it.
    pub api_key: Option<String>,
    /// The default app, when no apps are declared.
    pub app_id: Option<String>,
    pub webhook_url: Option<String>,
    /// A one-time token that signs in to the console (see [`crate::sessions`]).
    pub sign_in_token: Option<String>,
}

/// With no `[[sites]]`, a default site; with no `[[api_keys]]`, an admin key
/// for every site; with no `[[apps]]`, a default app.
pub async fn provision(
    store: &Store,
    config: &FileConfig,
    public_url: &str,
) -> anyhow::Result<Provisioned> {
    let mut tenancy = Tenancy::default();
    let first_site = sites(store, config, public_url, &mut tenancy).await?;
    let api_key = keys(store, config, &first_site.id, &mut tenancy).await?;
    let (apps, app_id) = apps(store, config).await?;
    let cursor_secret = store.setting_or_insert("cursor_secret", new_key).await?;
    Ok(Provisioned {
        tenancy,
        apps,
        cursor_secret,
        welcome: Welcome {
            site_id: first_site.id,
            site_url: first_site.url,
            api_key,
            app_id,
            webhook_url: config.webhook_url.clone(),
            sign_in_token: None,
        },
    })
}

/// Adds the declared sites, or the default one; returns the first.
async fn sites(
    store: &Store,
    config: &FileConfig,
    public_url: &str,
    tenancy: &mut Tenancy,
) -> anyhow::Result<Site> {
    let hosted = |id: &str| Site::hosted_url(public_url, id);
    let mut first = None;
    for site in &config.sites {
        let mut site = site.clone();
        if site.url.is_empty() {
            site.url = hosted(&site.id);
        }
        first.get_or_insert_with(|| site.clone());
        tenancy.add_site(site);
    }
    if let Some(first) = first {
        return Ok(first);
    }
    let id = store
        .setting_or_insert("default_site_id", || uuid::Uuid::new_v4().to_string())
        .await?;
    let url = hosted(&id);
    let site = Site {
        id,
        url,
        currency: "USD".into(),
    };
    tenancy.add_site(site.clone());
    Ok(site)
}

/// Adds the declared keys, or a stored admin key for every site; returns an
/// admin key of `site_id` to show: the one made up, or the first declared.
async fn keys(
    store: &Store,
    config: &FileConfig,
    site_id: &str,
    tenancy: &mut Tenancy,
) -> anyhow::Result<Option<String>> {
    for key in &config.api_keys {
        tenancy.add_key(key.clone());
    }
    if !config.api_keys.is_empty() {
        let admin = config
            .api_keys
            .iter()
            .find(|k| k.role == Role::Admin && k.site_ids.iter().any(|s| s == site_id));
        return Ok(admin.map(|k| k.key.clone()));
    }
    let key = store.setting_or_insert("default_api_key", new_key).await?;
    tenancy.add_key(ApiKey {
        key: key.clone(),
        site_ids: tenancy.sites.keys().cloned().collect(),
        role: Role::Admin,
    });
    Ok(Some(key))
}

/// The declared apps, or a default app; returns the default app's id too.
async fn apps(
    store: &Store,
    config: &FileConfig,
) -> anyhow::Result<(Vec<AppConfig>, Option<String>)> {
    if !config.apps.is_empty() {
        return Ok((config.apps.clone(), None));
    }
    let id = store
        .setting_or_insert("default_app_id", || uuid::Uuid::new_v4().to_string())
        .await?;
    let app = AppConfig {
        id: id.clone(),
        webhook_url: config.webhook_url.clone(),
        private_key_path: None,
        instance_ids: Default::default(),
    };
    Ok((vec![app], Some(id)))
}
