//! The diagnosis: a fixed list of named checks, run concurrently, each with its own timeout,
//! the whole pass bounded by a deadline. A check that errors is shown as crashed and the pass
//! goes on; one that did not finish is shown as timed out, never dropped.

pub mod api;
pub mod api_logs;
pub mod clock;
pub mod db;
pub mod dlq;
pub mod env;
pub mod heartbeat;
pub mod jobs_container;
pub mod jobs_logs;
pub mod jobs_status;
pub mod readiness;
pub mod sources;
pub mod verdict;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use serde::Serialize;

pub use sources::Sources;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Warning,
    Failed,
    /// The check itself errored.
    Crashed,
    /// It did not finish within its timeout or the pass's deadline.
    TimedOut,
    /// Not applicable here (no credentials, no engine configured to be asked...).
    Skipped,
}

impl Status {
    /// Its glyph and colours, from the one table ([`crate::render::glyphs`]).
    pub fn glyph(self) -> crate::render::glyphs::Glyph {
        use crate::render::glyphs;
        match self {
            Status::Ok => glyphs::OK,
            Status::Warning => glyphs::WARNING,
            Status::Failed => glyphs::FAILED,
            Status::Crashed => glyphs::CRASHED,
            Status::TimedOut => glyphs::TIMED_OUT,
            Status::Skipped => glyphs::SKIPPED,
        }
    }

    pub fn symbol(self) -> String {
        self.glyph().symbol()
    }

    /// The plain symbol, for markdown.
    pub fn plain(self) -> &'static str {
        self.glyph().plain()
    }
}

/// What a check found.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub status: Status,
    pub summary: String,
    pub evidence: Vec<String>,
    pub hints: Vec<String>,
}

impl Outcome {
    pub fn new(status: Status, summary: impl Into<String>) -> Outcome {
        Outcome {
            status,
            summary: summary.into(),
            evidence: Vec::new(),
            hints: Vec::new(),
        }
    }

    pub fn evidence(mut self, line: impl Into<String>) -> Outcome {
        self.evidence.push(line.into());
        self
    }

    pub fn hint(mut self, line: impl Into<String>) -> Outcome {
        self.hints.push(line.into());
        self
    }
}

/// A check's result in the report.
#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    pub id: &'static str,
    pub status: Status,
    pub summary: String,
    pub evidence: Vec<String>,
    pub hints: Vec<String>,
    pub duration_seconds: f64,
}

type CheckFuture = Pin<Box<dyn Future<Output = Result<Outcome>> + Send>>;

/// A named check.
pub struct Check {
    pub id: &'static str,
    pub about: &'static str,
    pub timeout: Duration,
    run: fn(Arc<Sources>) -> CheckFuture,
}

macro_rules! check {
    ($id:literal, $module:ident, $secs:expr, $about:literal) => {
        Check {
            id: $id,
            about: $about,
            timeout: Duration::from_secs($secs),
            run: |s| Box::pin($module::run(s)),
        }
    };
}

/// Every check, in the order the report shows them.
pub fn all() -> Vec<Check> {
    vec![
        check!("api", api, 6, "the API answers: reachable, TLS, latency"),
        check!(
            "readiness",
            readiness,
            6,
            "every /readyz check (db, migrations, jobs)"
        ),
        check!(
            "heartbeat",
            heartbeat,
            6,
            "the jobs heartbeat: age against the threshold, runner id"
        ),
        check!(
            "jobs-status",
            jobs_status,
            7,
            "each job's last run: failing and never-succeeded jobs"
        ),
        check!(
            "dlq",
            dlq,
            8,
            "the dead-letter backlog per kind, and its age"
        ),
        check!(
            "jobs-container",
            jobs_container,
            7,
            "the jobs container: running, exited, OOM-killed, restarts, crash loop"
        ),
        check!(
            "jobs-logs",
            jobs_logs,
            8,
            "the runner's recent log: tracebacks, database errors, job_failed, last job_complete"
        ),
        check!(
            "api-logs",
            api_logs,
            8,
            "the API's recent log: job_heartbeat_stale, auth failures"
        ),
        check!(
            "env",
            env,
            8,
            "the env file's rules, and drift from the running jobs container"
        ),
        check!(
            "clock",
            clock,
            6,
            "the server's clock against ours; heartbeats in the future"
        ),
        check!(
            "db",
            db,
            25,
            "the database: the readiness check (and, with --deep, from inside the jobs container)"
        ),
    ]
}

/// Run `checks` concurrently; the pass ends by `deadline` whatever happens.
pub async fn run(checks: &[Check], sources: Arc<Sources>, deadline: Instant) -> Vec<CheckReport> {
    let started = Instant::now();
    let handles: Vec<_> = checks
        .iter()
        .map(|c| {
            let limit = deadline.min(Instant::now() + c.timeout);
            let fut = (c.run)(sources.clone());
            let task = tokio::spawn(async move {
                let begun = Instant::now();
                let result = tokio::time::timeout_at(limit.into(), fut).await;
                (result, begun.elapsed())
            });
            (c.id, c.timeout, task)
        })
        .collect();
    let mut reports = Vec::with_capacity(handles.len());
    for (id, timeout, task) in handles {
        // The task has its own timeout; this one is the pass's, for a task that will not stop.
        let outcome = tokio::time::timeout_at(deadline.into(), task).await;
        let report = |status, summary: String, duration: Duration| CheckReport {
            id,
            status,
            summary,
            evidence: Vec::new(),
            hints: Vec::new(),
            duration_seconds: duration.as_secs_f64(),
        };
        reports.push(match outcome {
            Ok(Ok((Ok(Ok(o)), took))) => CheckReport {
                id,
                status: o.status,
                summary: o.summary,
                evidence: o.evidence,
                hints: o.hints,
                duration_seconds: took.as_secs_f64(),
            },
            Ok(Ok((Ok(Err(e)), took))) => report(Status::Crashed, format!("crashed: {e:#}"), took),
            Ok(Ok((Err(_), took))) => report(
                Status::TimedOut,
                format!(
                    "timed out after {} (its limit {}, the pass's deadline)",
                    crate::clock::human(took.as_secs_f64()),
                    crate::clock::human(timeout.as_secs_f64())
                ),
                took,
            ),
            Ok(Err(join)) => report(
                Status::Crashed,
                format!(
                    "crashed: {}",
                    if join.is_panic() {
                        "panicked (a bug: please report it)"
                    } else {
                        "cancelled"
                    }
                ),
                started.elapsed(),
            ),
            Err(_) => report(
                Status::TimedOut,
                "timed out: the pass's deadline came first".into(),
                started.elapsed(),
            ),
        });
    }
    reports
}
