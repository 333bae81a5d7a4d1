//! `cleanops run-once`: one loop of the runner inside the jobs container, streamed, bounded,
//! and read back from `/v1/admin/jobs/status` (`--once` exits 0 even when jobs fail).

use anyhow::Result;
use serde_json::json;
use time::OffsetDateTime;

use super::{Ctx, running_container};
use crate::api::jobs::{self, DEFAULT_JOBS};
use crate::api::types::JobRow;
use crate::cli::RunOnceArgs;
use crate::clock::parse_rfc3339;
use crate::confirm::confirm;
use crate::error::{Exit, Failure};
use crate::render::{self, Mark};

/// The most characters of one line of the runner's output shown to a person (escaped, like
/// every string from the engine; long enough for a traceback's line).
const MAX_LINE: usize = 2000;

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

pub async fn run(ctx: &Ctx, args: &RunOnceArgs) -> Result<Exit> {
    check_job_names(&args.jobs)?;
    let mut cmd = ctx.settings.run_once_command.value.clone();
    for j in &args.jobs {
        cmd.extend(["--job".to_string(), j.clone()]);
    }
    let engine = ctx.engine().await?;
    let container = running_container(ctx, &engine, "jobs").await?;
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

    // The rows' times come from the server side; take the start from the server's clock too.
    let client = ctx.client()?;
    let start = match client.readiness().await {
        Ok(snap) => snap.server_date.map(OffsetDateTime::from),
        Err(_) => None,
    }
    .unwrap_or(crate::clock::now()?)
        - time::Duration::seconds(1);

    let json = ctx.ui.json;
    let what = format!(
        "run-once {}",
        if args.jobs.is_empty() {
            "(all jobs)".to_string()
        } else {
            args.jobs.join(" ")
        }
    );
    let outcome = super::audited_exec(&engine, &container, &what, &cmd, args.limit, |line| {
        if !json {
            render::out(&format!("  │ {}", render::shown_max(&line.text, MAX_LINE)));
        }
    })
    .await?;

    // Read back which jobs ran in this window (the live loop may have run some too).
    let rows = if client.has_credentials() {
        client.jobs_status().await.map_err(|e| format!("{e:#}"))
    } else {
        Err("no admin credentials: per-job results not read".to_string())
    };
    let mut ran: Vec<(String, &'static str)> = Vec::new();
    if let Ok(rows) = &rows {
        for row in rows {
            if row.name == jobs::RUNNER_ROW
                || (!args.jobs.is_empty() && !args.jobs.contains(&row.name))
            {
                continue;
            }
            if let Some(o) = outcome_since(row, start) {
                ran.push((row.name.clone(), o));
            }
        }
    }
    let failed: Vec<&str> = ran
        .iter()
        .filter(|(_, o)| *o == "failed")
        .map(|(n, _)| n.as_str())
        .collect();
    let ok = outcome.exit_code == Some(0) && failed.is_empty();
    let exit = if ok { Exit::Ok } else { Exit::Unhealthy };
    if json {
        render::json(&json!({
            "container": container.name,
            "command": cmd,
            "remote_exit_code": outcome.exit_code,
            "timed_out": outcome.timed_out,
            "duration_seconds": outcome.duration_seconds,
            "jobs": ran.iter().map(|(n, o)| json!({"name": n, "result": o})).collect::<Vec<_>>(),
            "jobs_error": rows.as_ref().err(),
            "output_tail": outcome.output_tail,
        }));
        return Ok(exit);
    }
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
                crate::clock::human(args.limit.as_secs_f64())
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
    match &rows {
        Err(why) => out.push_str(&format!(
            "{} {}\n",
            Mark::Warning.symbol(),
            render::shown(why)
        )),
        Ok(_) => {
            let succeeded = ran.len() - failed.len();
            out.push_str(&format!(
                "{} {succeeded} job(s) succeeded during the run{}\n",
                Mark::Ok.symbol(),
                if args.jobs.is_empty() {
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
    render::out(&out);
    Ok(exit)
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
        assert_eq!(crate::error::exit_of(&err), Exit::Usage);
        assert!(crate::error::hints_of(&err)[0].contains("storage-janitor"));
    }
}
