//! Who may call: API keys bound to sites and a role, and the caller a key
//! and a `wix-site-id` resolve to.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use serde::Deserialize;

use crate::error::ApiError;
use crate::site::Site;

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// May call every endpoint.
    Admin,
    /// May only create checkouts from templates and read checkouts.
    Visitor,
}

impl Role {
    /// As the configuration and the database spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Visitor => "visitor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        [Role::Admin, Role::Visitor]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// An API key, as declared in `[[api_keys]]` or made on first start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKey {
    pub key: String,
    pub site_ids: Vec<String>,
    pub role: Role,
}

/// The sites and keys this emulator serves: those configured (or made on
/// first start), and those made on demand (`POST /_emulator/sites`), which
/// are kept in the database and mirrored here.
#[derive(Debug, Default)]
pub struct Tenancy {
    pub sites: HashMap<String, Arc<Site>>,
    pub keys: HashMap<String, ApiKey>,
    made: RwLock<Made>,
}

/// The sites made on demand and their keys.
#[derive(Debug, Default)]
pub struct Made {
    pub sites: HashMap<String, Arc<Site>>,
    pub keys: HashMap<String, ApiKey>,
}

/// A new API key: 48 random hex digits.
pub fn new_key() -> String {
    use rand::RngCore as _;
    let mut bytes = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An authenticated caller, bound to one site.
#[derive(Clone)]
pub struct Caller {
    pub site: Arc<Site>,
    pub role: Role,
}

impl Caller {
    /// Everything but creating checkouts and reading them needs an admin key.
    pub fn admin(&self) -> Result<(), ApiError> {
        match self.role {
            Role::Admin => Ok(()),
            Role::Visitor => Err(ApiError::PermissionDenied(
                "this API key has the visitor role, which may only create checkouts from templates and read checkouts"
                    .into(),
            )),
        }
    }
}

impl Tenancy {
    pub fn add_site(&mut self, site: Site) -> Arc<Site> {
        let site = Arc::new(site);
        self.sites.insert(site.id.clone(), site.clone());
        site
    }

    pub fn add_key(&mut self, key: ApiKey) {
        self.keys.insert(key.key.clone(), key);
    }

    /// A site, configured or made on demand.
    pub fn site(&self, id: &str) -> Option<Arc<Site>> {
        if let Some(site) = self.sites.get(id) {
            return Some(site.clone());
        }
        self.made
            .read()
            .expect("tenancy lock")
            .sites
            .get(id)
            .cloned()
    }

    /// A key, configured or made on demand.
    pub fn key(&self, token: &str) -> Option<ApiKey> {
        if let Some(key) = self.keys.get(token) {
            return Some(key.clone());
        }
        self.made
            .read()
            .expect("tenancy lock")
            .keys
            .get(token)
            .cloned()
    }

    /// Whether the site was made on demand (and so may be deleted).
    pub fn is_made(&self, site_id: &str) -> bool {
        self.made
            .read()
            .expect("tenancy lock")
            .sites
            .contains_key(site_id)
    }

    /// Adds a site made on demand, with its keys.
    pub fn add_made(&self, site: Site, keys: Vec<ApiKey>) {
        let mut made = self.made.write().expect("tenancy lock");
        made.sites.insert(site.id.clone(), Arc::new(site));
        for key in keys {
            made.keys.insert(key.key.clone(), key);
        }
    }

    /// Forgets a site made on demand, and its keys.
    pub fn remove_made(&self, site_id: &str) {
        let mut made = self.made.write().expect("tenancy lock");
        made.sites.remove(site_id);
        made.keys
            .retain(|_, key| !key.site_ids.iter().any(|s| s == site_id));
    }

    /// Replaces every site made on demand with those stored.
    pub fn replace_made(&self, fresh: Made) {
        *self.made.write().expect("tenancy lock") = fresh;
    }

    /// The caller `token` is, on the site `site_id` names; a key bound to one
    /// site may leave the site out. A site id that is not a GUID is a
    /// malformed request, not a site the key may not call.
    pub fn authenticate(&self, token: &str, site_id: Option<&str>) -> Result<Caller, ApiError> {
        // Configured keys are read without a lock or a copy; those made on
        // demand under the read lock, which also finds their sites.
        if let Some(key) = self.keys.get(token) {
            return self.caller_of(key, site_id, None);
        }
        let made = self.made.read().expect("tenancy lock");
        let key = made
            .keys
            .get(token)
            .ok_or_else(|| ApiError::Unauthenticated("the API key is not valid".into()))?;
        self.caller_of(key, site_id, Some(&made))
    }

    /// The caller `key` is on the site `site_id` names (or its only site);
    /// `made` is the locked list of sites made on demand, if held.
    fn caller_of(
        &self,
        key: &ApiKey,
        site_id: Option<&str>,
        made: Option<&Made>,
    ) -> Result<Caller, ApiError> {
        let site_id = match site_id {
            Some(id) if !id.is_empty() && !crate::validate::is_guid(id) => {
                return Err(ApiError::validation(
                    "wix-site-id",
                    "FORMAT",
                    format!("the wix-site-id header must be a site id (a GUID), not {id:?}"),
                ))
            }
            Some(id) if !id.is_empty() => id,
            _ => match key.site_ids.as_slice() {
                [only] => only.as_str(),
                _ => {
                    return Err(ApiError::PermissionDenied(
                        "missing wix-site-id header: this API key is bound to several sites".into(),
                    ))
                }
            },
        };
        if !key.site_ids.iter().any(|s| s == site_id) {
            return Err(ApiError::PermissionDenied(format!(
                "this API key is not authorized for site {site_id}"
            )));
        }
        let site = match made {
            Some(made) => made.sites.get(site_id).cloned(),
            None => self.sites.get(site_id).cloned(),
        }
        .ok_or_else(|| ApiError::PermissionDenied(format!("site {site_id} is not known")))?;
        Ok(Caller {
            site,
            role: key.role,
        })
    }
}
