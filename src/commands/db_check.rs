//! `cleanops db-check`: can the app reach its database? Asked from inside the jobs container with
//! the app's own database code (the runbook's `from app.db import engine` does not exist), or
//! with `pg_isready` in the db container.

use anyhow::Result;
use serde_json::json;

use super::{Ctx, running_container};
use crate::cli::{DbCheckArgs, DbCheckVia};
use crate::error::Exit;
use crate::render::{self, Mark};

/// The most characters of one line of the check's output shown to a person (escaped, like every
/// string from the engine; long enough for a driver's error message).
const MAX_LINE: usize = 2000;

pub async fn run(ctx: &Ctx, args: &DbCheckArgs) -> Result<Exit> {
    let engine = ctx.engine().await?;
    let (service, via) = match args.via {
        DbCheckVia::Jobs => ("jobs", "the app's database code in the jobs container"),
        DbCheckVia::Db => ("db", "pg_isready in the db container"),
    };
    let container = running_container(ctx, &engine, service).await?;
    let cmd: Vec<String> = match args.via {
        DbCheckVia::Jobs => ctx.settings.db_check_command.value.clone(),
        // The healthcheck's own check, with the user and database the container was given.
        DbCheckVia::Db => crate::docker::compose::pg_isready_command(&container),
    };
    let outcome = super::audited_exec(
        &engine,
        &container,
        "database check",
        &cmd,
        args.limit,
        |_| {},
    )
    .await?;
    let ok = outcome.exit_code == Some(0);
    let exit = if ok { Exit::Ok } else { Exit::Unhealthy };
    if ctx.ui.json {
        render::json(&json!({
            "ok": ok,
            "via": service,
            "container": container.name,
            "command": cmd.first(),
            "remote_exit_code": outcome.exit_code,
            "timed_out": outcome.timed_out,
            "duration_seconds": outcome.duration_seconds,
            "output_tail": outcome.output_tail,
        }));
        return Ok(exit);
    }
    let mark = if ok { Mark::Ok } else { Mark::Failed };
    let verdict = match (ok, outcome.timed_out) {
        (true, _) => "database reachable".to_string(),
        (false, true) => format!(
            "no answer within {}: the check may still be running in the container",
            crate::clock::human(args.limit.as_secs_f64())
        ),
        (false, false) => "database check failed".to_string(),
    };
    let mut out = format!(
        "{} {} ({via}; {}, remote exit code {}, {})\n",
        mark.symbol(),
        mark.paint(&verdict),
        render::shown(&container.name),
        outcome
            .exit_code
            .map(|c| c.to_string())
            .unwrap_or_else(|| "none".into()),
        crate::clock::human(outcome.duration_seconds)
    );
    let excerpt: Vec<&String> = outcome
        .output_tail
        .iter()
        .rev()
        .take(if ok { 2 } else { 12 })
        .collect();
    for line in excerpt.into_iter().rev() {
        out.push_str(&format!("  │ {}\n", render::shown_max(line, MAX_LINE)));
    }
    if !ok && args.via == DbCheckVia::Jobs {
        out.push_str(&render::next_command(
            "cleanops db-check --via db   # is PostgreSQL itself up?",
        ));
        out.push('\n');
    }
    render::out(&out);
    Ok(exit)
}
