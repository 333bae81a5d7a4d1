//! `jobs-logs`: what the runner's recent log says. Its lines name no job (docs/app-contract.md §6.5), so
//! this counts kinds of lines and keeps a few samples.
//!
//! A container's log outlives its restarts: the tracebacks of a crash loop stay in it after the
//! runner is back (the database returned, §13). Only lines since the container's current start
//! judge it; older ones are shown as history.

use std::sync::Arc;

use anyhow::Result;
use time::OffsetDateTime;

use super::{Outcome, Sources, Status};
use crate::clock::{human, rfc3339};
use crate::docker::logs::LogLine;
use crate::logs::Entry;
use crate::logs::group::summarize;

/// Database trouble as the runner logs it.
const DB_ERRORS: [&str; 6] = [
    "OperationalError",
    "InterfaceError",
    "connection failed",
    "could not connect",
    "db_pool_timeout",
    "connection refused",
];

/// How long a quoted line may be: an exception's line is quoted whole up to this.
const QUOTE_MAX: usize = 300;

#[derive(Clone, Debug, Default)]
pub struct LogScan {
    pub lines: usize,
    /// Tracebacks (a chain of exceptions is one).
    pub tracebacks: usize,
    /// Database errors: a traceback whose exception is one counts once, as does a line.
    pub db_errors: usize,
    pub job_failed: usize,
    pub job_complete: usize,
    pub last_job_complete: Option<OffsetDateTime>,
    pub unknown_job: Option<String>,
    /// The last few different lines worth quoting: for a traceback, the line of the
    /// exception raised.
    pub samples: Vec<String>,
}

fn is_db_error(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    DB_ERRORS
        .iter()
        .any(|p| lower.contains(&p.to_ascii_lowercase()))
}

pub fn scan(lines: &[LogLine]) -> LogScan {
    let mut s = LogScan {
        lines: lines.len(),
        ..LogScan::default()
    };
    // The last three different quotes (a crash loop repeats the same exception).
    let quote = |s: &mut LogScan, text: &str| {
        let q: String = text.chars().take(QUOTE_MAX).collect();
        s.samples.retain(|x| *x != q);
        if s.samples.len() == 3 {
            s.samples.remove(0);
        }
        s.samples.push(q);
    };
    for entry in summarize(lines) {
        let (text, ts) = match &entry {
            Entry::Traceback(t) => {
                s.tracebacks += 1;
                let Some(e) = &t.exception else { continue };
                (e.as_str(), t.ts)
            }
            Entry::Line(l, c) => (
                // A JSON record's exception speaks for it.
                c.parsed.exception_last_line().unwrap_or(&l.text),
                l.ts,
            ),
        };
        let mut worth_quoting = false;
        if is_db_error(text) {
            s.db_errors += 1;
            worth_quoting = true;
        }
        if text.contains(":job_failed") {
            s.job_failed += 1;
        }
        if text.contains(":job_complete") {
            s.job_complete += 1;
            s.last_job_complete = ts.or(s.last_job_complete);
        }
        if let Some(i) = text.find("unknown_job:") {
            s.unknown_job = Some(text[i..].trim().to_string());
            worth_quoting = true;
        }
        if worth_quoting {
            quote(&mut s, text);
        }
    }
    s
}

/// The lines since `since` (the container's current start; lines without a time count as
/// current) and the ones before it, scanned apart: (current, history).
pub fn scan_since(lines: &[LogLine], since: Option<OffsetDateTime>) -> (LogScan, LogScan) {
    let (old, current): (Vec<LogLine>, Vec<LogLine>) = lines
        .iter()
        .cloned()
        .partition(|l| matches!((since, l.ts), (Some(s), Some(t)) if t < s));
    (scan(&current), scan(&old))
}

/// When the jobs container (the first, as everywhere) last started.
pub fn current_start(s: &Sources) -> Option<OffsetDateTime> {
    s.cached_services()?
        .iter()
        .find(|x| x.service == "jobs")?
        .containers
        .first()?
        .started_at
        .as_deref()
        .and_then(|t| crate::clock::parse_rfc3339(t).ok())
}

pub async fn run(s: Arc<Sources>) -> Result<Outcome> {
    let lines = match s.jobs_logs().await {
        // Without an engine, not checked: the jobs-container check already says why.
        Err(_) if s.engine().await.is_err() => {
            return Ok(Outcome::new(
                Status::Skipped,
                "not checked: the Docker engine cannot be asked (see jobs-container)",
            ));
        }
        Err(f) => {
            return Ok(Outcome::new(
                Status::Failed,
                format!("cannot read them: {}", f.message),
            ));
        }
        Ok(l) => l,
    };
    // No container, no log: nothing to count (and no "0 lines" to claim).
    let has_container = s
        .service("jobs")
        .await
        .is_ok_and(|j| !j.containers.is_empty());
    if !has_container {
        return Ok(Outcome::new(
            Status::Skipped,
            "no jobs container: no log to read",
        ));
    }
    let since = current_start(&s);
    let (scan, history) = scan_since(&lines, since);
    let started = since
        .map(|t| format!(" (started {} ago)", human((s.now - t).as_seconds_f64())))
        .unwrap_or_default();
    if scan.lines == 0 {
        let mut o = Outcome::new(
            Status::Ok,
            format!("nothing logged since the container's current start{started}"),
        );
        o = with_history(o, &history);
        return Ok(o);
    }
    let mut parts = vec![format!(
        "{} job_complete, {} job_failed in {} line(s) since its current start{started}",
        scan.job_complete, scan.job_failed, scan.lines
    )];
    if scan.tracebacks > 0 {
        parts.push(format!("{} traceback(s)", scan.tracebacks));
    }
    if scan.db_errors > 0 {
        parts.push(format!("{} database error(s)", scan.db_errors));
    }
    // The runner's own trouble is judged here; a job that fails is jobs-status's to judge (it
    // names the job, which these lines do not), so job_failed lines alone are no finding,
    // unless nothing completes at all.
    let status = if scan.tracebacks > 0 || scan.db_errors > 0 || scan.unknown_job.is_some() {
        Status::Failed
    } else if scan.job_complete == 0 {
        Status::Warning
    } else {
        Status::Ok
    };
    let mut o = Outcome::new(status, parts.join(", "));
    match scan.last_job_complete {
        Some(t) => {
            o = o.evidence(format!(
                "last job_complete {} ({} ago)",
                rfc3339(t),
                human((s.now - t).as_seconds_f64())
            ))
        }
        None => o = o.evidence("no job_complete in the window"),
    }
    if let Some(u) = &scan.unknown_job {
        o = o.evidence(format!("the runner refuses to start: {u}"));
    }
    for line in &scan.samples {
        o = o.evidence(format!("│ {line}"));
    }
    Ok(with_history(o, &history))
}

/// What the lines before the current start held: shown, never judged.
fn with_history(o: Outcome, history: &LogScan) -> Outcome {
    if history.lines == 0 {
        return o;
    }
    let mut what = Vec::new();
    if history.tracebacks > 0 {
        what.push(format!("{} traceback(s)", history.tracebacks));
    }
    if history.db_errors > 0 {
        what.push(format!("{} database error(s)", history.db_errors));
    }
    if what.is_empty() {
        return o;
    }
    let mut o = o.evidence(format!(
        "history, before the current start: {} (earlier runs of the container)",
        what.join(", ")
    ));
    if let Some(last) = history.samples.last() {
        o = o.evidence(format!("  history │ {last}"));
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(t: &str) -> LogLine {
        crate::docker::logs::to_line(t.as_bytes(), true)
    }

    #[test]
    fn lines_before_the_current_start_are_history() {
        let lines = [
            line("2026-04-05T20:00:01Z WARNING:__main__:job_failed"),
            line(
                "2026-04-05T20:00:01Z sqlalchemy.exc.OperationalError: (psycopg.OperationalError) connection failed",
            ),
            line("2026-04-05T20:00:05Z INFO:__main__:job_complete"),
        ];
        let start = crate::clock::parse_rfc3339("2026-04-05T20:00:04Z").ok();
        let (now, before) = scan_since(&lines, start);
        assert_eq!((now.lines, now.db_errors, now.job_complete), (1, 0, 1));
        assert_eq!(
            (before.lines, before.db_errors, before.job_failed),
            (2, 1, 1)
        );
        // Without a start, everything is current.
        assert_eq!(scan_since(&lines, None).0.db_errors, 1);
    }

    #[test]
    fn scans_the_runners_lines() {
        let lines = [
            line("2026-04-05T20:00:00Z INFO:__main__:job_complete"),
            line("2026-04-05T20:00:01Z WARNING:__main__:job_failed"),
            line("2026-04-05T20:00:02Z INFO:__main__:job_complete"),
            line(
                "2026-04-05T20:00:03Z sqlalchemy.exc.OperationalError: (psycopg.OperationalError) connection failed",
            ),
        ];
        let s = scan(&lines);
        assert_eq!(
            (s.job_complete, s.job_failed, s.tracebacks, s.db_errors),
            (2, 1, 0, 1)
        );
        assert_eq!(
            rfc3339(s.last_job_complete.unwrap()),
            "2026-04-05T20:00:02Z"
        );
        assert_eq!(s.samples.len(), 1);
        let s = scan(&[line("ValueError: unknown_job:storage_janitor")]);
        assert_eq!(
            s.unknown_job.as_deref(),
            Some("unknown_job:storage_janitor")
        );
    }

    /// A crash prints a chained traceback: one traceback, one database error, and the quote
    /// is the exception raised, not the traceback's first characters nor its cause.
    #[cfg(feature = "sim")]
    #[test]
    fn a_traceback_is_quoted_by_its_exception() {
        let target = cleanops_sim::python::DbTarget {
            host: "db".into(),
            port: 5432,
        };
        let mut lines = Vec::new();
        // Twice: a crash loop.
        for second in [0, 10] {
            lines.push(line(&format!(
                "2026-04-05T20:00:{second:02}Z WARNING:__main__:job_failed"
            )));
            for (i, l) in cleanops_sim::python::runner_db_traceback(&target)
                .lines()
                .enumerate()
            {
                lines.push(line(&format!(
                    "2026-04-05T20:00:{:02}.{i:03}Z {l}",
                    second + 1
                )));
            }
        }
        lines.push(line("2026-04-05T20:00:19Z INFO:__main__:job_complete"));
        let s = scan(&lines);
        assert_eq!(
            (s.tracebacks, s.db_errors, s.job_failed, s.job_complete),
            (2, 2, 2, 1)
        );
        // The same exception twice is quoted once.
        assert_eq!(s.samples.len(), 1, "{:?}", s.samples);
        assert!(
            s.samples[0].starts_with(
                "sqlalchemy.exc.OperationalError: (psycopg.OperationalError) connection failed"
            ),
            "{:?}",
            s.samples
        );
        // The runner refusing a job name: the exception line says which.
        let mut lines = Vec::new();
        for l in cleanops_sim::python::unknown_job_traceback("storage_janitor").lines() {
            lines.push(line(&format!("2026-04-05T20:00:01Z {l}")));
        }
        let s = scan(&lines);
        assert_eq!(
            s.unknown_job.as_deref(),
            Some("unknown_job:storage_janitor")
        );
        assert_eq!(s.samples, ["ValueError: unknown_job:storage_janitor"]);
    }
}
