//! `jobs-status`: each job's last run (`/v1/admin/jobs/status`).

use std::sync::Arc;

use anyhow::Result;

use super::{Outcome, Sources, Status};
use crate::api::jobs::{self, JobState};

/// The upstream job that fails on every run (docs/app-contract.md §12): not news during an incident.
pub const KNOWN_FAILING: &str = "storage-quota-reconcile";

pub async fn run(s: Arc<Sources>) -> Result<Outcome> {
    let rows = match s.jobs_rows().await {
        None => {
            return Ok(Outcome::new(
                Status::Skipped,
                "no admin credentials to read it",
            ));
        }
        Some(Err(f)) => {
            return Ok(Outcome::new(
                Status::Failed,
                format!("cannot read it: {}", f.message),
            ));
        }
        Some(Ok(rows)) => rows,
    };
    if rows.is_empty() {
        return Ok(Outcome::new(
            Status::Warning,
            "no job has ever run (the table is empty)",
        ));
    }
    let reference = s
        .readiness()
        .await
        .ok()
        .and_then(|r| r.server_date)
        .map(time::OffsetDateTime::from)
        .unwrap_or(s.now);
    let reports: Vec<_> = rows.iter().map(|r| jobs::report(r, reference)).collect();
    let bad: Vec<_> = reports
        .iter()
        .filter(|r| matches!(r.state, JobState::Failing | JobState::NeverSucceeded))
        .collect();
    let news: Vec<_> = bad.iter().filter(|r| r.name != KNOWN_FAILING).collect();
    let mut o = if news.is_empty() {
        Outcome::new(Status::Ok, format!("{} jobs, none failing", reports.len()))
    } else {
        Outcome::new(
            Status::Warning,
            format!(
                "{} failing or never succeeded: {}",
                news.len(),
                news.iter()
                    .map(|r| r.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    };
    for r in &bad {
        let known = if r.name == KNOWN_FAILING {
            " (fails on every run upstream)"
        } else {
            ""
        };
        o = o.evidence(format!("{}: {}{known}", r.name, r.note));
    }
    Ok(o)
}
