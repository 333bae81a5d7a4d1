//! The simulated `python -m app.jobs.run --interval N` process.
//!
//! Its observable behaviour is what the runbook is about: rows are upserted after every job,
//! the `jobs-runner` heartbeat only at the END of a loop (so a slow loop looks stale and a
//! fresh start looks missing), a first failure of a new job is invisible, and a database
//! outage kills the process instead of being recorded.
//!
//! Two runners share the table writes below ([`World::run_job`], [`World::finish_loop`]): the
//! task inside the simulator ([`run`], steered by `runner_running`), and a separate process,
//! `cleanops sim worker` (the `jobs` container of the Docker test stack), which runs its loop
//! itself and reports each one with `POST /_sim/worker-loop` ([`LoopReport`]).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tokio::sync::watch;

use super::state::{
    DEFAULT_JOBS, HeartbeatRow, JOB_ERROR_CLASS, OutboxStatus, RUNNER_ROW, Shared, World,
    is_known_job,
};

/// `JOB_OUTBOX_BATCH_SIZE`.
const OUTBOX_BATCH: usize = 50;

/// The runner died (the real one exits 1 with a traceback).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Crashed;

/// `runner_id` is `varchar(128)`.
const RUNNER_ID_MAX: usize = 128;

/// The body of `POST /_sim/worker-loop`: one loop a runner process ran.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoopReport {
    /// `JOB_RUNNER_ID` or the hostname of the process; null writes null.
    pub runner_id: Option<String>,
    /// The jobs it ran, in order (`--job`); absent = the default 23.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jobs: Option<Vec<String>>,
    /// The jobs that raised in this loop.
    #[serde(default)]
    pub failed_jobs: Vec<String>,
}

impl LoopReport {
    fn validate(&self) -> Result<(), String> {
        if let Some(id) = &self.runner_id
            && id.chars().count() > RUNNER_ID_MAX
        {
            return Err(format!(
                "runner_id is longer than {RUNNER_ID_MAX} characters"
            ));
        }
        let jobs = self.jobs.iter().flatten();
        if let Some(unknown) = jobs.chain(&self.failed_jobs).find(|j| !is_known_job(j)) {
            return Err(format!("unknown_job:{unknown}"));
        }
        if self.jobs.as_ref().is_some_and(Vec::is_empty) {
            return Err("jobs is empty (omit it for the default list)".into());
        }
        Ok(())
    }
}

/// `GET /_sim/processes`: what the processes next to the API (the runner, the in-container
/// checks, the database stand-in) need to know of the simulated world to act like theirs.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub(crate) struct ProcessView {
    /// The database is unreachable: the runner dies at its first write, `pg_isready` says
    /// "no response", a `SELECT 1` raises `OperationalError`.
    pub db_down: bool,
    /// The jobs that raise in the next loop.
    pub fail_jobs: Vec<String>,
    /// Real seconds one loop of jobs takes.
    pub loop_seconds: f64,
}

impl World {
    pub(crate) fn process_view(&self) -> ProcessView {
        ProcessView {
            db_down: self.db_down,
            fail_jobs: self.fail_jobs.iter().cloned().collect(),
            loop_seconds: self.loop_seconds,
        }
    }
}

/// Why a reported loop was not recorded.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum LoopRefused {
    /// The report itself is wrong (400).
    Invalid(String),
    /// The database is down: the real process dies at its first write (503).
    DbDown,
}

impl World {
    /// Marks the runner as crashed; it stays down until started again (`runner_running`).
    pub(crate) fn crash_runner(&mut self) {
        if self.runner_running {
            self.runner_running = false;
            self.crashes += 1;
        }
    }

    /// Runs one job that succeeded (`ok`) or raised, and records its result, as
    /// `_record_job_result` does.
    pub(crate) fn run_job(&mut self, name: &str, ok: bool) -> Result<(), Crashed> {
        if self.db_down {
            // The job fails, then recording the failure fails too: uncaught, the process dies.
            self.crash_runner();
            return Err(Crashed);
        }
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
                // Upstream bug (docs/app-contract.md §6.3): the INSERT branch of the upsert ignores the
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

    /// A whole loop at once: each job's row in order, then the heartbeat. A job fails when
    /// `failed` says so.
    pub(crate) fn run_loop(
        &mut self,
        jobs: &[&str],
        failed: impl Fn(&str) -> bool,
    ) -> Result<(), Crashed> {
        for name in jobs {
            self.run_job(name, !failed(name))?;
        }
        self.finish_loop()
    }

    /// The loop a runner process outside the simulator finished (`POST /_sim/worker-loop`):
    /// the same writes as the simulator's own runner, under the process's runner id.
    pub(crate) fn record_external_loop(&mut self, report: LoopReport) -> Result<u64, LoopRefused> {
        report.validate().map_err(LoopRefused::Invalid)?;
        let jobs: Vec<&str> = match &report.jobs {
            Some(jobs) => jobs.iter().map(String::as_str).collect(),
            None => DEFAULT_JOBS.to_vec(),
        };
        let failed: BTreeSet<&str> = report.failed_jobs.iter().map(String::as_str).collect();
        // The rows carry the id of the process that wrote them, as the real runner's do.
        self.runner_id = report.runner_id.clone();
        self.run_loop(&jobs, |name| failed.contains(name))
            .map_err(|Crashed| LoopRefused::DbDown)?;
        Ok(self.loops)
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
            let ok = !w.fail_jobs.contains(name);
            if !w.runner_running || w.run_job(name, ok).is_err() {
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
    use crate::scenario::Seed;
    use crate::{Scenario, SimOptions};
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

    /// A loop of the simulator's own runner: failures from `fail_jobs`.
    fn run_loop(w: &mut World) -> Result<(), Crashed> {
        let fail = w.fail_jobs.clone();
        w.run_loop(&DEFAULT_JOBS, |name| fail.contains(name))
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
            w.run_job(name, true).unwrap();
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
