//! Serving connections, with the bounds a hostile or broken client meets: a
//! cap on open connections (one more is closed at once), a time limit on a
//! request's head and on silence between requests (see [`activity`]), a bound
//! on the head's size, and graceful shutdown. axum's own `serve` has none of
//! these; hyper's connection builder is driven here instead.

mod activity;
mod io;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::sync::{watch, Semaphore};
use tower::ServiceExt as _;

use crate::faults::DropConnection;
use crate::limits::Limits;
use activity::Activity;
use io::Watched;

/// Serves `router` on `listener` until `shutdown` resolves; then stops
/// accepting, lets every connection finish its request in flight, and returns.
pub async fn serve<L>(
    mut listener: L,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    L: axum::serve::Listener,
    L::Addr: std::fmt::Debug,
{
    let limits = Arc::new(limits);
    let capacity = open_connections_allowed(limits.max_client_connections);
    let slots = Arc::new(Semaphore::new(capacity));
    let (stop, stopping) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            // Over the cap: closed at once, so those already open keep being served.
            tracing::warn!(
                ?peer,
                capacity,
                "too many open connections; closing a new one"
            );
            drop(stream);
            continue;
        };
        let (router, limits, stopping) = (router.clone(), limits.clone(), stopping.clone());
        tokio::spawn(async move {
            connection(stream, router, &limits, stopping).await;
            drop(slot);
        });
    }
    let _ = stop.send(true);
    // Every connection holds a slot until it is done.
    let _ = slots.acquire_many(capacity as u32).await;
    Ok(())
}

/// Serves one connection until it ends, outstays a limit, or shutdown asks it
/// to finish.
async fn connection<S>(
    stream: S,
    router: Router,
    limits: &Limits,
    mut stopping: watch::Receiver<bool>,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Watched::new(stream, activity.clone()));
    let counted = activity.clone();
    let service = tower::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
        let (router, activity) = (router.clone(), counted.clone());
        activity.request_started();
        async move {
            let response = router.oneshot(request).await;
            activity.request_answered();
            match response {
                // A fault rule's dropConnection: an error closes the
                // connection without an answer.
                Ok(r) if r.extensions().get::<DropConnection>().is_some() => {
                    Err(std::io::Error::other("connection dropped by a fault rule"))
                }
                Ok(r) => Ok(r),
                Err(never) => match never {},
            }
        }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .max_buf_size(limits.max_header_bytes)
        // The watchdog below times heads and silence; hyper's own header
        // timer would also cut idle keep-alive connections at the same time.
        .header_read_timeout(None)
        .serve_connection(io, TowerToHyperService::new(service))
        .with_upgrades();
    tokio::pin!(conn);
    let mut shutting_down = false;
    loop {
        let wait = match activity.check(limits) {
            Ok(wait) => wait,
            Err(expired) => {
                tracing::debug!(?expired, "closing a connection that outstayed its limit");
                return;
            }
        };
        tokio::select! {
            _ = conn.as_mut() => return,
            _ = stopping.changed(), if !shutting_down => {
                shutting_down = true;
                conn.as_mut().graceful_shutdown();
            }
            () = tokio::time::sleep(wait + Duration::from_millis(1)) => {}
        }
    }
}

/// `wanted`, but never more than three quarters of the open-file limit (after
/// raising the soft limit to the hard one), so the database and the webhook
/// client keep descriptors of their own.
fn open_connections_allowed(wanted: usize) -> usize {
    let files = raise_open_file_limit();
    match files {
        Some(limit) => wanted.min((limit as usize / 4 * 3).max(1)),
        None => wanted,
    }
}

/// Raises the soft open-file limit to the hard one, as servers do; returns it.
#[cfg(unix)]
fn raise_open_file_limit() -> Option<u64> {
    // SAFETY: getrlimit and setrlimit only read and write the struct given.
    unsafe {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return None;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit.rlim_cur = limit.rlim_max;
            }
        }
        Some(limit.rlim_cur)
    }
}

#[cfg(not(unix))]
fn raise_open_file_limit() -> Option<u64> {
    None
}
