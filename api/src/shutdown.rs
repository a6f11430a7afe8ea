//! The process's stop signal, shared by the HTTP server and every background task.
//!
//! `cli` turns SIGTERM and SIGINT into [`Shutdown::trigger`] ([`Shutdown::listen_for_signals`]);
//! `startup` starts each background task with [`Shutdown::spawn`] and a clone of the handle, and
//! waits for them all before the process exits ([`Shutdown::wait_for_tasks`]). A background task
//! joins it like this:
//!
//! ```ignore
//! let stop = shutdown.clone();
//! shutdown.spawn(async move {
//!     loop {
//!         tokio::select! {
//!             // 1. Once triggered, take no new work.
//!             () = stop.triggered() => break,
//!             job = next_job() => run(job).await,
//!         }
//!     }
//!     // 2. Finish, or hand back, what it holds within `stop.grace()`, and log what it did.
//! });
//! ```
//!
//! Code that only takes a [`CancellationToken`] gets one from [`Shutdown::token`].

use std::{future::Future, time::Duration};

use tokio_util::{sync::CancellationToken, task::TaskTracker};

/// How much longer than the grace period the process waits for its tasks to hand back what
/// they hold (each release is one short database write).
const HAND_BACK_ALLOWANCE: Duration = Duration::from_secs(3);

/// A cloneable stop signal, the grace period it allows, and the tasks that obey it.
#[derive(Clone, Debug)]
pub struct Shutdown {
    token: CancellationToken,
    tasks: TaskTracker,
    grace: Duration,
}

impl Shutdown {
    /// A signal not yet triggered; in-flight work gets `grace` to finish once it is.
    pub fn new(grace: Duration) -> Self {
        Self {
            token: CancellationToken::new(),
            tasks: TaskTracker::new(),
            grace,
        }
    }

    /// Asks everything that holds this handle to stop.
    pub fn trigger(&self) {
        self.token.cancel();
    }

    pub fn is_triggered(&self) -> bool {
        self.token.is_cancelled()
    }

    /// Completes once the signal is triggered (at once if it already was).
    pub async fn triggered(&self) {
        self.token.cancelled().await;
    }

    /// The signal as a token, for code that knows nothing of this module.
    pub fn token(&self) -> CancellationToken {
        self.token.clone()
    }

    /// How long in-flight work may take to finish after the signal.
    pub fn grace(&self) -> Duration {
        self.grace
    }

    /// Runs a background task that [`Shutdown::wait_for_tasks`] waits for; the task must watch
    /// [`Shutdown::triggered`] itself.
    pub fn spawn<F>(&self, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.tasks.spawn(task);
    }

    /// Waits, at most the grace period and a short allowance, for every spawned task to end;
    /// `false` when some were still running (their leases then expire as after a crash).
    pub async fn wait_for_tasks(&self) -> bool {
        self.tasks.close();
        let limit = self.grace + HAND_BACK_ALLOWANCE;
        tokio::time::timeout(limit, self.tasks.wait()).await.is_ok()
    }

    /// Triggers the signal on SIGTERM or SIGINT (Ctrl-C), from a task of its own. The handlers
    /// are installed before this returns, so a signal that comes later is never missed.
    pub fn listen_for_signals(&self) -> std::io::Result<()> {
        let stop = self.clone();
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let mut terminate = signal(SignalKind::terminate())?;
            let mut interrupt = signal(SignalKind::interrupt())?;
            tokio::spawn(async move {
                let name = tokio::select! {
                    _ = terminate.recv() => "SIGTERM",
                    _ = interrupt.recv() => "SIGINT",
                    () = stop.triggered() => return,
                };
                tracing::info!(
                    "{name} received: stopping within {} s",
                    stop.grace.as_secs_f64()
                );
                stop.trigger();
            });
        }
        #[cfg(not(unix))]
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                tracing::info!("Ctrl-C received: stopping");
                stop.trigger();
            }
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn tasks_see_the_trigger_and_are_waited_for() {
        let shutdown = Shutdown::new(Duration::from_secs(1));
        let stop = shutdown.clone();
        let (done, mut finished) = tokio::sync::oneshot::channel();
        shutdown.spawn(async move {
            stop.triggered().await;
            let _ = done.send(());
        });
        assert!(!shutdown.is_triggered());
        shutdown.trigger();
        assert!(shutdown.wait_for_tasks().await);
        assert!(finished.try_recv().is_ok());
        assert!(shutdown.token().is_cancelled());
    }

    #[tokio::test]
    async fn a_task_that_ignores_the_signal_is_not_waited_for_forever() {
        let shutdown = Shutdown::new(Duration::from_millis(10));
        shutdown.spawn(std::future::pending());
        shutdown.trigger();
        assert!(!shutdown.wait_for_tasks().await);
    }
}
