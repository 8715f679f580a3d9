//! Signing threads, one per core, fed by one queue. RSA signing is the
//! dispatcher's main cost; a thread per delivery in flight (as tokio's blocking
//! pool gives) would have the cores switching between signatures, and a
//! thread woken per signature pays a context switch each time. These threads
//! take the next signature as soon as one is done.

use std::sync::Arc;

use tokio::sync::oneshot;

use super::signer::AppSigner;
use crate::store::EventRow;

type Job = Box<dyn FnOnce() + Send>;

pub struct SigningPool {
    jobs: async_channel::Sender<Job>,
}

impl SigningPool {
    /// Starts one thread per core; they stop once the pool is dropped.
    pub fn start() -> SigningPool {
        let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let (jobs, queue) = async_channel::unbounded::<Job>();
        for i in 0..threads {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("webhook-signer-{i}"))
                .spawn(move || {
                    while let Ok(job) = queue.recv_blocking() {
                        job();
                    }
                })
                .expect("a signing thread starts");
        }
        SigningPool { jobs }
    }

    /// The event signed as `app`'s webhook JWT.
    pub async fn sign(
        &self,
        app: Arc<AppSigner>,
        event: EventRow,
        now_secs: i64,
    ) -> anyhow::Result<String> {
        let (done, signed) = oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = done.send(app.sign(&event, now_secs));
            }))
            .await
            .map_err(|_| anyhow::anyhow!("the signing threads have stopped"))?;
        signed
            .await
            .map_err(|_| anyhow::anyhow!("a signing thread dropped its job"))?
    }
}
