//! How the simulated processes end on a signal. In a container they run as PID 1, where the
//! kernel drops SIGTERM unless a handler is installed: without one, `docker stop` would wait
//! its whole timeout and then SIGKILL.

/// SIGTERM and SIGINT, listened to from the moment [`Stop::listen`] returns.
pub(crate) struct Stop {
    /// None: SIGTERM is not handled (the runner as PID 1).
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl Stop {
    pub(crate) fn listen() -> anyhow::Result<Stop> {
        Stop::listen_with(true)
    }

    fn listen_with(sigterm: bool) -> anyhow::Result<Stop> {
        #[cfg(unix)]
        {
            use anyhow::Context;
            use tokio::signal::unix::{SignalKind, signal};
            let term = if sigterm {
                Some(signal(SignalKind::terminate()).context("cannot handle SIGTERM")?)
            } else {
                None
            };
            Ok(Stop {
                term,
                int: signal(SignalKind::interrupt()).context("cannot handle SIGINT")?,
            })
        }
        #[cfg(not(unix))]
        {
            let _ = sigterm;
            Ok(Stop {})
        }
    }

    /// As the real runner (a Python process with no SIGTERM handler): SIGINT is Python's
    /// KeyboardInterrupt, and SIGTERM has its default action, which ends a plain process
    /// (143, docs/app-contract.md §12) but does nothing to PID 1 in a container, where the
    /// kernel drops signals that have no handler: `docker stop` then waits its whole grace
    /// period and kills it, exit 137 (§13). So as PID 1 no SIGTERM handler is installed.
    pub(crate) fn listen_as_runner() -> anyhow::Result<Stop> {
        Stop::listen_with(std::process::id() != 1)
    }

    /// Waits for a signal; returns the exit code of a process it killed (128 + the signal:
    /// 143 for SIGTERM, 130 for SIGINT).
    pub(crate) async fn wait(mut self) -> i32 {
        #[cfg(unix)]
        {
            let term = async {
                match self.term.as_mut() {
                    Some(t) => t.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = term => 143,
                _ = self.int.recv() => 130,
            }
        }
        #[cfg(not(unix))]
        {
            let _ = &mut self;
            let _ = tokio::signal::ctrl_c().await;
            130
        }
    }
}
