//! `cleanops run-once`: one loop of the runner inside the jobs container, streamed, bounded,
//! and read back from `/v1/admin/jobs/status` (`--once` exits 0 even when jobs fail). The work
//! is `ops::run_once`; this is its arguments, confirmation and rendering.

use anyhow::Result;
use serde_json::json;

use super::Ctx;
use crate::api::jobs::DEFAULT_JOBS;
use crate::cli::RunOnceArgs;
use crate::confirm::confirm;
use crate::error::Exit;
use crate::ops::run_once::{self, Report};
use crate::render::{self, Mark};

/// The most characters of one line of the runner's output shown to a person (escaped, like
/// every string from the engine; long enough for a traceback's line).
const MAX_LINE: usize = 2000;

pub async fn run(ctx: &Ctx, args: &RunOnceArgs) -> Result<Exit> {
    run_once::check_job_names(&args.jobs)?;
    let engine = ctx.engine().await?;
    let plan = run_once::plan(&engine, &ctx.settings, &args.jobs).await?;
    let (container, cmd) = (&plan.container, &plan.command);
    if args.mutate.dry_run && ctx.ui.json {
        render::json(&json!({
            "dry_run": true,
            "container": container.name,
            "command": cmd,
            "requests": [
                format!("POST {}/containers/{}/exec", engine.target.host, container.id),
                "POST /exec/<id>/start".to_string(),
                "GET /exec/<id>/json".to_string(),
                "GET /v1/admin/jobs/status".to_string(),
            ],
        }));
        return Ok(Exit::Ok);
    }
    if args.mutate.dry_run {
        render::out(&format!(
            "would run in {} ({}):\n  POST {}/containers/{}/exec {{\"Cmd\": {}}}\n  POST /exec/<id>/start, then GET /exec/<id>/json for the exit code\n  GET /v1/admin/jobs/status to read which jobs ran",
            render::shown(&container.name),
            render::shown(&container.short_id),
            engine.target.label(),
            render::shown(&container.id),
            serde_json::to_string(&cmd).unwrap_or_default()
        ));
        return Ok(Exit::Ok);
    }
    let what = if args.jobs.is_empty() {
        format!(
            "Run ALL {} jobs once in {}, next to the live loop (retention and purge jobs included)?",
            DEFAULT_JOBS.len(),
            render::shown(&container.name)
        )
    } else {
        format!(
            "Run {} once in {}?",
            args.jobs.join(", "),
            render::shown(&container.name)
        )
    };
    confirm(&ctx.ui, &args.mutate, &what)?;

    let client = ctx.client()?;
    let json = ctx.ui.json;
    let report = run_once::run(&engine, &client, &plan, args.limit, |line| {
        if !json {
            render::out(&format!("  │ {}", render::shown_max(&line.text, MAX_LINE)));
        }
    })
    .await?;
    let exit = if report.ok() {
        Exit::Ok
    } else {
        Exit::Unhealthy
    };
    if json {
        let outcome = &report.outcome;
        render::json(&json!({
            "container": container.name,
            "command": cmd,
            "remote_exit_code": outcome.exit_code,
            "timed_out": outcome.timed_out,
            "duration_seconds": outcome.duration_seconds,
            "jobs": report.ran.iter().map(|(n, o)| json!({"name": n, "result": o})).collect::<Vec<_>>(),
            "jobs_error": report.jobs_error,
            "output_tail": outcome.output_tail,
        }));
        return Ok(exit);
    }
    render::out(&screen(&report, args.jobs.is_empty(), args.limit));
    Ok(exit)
}

/// How the loop ended, which jobs ran and failed, and where to look next.
pub fn screen(report: &Report, whole_loop: bool, limit: std::time::Duration) -> String {
    let outcome = &report.outcome;
    let failed = report.failed();
    let mut out = String::new();
    let code = outcome
        .exit_code
        .map(|c| c.to_string())
        .unwrap_or_else(|| "none".into());
    if outcome.timed_out {
        out.push_str(&format!(
            "{} {}\n",
            Mark::Failed.symbol(),
            Mark::Failed.paint(&format!(
                "no end within {}: the loop may still be running in the container",
                crate::clock::human(limit.as_secs_f64())
            ))
        ));
    } else {
        let mark = if outcome.exit_code == Some(0) {
            Mark::Ok
        } else {
            Mark::Failed
        };
        out.push_str(&format!(
            "{} runner exited {code} after {}{}\n",
            mark.symbol(),
            crate::clock::human(outcome.duration_seconds),
            if outcome.exit_code == Some(0) {
                " (it exits 0 even when jobs fail: see below)"
            } else {
                ""
            }
        ));
    }
    match &report.jobs_error {
        Some(why) => out.push_str(&format!(
            "{} {}\n",
            Mark::Warning.symbol(),
            render::shown(why)
        )),
        None => {
            let succeeded = report.ran.len() - failed.len();
            out.push_str(&format!(
                "{} {succeeded} job(s) succeeded during the run{}\n",
                Mark::Ok.symbol(),
                if whole_loop {
                    " (the live loop may have run some of them too)"
                } else {
                    ""
                }
            ));
            if !failed.is_empty() {
                out.push_str(&format!(
                    "{} {}\n",
                    Mark::Failed.symbol(),
                    Mark::Failed.paint(&format!(
                        "failed: {}",
                        failed
                            .iter()
                            .map(|n| render::shown(n))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                ));
                out.push_str(&render::next_command(
                    "cleanops heartbeat --all-jobs   # each job's last error",
                ));
                out.push('\n');
            }
        }
    }
    out
}
