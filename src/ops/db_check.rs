//! Can the app reach its database? Asked from inside the jobs container with the app's own
//! database code (the runbook's `from app.db import engine` does not exist), or with
//! `pg_isready` in the db container.

use std::time::Duration;

use anyhow::Result;

use crate::cli::DbCheckVia;
use crate::config::Settings;
use crate::docker::exec::ExecOutcome;
use crate::docker::{Container, Engine};

/// How long the check may run in the container.
pub const DEFAULT_LIMIT: Duration = Duration::from_secs(20);

pub struct Report {
    pub ok: bool,
    /// The service it ran in: `jobs` or `db`.
    pub service: &'static str,
    /// How it asked, in words.
    pub via: &'static str,
    pub container: Container,
    pub command: Vec<String>,
    pub outcome: ExecOutcome,
}

pub async fn run(
    engine: &Engine,
    settings: &Settings,
    via: DbCheckVia,
    limit: Duration,
) -> Result<Report> {
    let (service, how) = match via {
        DbCheckVia::Jobs => ("jobs", "the app's database code in the jobs container"),
        DbCheckVia::Db => ("db", "pg_isready in the db container"),
    };
    let container = super::running_container(engine, &settings.project_name.value, service).await?;
    let command: Vec<String> = match via {
        DbCheckVia::Jobs => settings.db_check_command.value.clone(),
        // The healthcheck's own check, with the user and database the container was given.
        DbCheckVia::Db => crate::docker::compose::pg_isready_command(&container),
    };
    let outcome = super::audited_exec(
        engine,
        &container,
        "database check",
        &command,
        limit,
        |_| {},
    )
    .await?;
    Ok(Report {
        ok: outcome.exit_code == Some(0),
        service,
        via: how,
        container,
        command,
        outcome,
    })
}
