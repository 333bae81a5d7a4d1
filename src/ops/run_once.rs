//! One loop of the runner inside the jobs container, streamed and bounded, then read back from
//! `/v1/admin/jobs/status`: which jobs ran in this window and how they ended (the runner's
//! `--once` exits 0 even when jobs fail).

use std::time::Duration;

use anyhow::Result;
use time::OffsetDateTime;

use crate::api::Client;
use crate::api::jobs::{self, DEFAULT_JOBS};
use crate::api::types::JobRow;
use crate::clock::parse_rfc3339;
use crate::config::Settings;
use crate::docker::exec::ExecOutcome;
use crate::docker::logs::LogLine;
use crate::docker::{Container, Engine};
use crate::error::Failure;

/// How long one loop may run.
pub const DEFAULT_LIMIT: Duration = Duration::from_secs(300);

/// Check `--job` names before anything runs: the runner dies at startup on an unknown one.
pub fn check_job_names(names: &[String]) -> Result<()> {
    for name in names {
        if jobs::is_known_job(name) {
            continue;
        }
        let mut f = Failure::usage(format!(
            "unknown job {name:?}: the runner would exit 1 at startup with unknown_job:{name}"
        ));
        f = match jobs::suggest(name) {
            Some(s) => f.hint(format!("did you mean {s}?")),
            None => f.hint(format!("jobs of the loop: {}", DEFAULT_JOBS.join(", "))),
        };
        return Err(f.into());
    }
    Ok(())
}

/// What a job's row says about this run: it ran if its heartbeat moved past the start, and
/// its latest outcome is whichever of success and error came last (a first failure records
/// neither: docs/app-contract.md §6.3).
fn outcome_since(row: &JobRow, start: OffsetDateTime) -> Option<&'static str> {
    let time = |t: &Option<String>| t.as_deref().and_then(|s| parse_rfc3339(s).ok());
    if time(&row.last_heartbeat).is_none_or(|t| t < start) {
        return None;
    }
    let success = time(&row.last_success_at).filter(|t| *t >= start);
    let error = time(&row.last_error_at).filter(|t| *t >= start);
    Some(match (success, error) {
        (Some(s), Some(e)) if e > s => "failed",
        (Some(_), _) => "succeeded",
        _ => "failed",
    })
}

/// What will run where, before it does.
pub struct Plan {
    pub container: Container,
    pub command: Vec<String>,
    /// Only these jobs (empty: the whole loop).
    pub jobs: Vec<String>,
}

pub async fn plan(engine: &Engine, settings: &Settings, jobs: &[String]) -> Result<Plan> {
    check_job_names(jobs)?;
    let mut command = settings.run_once_command.value.clone();
    for j in jobs {
        command.extend(["--job".to_string(), j.clone()]);
    }
    let container = super::running_container(engine, &settings.project_name.value, "jobs").await?;
    Ok(Plan {
        container,
        command,
        jobs: jobs.to_vec(),
    })
}

pub struct Report {
    pub outcome: ExecOutcome,
    /// The jobs that ran during the loop, with "succeeded" or "failed".
    pub ran: Vec<(String, &'static str)>,
    /// Why the per-job results could not be read, if they could not.
    pub jobs_error: Option<String>,
}

impl Report {
    pub fn failed(&self) -> Vec<&str> {
        self.ran
            .iter()
            .filter(|(_, o)| *o == "failed")
            .map(|(n, _)| n.as_str())
            .collect()
    }

    pub fn ok(&self) -> bool {
        self.outcome.exit_code == Some(0) && self.failed().is_empty()
    }
}

/// Run the loop; `on_line` hears each line of the runner's output as it comes.
pub async fn run(
    engine: &Engine,
    client: &Client,
    plan: &Plan,
    limit: Duration,
    on_line: impl FnMut(&LogLine),
) -> Result<Report> {
    // The rows' times come from the server side; take the start from the server's clock too.
    let start = match client.readiness().await {
        Ok(snap) => snap.server_date.map(OffsetDateTime::from),
        Err(_) => None,
    }
    .unwrap_or(crate::clock::now()?)
        - time::Duration::seconds(1);
    let what = format!(
        "run-once {}",
        if plan.jobs.is_empty() {
            "(all jobs)".to_string()
        } else {
            plan.jobs.join(" ")
        }
    );
    let outcome = super::audited_exec(
        engine,
        &plan.container,
        &what,
        &plan.command,
        limit,
        on_line,
    )
    .await?;

    // Read back which jobs ran in this window (the live loop may have run some too).
    let rows = if client.has_credentials() {
        client.jobs_status().await.map_err(|e| format!("{e:#}"))
    } else {
        Err("no admin credentials: per-job results not read".to_string())
    };
    let mut ran = Vec::new();
    if let Ok(rows) = &rows {
        for row in rows {
            if row.name == jobs::RUNNER_ROW
                || (!plan.jobs.is_empty() && !plan.jobs.contains(&row.name))
            {
                continue;
            }
            if let Some(o) = outcome_since(row, start) {
                ran.push((row.name.clone(), o));
            }
        }
    }
    Ok(Report {
        outcome,
        ran,
        jobs_error: rows.err(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_outcome_counts() {
        let start = parse_rfc3339("2026-04-05T20:00:00Z").unwrap();
        let row = |hb: &str, ok: Option<&str>, err: Option<&str>| JobRow {
            name: "email-dlq".into(),
            last_heartbeat: Some(hb.into()),
            runner_id: None,
            last_success_at: ok.map(str::to_string),
            last_error: err.map(|_| "RuntimeError".to_string()),
            last_error_at: err.map(str::to_string),
            consecutive_failures: Some(0),
        };
        assert_eq!(
            outcome_since(&row("2026-04-05T19:59:00Z", None, None), start),
            None
        );
        assert_eq!(
            outcome_since(
                &row("2026-04-05T20:00:05Z", Some("2026-04-05T20:00:05Z"), None),
                start
            ),
            Some("succeeded")
        );
        assert_eq!(
            outcome_since(
                &row(
                    "2026-04-05T20:00:09Z",
                    Some("2026-04-05T20:00:02Z"),
                    Some("2026-04-05T20:00:09Z")
                ),
                start
            ),
            Some("failed")
        );
        // The first failure of a new row: no success, no error.
        assert_eq!(
            outcome_since(&row("2026-04-05T20:00:09Z", None, None), start),
            Some("failed")
        );
    }

    #[test]
    fn job_names_are_checked_with_a_suggestion() {
        assert!(check_job_names(&["outbox-delivery".into(), "accounting-export".into()]).is_ok());
        let err = check_job_names(&["storage_janitor".into()]).unwrap_err();
        assert_eq!(crate::error::exit_of(&err), crate::error::Exit::Usage);
        assert!(crate::error::hints_of(&err)[0].contains("storage-janitor"));
    }
}
