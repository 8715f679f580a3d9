//! Who may call: API keys bound to sites and a role, and the caller a key
//! and a `wix-site-id` resolve to.

use std::collections::HashMap;
use std::sync::Arc;

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

/// An API key, as declared in `[[api_keys]]` or made on first start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKey {
    pub key: String,
    pub site_ids: Vec<String>,
    pub role: Role,
}

/// The sites and keys this emulator serves.
#[derive(Debug, Default)]
pub struct Tenancy {
    pub sites: HashMap<String, Arc<Site>>,
    pub keys: HashMap<String, ApiKey>,
}

/// An authenticated caller, bound to one site.
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

    /// The caller `token` is, on the site `site_id` names; a key bound to one
    /// site may leave the site out. A site id that is not a GUID is a
    /// malformed request, not a site the key may not call.
    pub fn authenticate(&self, token: &str, site_id: Option<&str>) -> Result<Caller, ApiError> {
        let key = self
            .keys
            .get(token)
            .ok_or_else(|| ApiError::Unauthenticated("the API key is not valid".into()))?;
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
        let site =
            self.sites.get(site_id).cloned().ok_or_else(|| {
                ApiError::PermissionDenied(format!("site {site_id} is not known"))
            })?;
        Ok(Caller {
            site,
            role: key.role,
        })
    }
}
