//! The runner's jobs (docs/app-contract.md §6.2) and what a `jobs/status` row says about its job.

use serde::Serialize;
use time::OffsetDateTime;

use super::types::JobRow;
use crate::clock::parse_rfc3339;

/// The loop's own heartbeat row, the only one `/readyz` reads.
pub const RUNNER_ROW: &str = "jobs-runner";

/// Run in this order on every loop of `python -m app.jobs.run`.
pub const DEFAULT_JOBS: [&str; 23] = [
    "booking-reminders",
    "invoice-reminders",
    "nps-send-runner",
    "email-dlq",
    "outbox-delivery",
    "dlq-auto-replay",
    "storage-janitor",
    "storage-quota-cleanup",
    "storage-quota-reconcile",
    "audit-retention",
    "log-retention-daily",
    "data-retention-daily",
    "data-retention-weekly",
    "soft-delete-purge-daily",
    "feature-flag-retirement",
    "feature-flag-governance",
    "notifications-digest-daily",
    "notifications-digest-weekly",
    "notifications-digest-monthly",
    "gcal-sync",
    "qbo-sync",
    "leads-nurture-runner",
    "quota-alerts",
];

/// Accepted only with `--job`.
pub const EXTRA_JOBS: [&str; 5] = [
    "nps-send",
    "accounting-export",
    "analytics-retention-daily",
    "data-rights-export",
    "data-export-retention",
];

pub fn is_known_job(name: &str) -> bool {
    DEFAULT_JOBS.contains(&name) || EXTRA_JOBS.contains(&name)
}

/// What a row says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Ok,
    /// Failed on its last run(s): `consecutive_failures` > 0 or an error recorded.
    Failing,
    /// No success ever recorded. A job whose very first run failed looks like this too: the app
    /// records that failure with 0 failures and no error (docs/app-contract.md §6.3).
    NeverSucceeded,
    /// Not run by the default loop (retired, or only with `--job`): its row only ages.
    NotInLoop,
}

/// One row, read.
#[derive(Clone, Debug, Serialize)]
pub struct JobReport {
    pub name: String,
    pub state: JobState,
    pub last_heartbeat: Option<String>,
    /// Age of the last heartbeat against the server's clock when known.
    pub age_seconds: Option<f64>,
    pub runner_id: Option<String>,
    pub last_success_at: Option<String>,
    pub consecutive_failures: i64,
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
    pub note: String,
}

fn age(at: Option<&str>, now: OffsetDateTime) -> Option<f64> {
    at.and_then(|t| parse_rfc3339(t).ok())
        .map(|t| (now - t).as_seconds_f64())
}

pub fn report(row: &JobRow, now: OffsetDateTime) -> JobReport {
    let failures = row.consecutive_failures.unwrap_or(0);
    let (state, note) = if row.name != RUNNER_ROW && !DEFAULT_JOBS.contains(&row.name.as_str()) {
        (
            JobState::NotInLoop,
            if is_known_job(&row.name) {
                "run only with --job; its row only ages".to_string()
            } else {
                "not a job of this runner (retired?); its row only ages".to_string()
            },
        )
    } else if failures > 0 || row.last_error.is_some() {
        let mut note = format!(
            "{failures} failure(s) in a row, last: {}",
            row.last_error.as_deref().unwrap_or("unknown error")
        );
        if row.last_success_at.is_none() {
            // The first failure is not counted (docs/app-contract.md §6.3): one more than the row says.
            note.push_str("; never succeeded");
        }
        (JobState::Failing, note)
    } else if row.last_success_at.is_none() {
        (
            JobState::NeverSucceeded,
            "never succeeded: its first run failed (the app records that as 0 failures, no error)"
                .to_string(),
        )
    } else {
        (JobState::Ok, String::new())
    };
    JobReport {
        name: row.name.clone(),
        state,
        age_seconds: age(row.last_heartbeat.as_deref(), now),
        last_heartbeat: row.last_heartbeat.clone(),
        runner_id: row.runner_id.clone(),
        last_success_at: row.last_success_at.clone(),
        consecutive_failures: failures,
        last_error: row.last_error.clone(),
        last_error_at: row.last_error_at.clone(),
        note,
    }
}

/// The closest known job name, for `storage_janitor` → `storage-janitor`.
pub fn suggest(name: &str) -> Option<&'static str> {
    let wanted = name.to_ascii_lowercase().replace('_', "-");
    DEFAULT_JOBS
        .iter()
        .chain(EXTRA_JOBS.iter())
        .map(|known| (edit_distance(&wanted, known), *known))
        .filter(|(d, known)| *d <= 3.max(known.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, known)| known)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The runner's loop interval from its command line (`--interval N`, default 60 s).
pub fn runner_interval(command: &[String]) -> u64 {
    let mut args = command.iter();
    while let Some(a) = args.next() {
        if a == "--interval" {
            return args.next().and_then(|v| v.parse().ok()).unwrap_or(60);
        }
        if let Some(v) = a.strip_prefix("--interval=") {
            return v.parse().unwrap_or(60);
        }
    }
    60
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, success: Option<&str>, error: Option<&str>, failures: i64) -> JobRow {
        JobRow {
            name: name.into(),
            last_heartbeat: Some("2026-04-05T20:10:02.1Z".into()),
            runner_id: Some("r".into()),
            last_success_at: success.map(str::to_string),
            last_error: error.map(str::to_string),
            last_error_at: None,
            consecutive_failures: Some(failures),
        }
    }

    #[test]
    fn rows_are_classified() {
        let now = parse_rfc3339("2026-04-05T20:11:02.1Z").unwrap();
        let ok = report(
            &row("email-dlq", Some("2026-04-05T20:10:02Z"), None, 0),
            now,
        );
        assert_eq!(ok.state, JobState::Ok);
        assert_eq!(ok.age_seconds, Some(60.0));
        assert_eq!(
            report(
                &row("email-dlq", Some("x"), Some("OperationalError"), 2),
                now
            )
            .state,
            JobState::Failing
        );
        // The first-failure bug: zero failures, no error, no success.
        assert_eq!(
            report(&row("qbo-sync", None, None, 0), now).state,
            JobState::NeverSucceeded
        );
        assert_eq!(
            report(&row("old-job", Some("x"), None, 0), now).state,
            JobState::NotInLoop
        );
        assert_eq!(
            report(&row("accounting-export", Some("x"), None, 0), now).state,
            JobState::NotInLoop
        );
        assert_eq!(
            report(&row(RUNNER_ROW, Some("x"), None, 0), now).state,
            JobState::Ok
        );
    }

    #[test]
    fn near_misses_are_suggested() {
        assert_eq!(suggest("storage_janitor"), Some("storage-janitor"));
        assert_eq!(suggest("outbox-delivry"), Some("outbox-delivery"));
        assert_eq!(suggest("send_email_reminders"), None);
    }
}
