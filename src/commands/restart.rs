//! `cleanops restart [SERVICE]`: restart, then verify that it runs, is healthy if it can say so,
//! stays up, and (for jobs, with --wait-heartbeat) that the runner heartbeats again. The work is
//! `ops::restart`; this is its arguments, confirmation and rendering.

use anyhow::Result;
use serde_json::json;

use super::Ctx;
use crate::cli::RestartArgs;
use crate::confirm::confirm;
use crate::error::Exit;
use crate::ops::restart::{self, Options, Report};
use crate::render::{self, Mark};

/// The most characters of one verification line shown to a person: cleanops' sentence around
/// the engine's and the server's strings (names, states, errors), escaped and bounded.
const MAX_LINE: usize = 1000;

pub fn options(args: &RestartArgs) -> Options {
    Options {
        service: args.service.clone(),
        stop_timeout: args.stop_timeout,
        wait_heartbeat: args.wait_heartbeat,
        wait_limit: args.wait_limit,
        settle: args.settle,
    }
}

pub async fn run(ctx: &Ctx, args: &RestartArgs) -> Result<Exit> {
    let engine = ctx.engine().await?;
    let opts = options(args);
    let project = ctx.settings.project_name.value.clone();
    let plan = restart::plan(&engine, &project, &opts).await?;
    if args.mutate.dry_run && ctx.ui.json {
        render::json(
            &json!({"dry_run": true, "service": args.service, "project": project, "requests": plan.requests}),
        );
        return Ok(Exit::Ok);
    }
    if args.mutate.dry_run {
        render::out(&format!(
            "would restart {} of project {project}:\n{}",
            args.service,
            plan.requests
                .iter()
                .map(|c| format!("  {}", render::shown_max(c, MAX_LINE)))
                .collect::<Vec<_>>()
                .join("\n")
        ));
        return Ok(Exit::Ok);
    }
    let names: Vec<String> = plan
        .containers
        .iter()
        .map(|c| render::shown(&c.name).into_owned())
        .collect();
    confirm(
        &ctx.ui,
        &args.mutate,
        &format!(
            "Restart {} ({}) of project {project} on {}?",
            args.service,
            names.join(", "),
            engine.target.label()
        ),
    )?;
    let json = ctx.ui.json;
    let report = restart::run(
        &engine,
        ctx.client(),
        ctx.settings.heartbeat_threshold(),
        &ctx.ui,
        &plan,
        &opts,
        |c| {
            if !json {
                eprintln!(
                    "restarted {} ({})",
                    render::shown(&c.name),
                    render::shown(&c.short_id)
                );
            }
        },
    )
    .await?;
    if report.heartbeat_skipped {
        render::warn("--wait-heartbeat is for the jobs service; skipped");
    }
    let exit = if report.verified {
        Exit::Ok
    } else {
        Exit::Unhealthy
    };
    if json {
        render::json(&json!({
            "service": args.service,
            "project": project,
            "restarted": report.restarted.iter().map(|c| &c.name).collect::<Vec<_>>(),
            "verified": report.verified,
            "checks": report.checks.iter().map(|c| json!({"ok": c.ok, "what": c.what, "container": c.container})).collect::<Vec<_>>(),
            "heartbeat": report.heartbeat,
        }));
    } else {
        render::out(&screen(&args.service, &report));
    }
    Ok(exit)
}

/// The verification, a line a check, and what to do when it did not hold.
pub fn screen(service: &str, report: &Report) -> String {
    let mut out = String::new();
    for c in &report.checks {
        let mark = if c.ok { Mark::Ok } else { Mark::Failed };
        out.push_str(&format!(
            "{} {}\n",
            mark.symbol(),
            mark.paint(&render::shown_max(&c.what, MAX_LINE))
        ));
    }
    if report.verified {
        out.push_str(&format!(
            "{} restart of {service} verified\n",
            Mark::Ok.symbol()
        ));
    } else {
        out.push_str(&render::next_command(&format!(
            "cleanops logs {service} --tail 200"
        )));
        out.push('\n');
    }
    out
}
