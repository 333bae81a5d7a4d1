//! How the simulated processes end on a signal. In a container they run as PID 1, where the
//! kernel drops SIGTERM unless a handler is installed: without one, `docker stop` would wait
//! its whole timeout and then SIGKILL.

/// SIGTERM and SIGINT, listened to from the moment [`Stop::listen`] returns.
pub(crate) struct Stop {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl Stop {
    pub(crate) fn listen() -> anyhow::Result<Stop> {
        #[cfg(unix)]
        {
            use anyhow::Context;
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Stop {
                term: signal(SignalKind::terminate()).context("cannot handle SIGTERM")?,
                int: signal(SignalKind::interrupt()).context("cannot handle SIGINT")?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Stop {})
        }
    }

    /// Waits for a signal; returns the exit code of a process it killed (128 + the signal:
    /// 143 for SIGTERM, 130 for SIGINT).
    pub(crate) async fn wait(mut self) -> i32 {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.term.recv() => 143,
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
