//! `db`: the database as the readiness check sees it; from inside the jobs container with --deep.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;

use super::{Outcome, Sources, Status};
use crate::api::readiness::reading;

/// How long the in-container check may run.
const DEEP_LIMIT: Duration = Duration::from_secs(20);

pub async fn run(s: Arc<Sources>) -> Result<Outcome> {
    let mut o = match s.readiness().await {
        Err(f) => Outcome::new(
            Status::Skipped,
            format!("no answer from /readyz: {}", f.message),
        ),
        Ok(snap) => match snap.readiness.check("db") {
            None => Outcome::new(Status::Warning, "/readyz has no db check"),
            Some(c) if c.ok => Outcome::new(Status::Ok, reading(c)),
            Some(c) => Outcome::new(Status::Failed, reading(c)),
        },
    };
    if let Ok(db) = s.service("db").await {
        match db.containers.first() {
            Some(c) => o = o.evidence(format!("db container {}: {}", c.name, c.summary(s.now))),
            None => o = o.evidence("no db container in the project"),
        }
    }
    // Readiness says the database fails and its container runs: does it answer there?
    if let Some(inside) = s.db_inside().await {
        o = o.evidence(format!(
            "pg_isready in {}: {}",
            inside.container,
            if inside.answers {
                "accepting connections: the database runs, the app cannot reach it".to_string()
            } else {
                format!(
                    "{}: the database does not answer where it runs",
                    inside.said
                )
            }
        ));
    }
    if !s.deep {
        return Ok(o);
    }
    let engine = match s.engine().await {
        Ok(e) => e,
        Err(f) => return Ok(o.evidence(format!("in-container check not run: {}", f.message))),
    };
    let jobs = s.service("jobs").await.ok().and_then(|j| {
        j.containers
            .into_iter()
            .find(|c| c.running && !c.restarting)
    });
    let Some(jobs) = jobs else {
        return Ok(o.evidence("in-container check not run: the jobs container is not running"));
    };
    let cmd = s.settings.db_check_command.value.clone();
    let outcome = crate::docker::exec::run(&engine, &jobs.id, &cmd, DEEP_LIMIT, |_| {}).await?;
    if outcome.exit_code == Some(0) {
        o = o.evidence(format!("from inside {}: database reachable", jobs.name));
    } else {
        o.status = Status::Failed;
        o = o.evidence(format!(
            "from inside {}: failed (exit {}): {}",
            jobs.name,
            outcome
                .exit_code
                .map(|c| c.to_string())
                .unwrap_or_else(|| "none, timed out".into()),
            outcome.output_tail.last().cloned().unwrap_or_default()
        ));
    }
    Ok(o)
}
