//! Polling `/readyz` until a condition holds, bounded in time (`--wait-ready`, `--wait-fresh`).

use std::time::{Duration, Instant};

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};

use crate::api::Client;
use crate::api::client::ReadySnapshot;
use crate::error::{Exit, Failure};
use crate::render::Ui;

/// Longest a single poll may take, so one hung request cannot eat the whole wait.
const POLL_TIMEOUT: Duration = Duration::from_secs(5);

/// Poll until `done` says so or `limit` passes. `describe` gives the one-line state shown while
/// waiting. Unreachable or odd answers do not end the wait (the API may be restarting); they are
/// the reported state when time runs out.
pub async fn until(
    client: &Client,
    ui: &Ui,
    limit: Duration,
    interval: Duration,
    what: &str,
    done: impl Fn(&ReadySnapshot) -> bool,
    describe: impl Fn(&ReadySnapshot) -> String,
) -> Result<(ReadySnapshot, Duration)> {
    let started = Instant::now();
    let deadline = started + limit;
    let bar = ui.stderr_tty.then(|| {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {elapsed} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    });
    let finish = || {
        if let Some(bar) = &bar {
            bar.finish_and_clear();
        }
    };
    let mut last_line = String::new();
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let poll = client.with_timeout(POLL_TIMEOUT.min(remaining.max(Duration::from_millis(100))));
        let result = poll.readiness().await;
        let line = match &result {
            Ok(snap) if done(snap) => {
                finish();
                return result.map(|snap| (snap, started.elapsed()));
            }
            Ok(snap) => describe(snap),
            Err(e) => format!("{e:#}"),
        };
        if line != last_line {
            match &bar {
                Some(bar) => bar.set_message(format!("waiting for {what}: {line}")),
                None => eprintln!("waiting for {what}: {line}"),
            }
            last_line = line;
        }
        if Instant::now() + interval >= deadline {
            finish();
            let gave_up = format!(
                "gave up waiting for {what} after {}",
                crate::clock::human(limit.as_secs_f64())
            );
            return Err(match result {
                Ok(_) => Failure::new(Exit::Unhealthy, format!("{gave_up}: {last_line}")).into(),
                Err(e) => e.context(gave_up),
            });
        }
        tokio::time::sleep(interval).await;
    }
}
