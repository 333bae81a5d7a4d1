//! `cleanops db-check`: can the app reach its database? The check is `ops::db_check`; this is
//! its arguments and rendering.

use anyhow::Result;
use serde_json::json;

use super::Ctx;
use crate::cli::{DbCheckArgs, DbCheckVia};
use crate::error::Exit;
use crate::ops::db_check::Report;
use crate::render::{self, Mark};

/// The most characters of one line of the check's output shown to a person (escaped, like every
/// string from the engine; long enough for a driver's error message).
const MAX_LINE: usize = 2000;

pub async fn run(ctx: &Ctx, args: &DbCheckArgs) -> Result<Exit> {
    let engine = ctx.engine().await?;
    let report = crate::ops::db_check::run(&engine, &ctx.settings, args.via, args.limit).await?;
    let exit = if report.ok { Exit::Ok } else { Exit::Unhealthy };
    if ctx.ui.json {
        render::json(&json!({
            "ok": report.ok,
            "via": report.service,
            "container": report.container.name,
            "command": report.command.first(),
            "remote_exit_code": report.outcome.exit_code,
            "timed_out": report.outcome.timed_out,
            "duration_seconds": report.outcome.duration_seconds,
            "output_tail": report.outcome.output_tail,
        }));
        return Ok(exit);
    }
    render::out(&screen(&report, args.via, args.limit));
    Ok(exit)
}

/// The check's answer, the tail of what it printed, and where to look next when it failed.
pub fn screen(report: &Report, via: DbCheckVia, limit: std::time::Duration) -> String {
    let (ok, outcome, container) = (report.ok, &report.outcome, &report.container);
    let via_words = report.via;
    let mark = if ok { Mark::Ok } else { Mark::Failed };
    let verdict = match (ok, outcome.timed_out) {
        (true, _) => "database reachable".to_string(),
        (false, true) => format!(
            "no answer within {}: the check may still be running in the container",
            crate::clock::human(limit.as_secs_f64())
        ),
        (false, false) => "database check failed".to_string(),
    };
    let mut out = format!(
        "{} {} ({via_words}; {}, remote exit code {}, {})\n",
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
    if !ok && via == DbCheckVia::Jobs {
        out.push_str(&render::next_command(
            "cleanops db-check --via db   # is PostgreSQL itself up?",
        ));
        out.push('\n');
    }
    out
}
