//! Checkouts: made from a template (with its `used` event) and read back.

use tracing::instrument;

use super::clicks::ClickWrite;
use super::template_cache::CachedTemplate;
use super::Store;
use crate::error::Result;
use crate::model::ids::{CheckoutId, EventId, TemplateId};

/// What making something from a template came to.
#[derive(Debug)]
pub enum FromTemplate<T> {
    Made(T),
    Inactive,
    /// Unknown, deleted, or another site's.
    NotFound,
}

impl<T> FromTemplate<T> {
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> FromTemplate<U> {
        match self {
            FromTemplate::Made(t) => FromTemplate::Made(f(t)),
            FromTemplate::Inactive => FromTemplate::Inactive,
            FromTemplate::NotFound => FromTemplate::NotFound,
        }
    }
}

/// The JSON a click writes: the checkout, and the body of its `used` event.
pub struct CheckoutBodies {
    pub checkout: String,
    pub used_event: String,
}

impl Store {
    /// Creates a checkout from a template at `now`: the checkout row and the
    /// template's `used` event commit together. `build` turns the template
    /// into the checkout's JSON (whose id is `checkout_id`) and the event's.
    ///
    /// The template comes from memory when it can; the write only lands if the
    /// template still has that version, else it is read afresh and built again.
    #[instrument(skip_all)]
    pub async fn create_checkout(
        &self,
        site_id: &str,
        template_id: &TemplateId,
        checkout_id: &CheckoutId,
        now: i64,
        build: impl Fn(&CachedTemplate) -> Result<CheckoutBodies>,
    ) -> Result<FromTemplate<()>> {
        let mut fresh = false;
        loop {
            let Some(template) = self.template_for_click(site_id, template_id, fresh).await? else {
                return Ok(FromTemplate::NotFound);
            };
            if !template.active {
                if fresh {
                    return Ok(FromTemplate::Inactive);
                }
                // Only the database may say a template is inactive.
                fresh = true;
                continue;
            }
            let bodies = build(&template)?;
            let written = self
                .write_click(ClickWrite {
                    site_id: site_id.to_string(),
                    template_id: template_id.as_str().to_string(),
                    version: template.version,
                    checkout_id: checkout_id.as_str().to_string(),
                    checkout_json: bodies.checkout,
                    event_id: EventId::new().to_string(),
                    used_json: bodies.used_event,
                    time: now,
                })
                .await?;
            if written {
                return Ok(FromTemplate::Made(()));
            }
            // Changed, deactivated or deleted since it was read: read it again.
            self.templates.forget(site_id, template_id.as_str());
            fresh = true;
        }
    }

    #[instrument(skip_all)]
    pub async fn get_checkout(&self, site_id: &str, id: &CheckoutId) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT body FROM checkouts WHERE site_id = $1 AND id = $2")
                .bind(site_id)
                .bind(id.as_str())
                .fetch_optional(&mut *self.read.acquire().await?)
                .await?,
        )
    }
}
