//! `--seed FILE` (or `seed` in the configuration): a snapshot loaded into a
//! site at start when that site is empty, so a suite starts from known
//! state. The snapshot's `siteId` names the site when it is one this
//! emulator serves; otherwise the first site takes it.

use std::path::Path;

use anyhow::Context;
use serde_json::Value;

use crate::control::snapshot;
use crate::state::AppState;

/// Loads the seed into its site unless the site has templates or checkouts
/// already; says what it did.
pub async fn load(state: &AppState, path: &Path, first_site: &str) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the seed {}", path.display()))?;
    let doc: Value = serde_json::from_str(&text)
        .with_context(|| format!("the seed {} is not JSON", path.display()))?;
    let named = doc["siteId"].as_str().and_then(|id| state.tenancy.site(id));
    let site = match named {
        Some(site) => site,
        None => state
            .tenancy
            .site(first_site)
            .context("the first site is not known")?,
    };
    if !snapshot::is_empty(state, &site).await? {
        return Ok(format!(
            "site {} has templates or checkouts already: the seed {} was not loaded",
            site.id,
            path.display()
        ));
    }
    let restored = snapshot::restore(state, &site, &doc)
        .await
        .map_err(|e| anyhow::anyhow!("the seed {} cannot be loaded: {e}", path.display()))?;
    Ok(format!(
        "loaded the seed {} into site {}: {} templates, {} checkouts",
        path.display(),
        site.id,
        restored.templates,
        restored.checkouts
    ))
}
