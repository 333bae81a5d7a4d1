//! `jobs-container`: is the runner's container running, and since when relative to the heartbeat.

use std::sync::Arc;

use anyhow::Result;

use super::{Outcome, Sources, Status};
use crate::clock::{human, parse_rfc3339};

pub async fn run(s: Arc<Sources>) -> Result<Outcome> {
    let jobs = match s.service("jobs").await {
        Err(f) => {
            return Ok(Outcome::new(
                Status::Failed,
                format!("cannot ask the engine: {}", f.message),
            ));
        }
        Ok(j) => j,
    };
    let hb = super::heartbeat::heartbeat_of(&s).await;
    let mut jobs = jobs;
    if let Some(c) = jobs.containers.first_mut() {
        c.judge_recovery(hb.as_ref().and_then(super::heartbeat::fresh_time));
    }
    let Some(c) = jobs.containers.first() else {
        let project = &s.settings.project_name.value;
        let others = s.other_projects().await;
        let o = Outcome::new(
            Status::Failed,
            format!("no jobs container in project {project}"),
        );
        // Another project has the app: the likelier story is a wrong project name, and creating
        // a container here would start a second runner against the same database.
        return Ok(match others.first() {
            Some(first) => o
                .evidence(format!(
                    "projects on this engine with the app's services: {}",
                    others.join(", ")
                ))
                .hint(format!("pass --project-name {first}")),
            None => o.hint(format!("{} up -d jobs", crate::docker::compose::cli())),
        });
    };
    let mut o = Outcome::new(
        if c.is_problem() {
            Status::Failed
        } else {
            Status::Ok
        },
        format!("{}: {}", c.name, c.summary(s.now)),
    );
    o = o.evidence(format!("restart count {}", c.restart_count));
    if let Some(started) = c.started_at.as_deref() {
        o = o.evidence(format!("started {started}"));
    }
    // Started after the last heartbeat: the runner has not finished its first loop yet, so a
    // stale or missing heartbeat may be nothing but a fresh start.
    if let (Some(started), Some(hb)) = (
        c.started_at.as_deref().and_then(|t| parse_rfc3339(t).ok()),
        hb,
    ) {
        match hb
            .last_heartbeat
            .as_deref()
            .and_then(|t| parse_rfc3339(t).ok())
        {
            Some(last) if started > last && c.running => {
                o = o.evidence(format!(
                    "started {} after the last heartbeat: its first loop has not finished",
                    human((started - last).as_seconds_f64())
                ))
            }
            None if c.running => o = o.evidence("no heartbeat yet since it started"),
            _ => {}
        }
    }
    if c.oom_killed {
        o = o.hint(
            "the kernel killed it for memory: check the host's memory and the container's limits",
        );
    }
    Ok(o)
}
