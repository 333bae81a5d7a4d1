//! The simulated `python -m app.jobs.run --interval N` process.
//!
//! Its observable behaviour is what the runbook is about: rows are upserted after every job,
//! the `jobs-runner` heartbeat only at the END of a loop (so a slow loop looks stale and a
//! fresh start looks missing), a first failure of a new job is invisible, and a database
//! outage kills the process instead of being recorded.

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::watch;

use super::state::{
    DEFAULT_JOBS, HeartbeatRow, JOB_ERROR_CLASS, OutboxStatus, RUNNER_ROW, Shared, World,
};

/// `JOB_OUTBOX_BATCH_SIZE`.
const OUTBOX_BATCH: usize = 50;

/// The runner died (the real one exits 1 with a traceback).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Crashed;

impl World {
    /// Marks the runner as crashed; it stays down until started again (`runner_running`).
    pub(crate) fn crash_runner(&mut self) {
        if self.runner_running {
            self.runner_running = false;
            self.crashes += 1;
        }
    }

    /// Runs one job and records its result, as `_record_job_result` does.
    pub(crate) fn run_job(&mut self, name: &str) -> Result<(), Crashed> {
        if self.db_down {
            // The job fails, then recording the failure fails too: uncaught, the process dies.
            self.crash_runner();
            return Err(Crashed);
        }
        let ok = !self.fail_jobs.contains(name);
        if ok && name == "outbox-delivery" {
            self.deliver_due_outbox();
        }
        let now = self.now();
        self.record_job_result(name, ok, now);
        Ok(())
    }

    pub(crate) fn record_job_result(&mut self, name: &str, ok: bool, now: OffsetDateTime) {
        let runner_id = self.runner_id.clone();
        match self.heartbeats.get_mut(name) {
            Some(row) => {
                row.last_heartbeat = now;
                row.runner_id = runner_id;
                if ok {
                    row.last_success_at = Some(now);
                    row.consecutive_failures = 0;
                    row.last_error = None;
                    row.last_error_at = None;
                } else {
                    row.consecutive_failures += 1;
                    row.last_error = Some(JOB_ERROR_CLASS.to_owned());
                    row.last_error_at = Some(now);
                }
            }
            None => {
                // Upstream bug (contract §6.3): the INSERT branch of the upsert ignores the
                // failure, so a job whose first run fails looks like one that never ran.
                self.heartbeats.insert(
                    name.to_owned(),
                    HeartbeatRow {
                        last_heartbeat: now,
                        runner_id,
                        last_success_at: ok.then_some(now),
                        last_error: None,
                        last_error_at: None,
                        consecutive_failures: 0,
                    },
                );
            }
        }
    }

    /// The heartbeat written after all jobs of a loop.
    pub(crate) fn finish_loop(&mut self) -> Result<(), Crashed> {
        if self.db_down {
            self.crash_runner();
            return Err(Crashed);
        }
        let now = self.now();
        self.put_success_row(RUNNER_ROW, now);
        self.loops += 1;
        Ok(())
    }

    /// The `outbox-delivery` job: due `pending`/`retry` rows, oldest first, one batch.
    fn deliver_due_outbox(&mut self) {
        let now = self.now();
        let mut due: Vec<usize> = (0..self.outbox.len())
            .filter(|&i| {
                let e = &self.outbox[i];
                matches!(e.status, OutboxStatus::Pending | OutboxStatus::Retry)
                    && e.next_attempt_at.is_none_or(|t| t <= now)
            })
            .collect();
        due.sort_by_key(|&i| self.outbox[i].created_at);
        due.truncate(OUTBOX_BATCH);
        let fail = self.fail_delivery;
        for i in due {
            let event = &mut self.outbox[i];
            event.attempts += 1;
            if fail {
                // Simplified: straight back to dead instead of walking the retry backoff.
                event.status = OutboxStatus::Dead;
                event.last_error = Some("send_failed".to_owned());
                event.next_attempt_at = None;
            } else {
                event.status = OutboxStatus::Sent;
                event.last_error = None;
                event.next_attempt_at = None;
                *self.deliveries.entry(event.event_id.clone()).or_insert(0) += 1;
            }
        }
    }
}

/// Why a pause ended.
enum Wake {
    Elapsed,
    /// The control API changed the runner's state: re-read it.
    Changed,
    Shutdown,
}

async fn pause(
    d: Duration,
    wake: &mut watch::Receiver<u64>,
    shutdown: &mut watch::Receiver<bool>,
) -> Wake {
    tokio::select! {
        _ = tokio::time::sleep(d) => Wake::Elapsed,
        changed = wake.changed() => if changed.is_ok() { Wake::Changed } else { Wake::Shutdown },
        _ = shutdown.wait_for(|&down| down) => Wake::Shutdown,
    }
}

fn secs(s: f64) -> Duration {
    Duration::try_from_secs_f64(s).unwrap_or(Duration::ZERO)
}

/// The runner task: one per simulator, alive until shutdown, idle while the runner is stopped.
pub(crate) async fn run(shared: Arc<Shared>) {
    let mut wake = shared.runner_wakeups();
    let mut shutdown = shared.shutdown.clone();
    let interval = shared.opts.runner_interval;
    'outer: loop {
        wake.borrow_and_update();
        let (running, sleep_first, loop_seconds) = {
            let mut w = shared.world();
            let sleep_first = std::mem::take(&mut w.runner_sleep_first);
            (w.runner_running, sleep_first, w.loop_seconds)
        };
        if !running {
            // Idle until the control API starts it again; the timeout only re-checks.
            match pause(Duration::from_secs(3600), &mut wake, &mut shutdown).await {
                Wake::Shutdown => return,
                _ => continue,
            }
        }
        if sleep_first {
            match pause(interval, &mut wake, &mut shutdown).await {
                Wake::Elapsed => {}
                Wake::Changed => continue,
                Wake::Shutdown => return,
            }
        }
        // One loop: the work of `loop_seconds` spread over the jobs, each row written as its
        // job ends, the heartbeat after the last one.
        let per_job = secs(loop_seconds / DEFAULT_JOBS.len() as f64);
        for name in DEFAULT_JOBS {
            if !per_job.is_zero() {
                match pause(per_job, &mut wake, &mut shutdown).await {
                    Wake::Elapsed => {}
                    Wake::Changed => continue 'outer,
                    Wake::Shutdown => return,
                }
            }
            let mut w = shared.world();
            if !w.runner_running || w.run_job(name).is_err() {
                continue 'outer;
            }
        }
        if shared.world().finish_loop().is_err() {
            continue;
        }
        if let Wake::Shutdown = pause(interval, &mut wake, &mut shutdown).await {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::scenario::Seed;
    use crate::sim::{Scenario, SimOptions};
    use time::macros::datetime;

    fn world(s: Scenario) -> World {
        World::build(
            s,
            &SimOptions {
                scenario: s,
                fixed_now: Some(datetime!(2026-04-05 20:11:19 UTC)),
                ..SimOptions::default()
            },
        )
    }

    fn run_loop(w: &mut World) -> Result<(), Crashed> {
        for name in DEFAULT_JOBS {
            w.run_job(name)?;
        }
        w.finish_loop()
    }

    #[test]
    fn first_failure_of_a_new_job_is_invisible() {
        let mut w = world(Scenario::HeartbeatMissing);
        w.runner_running = true;
        w.fail_jobs.insert("gcal-sync".into());
        run_loop(&mut w).unwrap();
        let row = &w.heartbeats["gcal-sync"];
        assert_eq!(row.consecutive_failures, 0);
        assert_eq!(row.last_error, None);
        assert_eq!(row.last_success_at, None);
        assert_eq!(w.heartbeats.len(), 24);

        // The second failure is recorded, counting from the hidden first one.
        run_loop(&mut w).unwrap();
        let row = &w.heartbeats["gcal-sync"];
        assert_eq!(row.consecutive_failures, 1);
        assert_eq!(row.last_error.as_deref(), Some(JOB_ERROR_CLASS));
        assert!(row.last_error_at.is_some());

        // A success clears it.
        w.fail_jobs.clear();
        run_loop(&mut w).unwrap();
        let row = &w.heartbeats["gcal-sync"];
        assert_eq!(row.consecutive_failures, 0);
        assert_eq!(row.last_error, None);
        assert!(row.last_success_at.is_some());
    }

    #[test]
    fn heartbeat_only_at_the_end_of_a_loop() {
        let mut w = world(Scenario::HeartbeatMissing);
        w.runner_running = true;
        for name in &DEFAULT_JOBS[..10] {
            w.run_job(name).unwrap();
        }
        assert!(!w.heartbeats.contains_key(RUNNER_ROW));
        w.finish_loop().unwrap();
        assert!(w.heartbeats.contains_key(RUNNER_ROW));
    }

    #[test]
    fn db_outage_crashes_the_runner() {
        let mut w = world(Scenario::Healthy);
        w.db_down = true;
        assert_eq!(run_loop(&mut w), Err(Crashed));
        assert!(!w.runner_running);
        assert_eq!(w.crashes, 1);
    }

    #[test]
    fn delivery_sends_due_events_and_counts_them() {
        let mut w = world(Scenario::Healthy);
        w.add_dead_outbox(&Seed {
            count: 2,
            event_type: None,
            last_error: None,
            age_seconds: 600.0,
        });
        let id = w.outbox[0].event_id.clone();
        w.outbox[0].status = OutboxStatus::Pending;
        w.outbox[0].attempts = 0;
        run_loop(&mut w).unwrap();
        assert_eq!(w.outbox[0].status, OutboxStatus::Sent);
        assert_eq!(w.deliveries[&id], 1);
        // The other one is dead: not touched.
        assert_eq!(w.outbox[1].status, OutboxStatus::Dead);

        w.fail_delivery = true;
        w.outbox[0].status = OutboxStatus::Pending;
        w.outbox[0].attempts = 0;
        run_loop(&mut w).unwrap();
        assert_eq!(w.outbox[0].status, OutboxStatus::Dead);
        assert_eq!(w.outbox[0].attempts, 1);
        assert_eq!(w.deliveries[&id], 1);
    }
}
