//! Signing threads, one per core, fed by one queue. RSA signing is the
//! dispatcher's main cost; a thread per delivery in flight (as tokio's blocking
//! pool gives) would have the cores switching between signatures, and a
//! thread woken per signature pays a context switch each time. These threads
//! take the next run of signatures as soon as one is done.

use tokio::sync::oneshot;

type Task = Box<dyn FnOnce() + Send>;

pub struct SigningPool {
    tasks: async_channel::Sender<Task>,
}

impl SigningPool {
    /// Starts one thread per core; they stop once the pool is dropped.
    pub fn start() -> SigningPool {
        let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let (tasks, queue) = async_channel::unbounded::<Task>();
        for i in 0..threads {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("webhook-signer-{i}"))
                .spawn(move || {
                    while let Ok(task) = queue.recv_blocking() {
                        task();
                    }
                })
                .expect("a signing thread starts");
        }
        SigningPool { tasks }
    }

    /// Runs `work` (a run of signatures) on the next free signing thread.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let (done, result) = oneshot::channel();
        self.tasks
            .send(Box::new(move || {
                let _ = done.send(work());
            }))
            .await
            .map_err(|_| anyhow::anyhow!("the signing threads have stopped"))?;
        result
            .await
            .map_err(|_| anyhow::anyhow!("a signing thread dropped its task"))
    }
}
