//! One cancellation signal for a long-running command (Ctrl-C during a replay): every wait —
//! pacing, backoff, a server's Retry-After, polling — ends within moments of it, while a request
//! already on the wire is allowed to finish so its outcome can be recorded.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

#[derive(Clone, Default)]
pub struct Cancel {
    flag: Arc<AtomicBool>,
    notify: Arc<Notify>,
}

impl Cancel {
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    pub fn is_cancelled(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    /// Resolves once [`Cancel::cancel`] has been called (at once if it already was).
    pub async fn cancelled(&self) {
        loop {
            // Registered before the check, so a cancel between the two is not missed.
            let notified = self.notify.notified();
            if self.is_cancelled() {
                return;
            }
            notified.await;
        }
    }

    /// Sleep for `d` unless cancelled first; true when the whole sleep passed.
    pub async fn sleep(&self, d: Duration) -> bool {
        tokio::select! {
            _ = tokio::time::sleep(d) => !self.is_cancelled(),
            _ = self.cancelled() => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_cancel_cuts_a_long_sleep_short() {
        let cancel = Cancel::default();
        let c = cancel.clone();
        let started = tokio::time::Instant::now();
        let sleeper = tokio::spawn(async move { c.sleep(Duration::from_secs(60)).await });
        tokio::time::sleep(Duration::from_millis(300)).await;
        cancel.cancel();
        assert!(!sleeper.await.unwrap(), "the sleep reports it was cut");
        assert!(tokio::time::Instant::now() - started < Duration::from_secs(1));
        assert!(
            !cancel.sleep(Duration::from_secs(5)).await,
            "cancelled stays cancelled"
        );
        assert!(Cancel::default().sleep(Duration::from_secs(1)).await);
    }
}
