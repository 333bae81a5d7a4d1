//! `jobs-logs`: what the runner's recent log says. Its lines name no job (contract §6.5), so
//! this counts kinds of lines and keeps a few samples.

use std::sync::Arc;

use anyhow::Result;
use time::OffsetDateTime;

use super::{Outcome, Sources, Status};
use crate::clock::{human, rfc3339};
use crate::docker::logs::LogLine;

/// Database trouble as the runner logs it.
const DB_ERRORS: [&str; 6] = [
    "OperationalError",
    "InterfaceError",
    "connection failed",
    "could not connect",
    "db_pool_timeout",
    "connection refused",
];

#[derive(Clone, Debug, Default)]
pub struct LogScan {
    pub lines: usize,
    pub tracebacks: usize,
    pub db_errors: usize,
    pub job_failed: usize,
    pub job_complete: usize,
    pub last_job_complete: Option<OffsetDateTime>,
    pub unknown_job: Option<String>,
    /// The last few lines worth quoting.
    pub samples: Vec<String>,
}

pub fn scan(lines: &[LogLine]) -> LogScan {
    let mut s = LogScan {
        lines: lines.len(),
        ..LogScan::default()
    };
    for l in lines {
        let t = &l.text;
        let lower = t.to_ascii_lowercase();
        let mut quote = false;
        if t.starts_with("Traceback (most recent call last)") {
            s.tracebacks += 1;
        }
        if DB_ERRORS
            .iter()
            .any(|p| lower.contains(&p.to_ascii_lowercase()))
        {
            s.db_errors += 1;
            quote = true;
        }
        if t.contains(":job_failed") {
            s.job_failed += 1;
        }
        if t.contains(":job_complete") {
            s.job_complete += 1;
            s.last_job_complete = l.ts.or(s.last_job_complete);
        }
        if let Some(i) = t.find("unknown_job:") {
            s.unknown_job = Some(t[i..].trim().to_string());
            quote = true;
        }
        if quote {
            if s.samples.len() == 3 {
                s.samples.remove(0);
            }
            s.samples.push(t.chars().take(200).collect());
        }
    }
    s
}

pub async fn run(s: Arc<Sources>) -> Result<Outcome> {
    let lines = match s.jobs_logs().await {
        Err(f) => {
            return Ok(Outcome::new(
                Status::Failed,
                format!("cannot read them: {}", f.message),
            ));
        }
        Ok(l) => l,
    };
    let scan = scan(&lines);
    let mut parts = vec![format!(
        "{} job_complete, {} job_failed in the last {} lines",
        scan.job_complete, scan.job_failed, scan.lines
    )];
    if scan.tracebacks > 0 {
        parts.push(format!("{} traceback(s)", scan.tracebacks));
    }
    if scan.db_errors > 0 {
        parts.push(format!("{} database error line(s)", scan.db_errors));
    }
    let status = if scan.tracebacks > 0 || scan.db_errors > 0 || scan.unknown_job.is_some() {
        Status::Failed
    } else if scan.job_failed > 0 || scan.job_complete == 0 {
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
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(t: &str) -> LogLine {
        crate::docker::logs::to_line(t.as_bytes(), true)
    }

    #[test]
    fn scans_the_runners_lines() {
        let lines = [
            line("2026-04-05T20:00:00Z INFO:__main__:job_complete"),
            line("2026-04-05T20:00:01Z WARNING:__main__:job_failed"),
            line("2026-04-05T20:00:02Z INFO:__main__:job_complete"),
            line("2026-04-05T20:00:03Z Traceback (most recent call last):"),
            line(
                "2026-04-05T20:00:03Z sqlalchemy.exc.OperationalError: (psycopg.OperationalError) connection failed",
            ),
        ];
        let s = scan(&lines);
        assert_eq!(
            (s.job_complete, s.job_failed, s.tracebacks, s.db_errors),
            (2, 1, 1, 1)
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
}
