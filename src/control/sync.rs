//! Keeping this instance's mirror of test control (sites made on demand and
//! their keys, clock offsets, fault rules) as the database has it. On
//! PostgreSQL a change announced by any instance makes every instance reload
//! at once; a look every few seconds covers a missed announcement. Instances
//! sharing a SQLite file look every second at a count of changes, and reload
//! when it moved.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::auth::{ApiKey, Made, Role};
use crate::error::Result;
use crate::faults::{FaultSpec, Rule};
use crate::site::Site;
use crate::state::AppState;
use crate::store::{FaultRow, KeyRow, SiteRow};

/// How often to reload when nothing was announced.
const LOOK_EVERY_POSTGRES: Duration = Duration::from_secs(5);
const LOOK_EVERY_SQLITE: Duration = Duration::from_secs(1);

/// Reads test control from the database into memory.
pub async fn reload(state: &AppState) -> Result<()> {
    let _changing = state.control_lock.lock().await;
    let (sites, keys) = state.store.made_sites().await?;
    let offsets = state.store.site_offsets().await?;
    let rules = state.store.fault_rows(None).await?;
    state.tenancy.replace_made(made(sites, keys));
    state.clock.replace_offsets(offsets);
    state
        .faults
        .replace(rules.into_iter().filter_map(rule).collect());
    Ok(())
}

/// Reloads whenever test control changes, until `shutdown` turns true.
pub async fn follow(state: Arc<AppState>, mut shutdown: watch::Receiver<bool>) {
    let mut failing = false;
    let mut seen = state.store.control_changes().await.ok().flatten();
    while !*shutdown.borrow() {
        let Some(listening) = state.store.control_listener().await else {
            // SQLite: no announcements; look at the count every second.
            tokio::select! {
                () = tokio::time::sleep(LOOK_EVERY_SQLITE) => {
                    match state.store.control_changes().await {
                        Ok(now) if now == seen => note(Ok(()), &mut failing),
                        Ok(now) => {
                            let reloaded = reload(&state).await;
                            if reloaded.is_ok() {
                                seen = now;
                            }
                            note(reloaded, &mut failing);
                        }
                        Err(e) => note(Err(e), &mut failing),
                    }
                }
                _ = shutdown.changed() => {}
            }
            continue;
        };
        let mut listener = match listening {
            Ok(listener) => listener,
            Err(e) => {
                note(Err(e.into()), &mut failing);
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(1)) => {}
                    _ = shutdown.changed() => {}
                }
                continue;
            }
        };
        // Whatever changed while no one listened.
        note(reload(&state).await, &mut failing);
        loop {
            tokio::select! {
                heard = listener.recv() => match heard {
                    Ok(_) => note(reload(&state).await, &mut failing),
                    Err(e) => {
                        note(Err(e.into()), &mut failing);
                        break;
                    }
                },
                () = tokio::time::sleep(LOOK_EVERY_POSTGRES) => note(reload(&state).await, &mut failing),
                _ = shutdown.changed() => break,
            }
        }
    }
}

/// Logs the first failure of a run of them, and the recovery.
fn note(outcome: Result<()>, failing: &mut bool) {
    match outcome {
        Ok(()) if *failing => {
            *failing = false;
            tracing::info!("test control is followed again");
        }
        Ok(()) => {}
        Err(e) if !*failing => {
            *failing = true;
            tracing::warn!(error = %e, "following test control failed; trying again");
        }
        Err(_) => {}
    }
}

/// The sites made on demand and their keys, as the tenancy holds them.
pub(super) fn made(sites: Vec<SiteRow>, keys: Vec<KeyRow>) -> Made {
    let mut made = Made::default();
    for site in sites {
        made.sites.insert(site.id.clone(), Arc::new(site_of(site)));
    }
    for key in keys {
        if let Some(key) = key_of(key) {
            made.keys.insert(key.key.clone(), key);
        }
    }
    made
}

pub(super) fn site_of(row: SiteRow) -> Site {
    Site {
        id: row.id,
        url: row.url,
        currency: row.currency,
    }
}

pub(super) fn key_of(row: KeyRow) -> Option<ApiKey> {
    Some(ApiKey {
        role: Role::parse(&row.role)?,
        key: row.key,
        site_ids: vec![row.site_id],
    })
}

/// A stored rule as the emulator holds it; a rule stored by a version that
/// read rules differently is skipped, with a warning.
pub(super) fn rule(row: FaultRow) -> Option<Rule> {
    match serde_json::from_str::<FaultSpec>(&row.spec) {
        Ok(spec) if crate::faults::Operation::parse(&spec.operation).is_some() => {
            Some(Rule::new(row.id, row.site_id, spec))
        }
        _ => {
            tracing::warn!(id = %row.id, "a stored fault rule could not be read; it is ignored");
            None
        }
    }
}
