//! `cleanops remediate`: the runbook's safe remediation as one guided, scriptable walk — only
//! the steps the diagnosis justifies, each shown with its reason, asked for, done and verified,
//! stopping as soon as `/readyz` is green, and pausing at any step cleanops cannot do itself.
//!
//! The steps are the diagnosis's own plan (`checks::verdict::plan`): the same the verdict's
//! next command starts and its remediation list shows.

use std::time::{Duration, Instant};

use anyhow::Result;
use serde::Serialize;
use serde_json::json;

use super::{Ctx, db_check, diagnose, escalate, restart, run_once};
use crate::checks::verdict::{Action, PlanStep};
use crate::cli::{DbCheckVia, RemediateArgs};
use crate::confirm::confirm;
use crate::error::Exit;
use crate::ops;
use crate::render::{self, Mark};

/// The most characters of one step, reason or summary shown to a person: cleanops' sentences
/// around job names and titles from the server, escaped and bounded.
const MAX_LINE: usize = 1000;

#[derive(Serialize)]
struct Done {
    step: String,
    reason: String,
    result: String,
}

pub async fn run(ctx: &Ctx, args: &RemediateArgs) -> Result<Exit> {
    let started = Instant::now();
    let remaining = || {
        args.timeout
            .saturating_sub(started.elapsed())
            .max(Duration::from_secs(1))
    };
    // What the steps say goes to stderr under --json: stdout is for one document.
    let quiet = ctx.ui.json;
    let say = |line: String| {
        if quiet {
            eprintln!("{line}");
        } else {
            render::out(&line);
        }
    };

    let d = diagnose::diagnose(
        ctx.settings.clone(),
        &crate::checks::all(),
        diagnose::PassOptions {
            deadline: Duration::from_secs(10),
            deep: false,
            quiet: false,
            verbose: ctx.verbose,
            remember: true,
        },
    )
    .await?;
    diagnose::record(&d);
    let steps: Vec<PlanStep> = d.verdict.plan.clone();
    say(format!(
        "diagnosis: {}",
        render::shown_max(&diagnose::summary_line(&d), MAX_LINE)
    ));
    if steps.is_empty() {
        let ready = d
            .reports
            .iter()
            .any(|r| r.id == "readiness" && r.status == crate::checks::Status::Ok);
        say(format!(
            "{} {}",
            if ready {
                Mark::Ok.symbol()
            } else {
                Mark::Warning.symbol()
            },
            if ready {
                "nothing to remediate: ready"
            } else {
                "no step of the runbook applies; see cleanops diagnose"
            }
        ));
        let mut escalated = None;
        if !ready && !args.mutate.dry_run {
            escalate_once(
                ctx,
                args,
                &mut escalated,
                "no step of the runbook applies and /readyz is not ready",
            )
            .await;
        }
        return finish(ctx, &[], ready, None, escalated);
    }
    if args.mutate.dry_run {
        let mut out = String::from("plan (nothing is done in a dry run):\n");
        for (i, s) in steps.iter().enumerate() {
            out.push_str(&format!(
                "  {}. {}\n     because: {}\n",
                i + 1,
                render::shown_max(&s.action.command(), MAX_LINE),
                render::shown_max(&s.reason, MAX_LINE)
            ));
        }
        out.push_str(&format!(
            "  {}. cleanops status --wait-ready\n",
            steps.len() + 1
        ));
        let escalation = args.escalate_after.map(|after| {
            let s = &ctx.settings;
            let deployment = crate::escalation::deployment(&s.api_url.value, &s.project_name.value);
            let incident = crate::escalation::Incident::current(&deployment);
            let who = match incident.next_role(&s.escalation.value) {
                crate::escalation::Next::Role(r) => r.label(),
                crate::escalation::Next::Exhausted { .. } => "nobody: every role has been paged in this incident".into(),
            };
            out.push_str(&format!(
                "  then, when /readyz is not ready {} after the start or the walk stops at a step: cleanops escalate (the next role: {who})\n",
                crate::clock::human(after.as_secs_f64())
            ));
            json!({"after_seconds": after.as_secs_f64(), "role": who})
        });
        if quiet {
            render::json(&json!({"dry_run": true, "steps": steps, "escalation": escalation}));
        } else {
            render::out(&out);
        }
        return Ok(Exit::Ok);
    }

    let mut done = Vec::new();
    let mut escalated: Option<serde_json::Value> = None;
    for (i, s) in steps.iter().enumerate() {
        let what = s.action.command();
        // What is shown: the step's command and reason carry job names and titles from the
        // server; the JSON document keeps them exact.
        let what_shown = render::shown_max(&what, MAX_LINE);
        say(format!(
            "\nstep {}: {what_shown}\n  because: {}",
            i + 1,
            render::shown_max(&s.reason, MAX_LINE)
        ));
        if let Action::Manual { command } = &s.action {
            say(format!(
                "{} cleanops cannot do this step itself; run it, then cleanops remediate again:\n{}",
                Mark::Warning.symbol(),
                render::next_command(command)
            ));
            done.push(Done {
                step: what,
                reason: s.reason.clone(),
                result: "paused: manual step".into(),
            });
            escalate_once(
                ctx,
                args,
                &mut escalated,
                &format!("the walk stopped at a manual step: {command}"),
            )
            .await;
            return finish(ctx, &done, false, Some(command.clone()), escalated);
        }
        // The runner after a database step: only once the database answers, or it would
        // only crash again (docs/app-contract.md §6.4, §13).
        let after_db = steps[..i]
            .iter()
            .any(|p| matches!(p.action, Action::StartDb | Action::DbCheck { .. }));
        if s.action == Action::Restart && after_db && !database_answers(ctx, remaining()).await {
            let next = "fix the database first (cleanops db-check --via db; cleanops status): restarting the runner now would only crash it again".to_string();
            done.push(Done {
                step: what.clone(),
                reason: s.reason.clone(),
                result: "not done: the database does not answer".into(),
            });
            say(format!(
                "{} the database still does not answer; stopping before step {}:\n{}",
                Mark::Failed.symbol(),
                i + 1,
                render::next_command(&next)
            ));
            escalate_once(
                ctx,
                args,
                &mut escalated,
                "the database does not answer after its step",
            )
            .await;
            return finish(ctx, &done, false, Some(next), escalated);
        }
        confirm(
            &ctx.ui,
            &args.mutate,
            &format!("Step {}: {what_shown}?", i + 1),
        )?;
        let exit = perform(ctx, &s.action, remaining(), &say).await;
        let ok = exit == Exit::Ok;
        done.push(Done {
            step: what.clone(),
            reason: s.reason.clone(),
            result: if ok {
                "ok".into()
            } else {
                format!("failed (exit {})", exit.code())
            },
        });
        if !ok {
            // A failed database check is where a restart would only loop: stop here.
            let next = match &s.action {
                Action::DbCheck { .. } => "fix the database first (cleanops db-check --via db; cleanops status): restarting the runner now would only crash it again".to_string(),
                _ => "cleanops diagnose".to_string(),
            };
            say(format!(
                "{} step {} did not succeed; stopping:\n{}",
                Mark::Failed.symbol(),
                i + 1,
                render::next_command(&next)
            ));
            escalate_once(
                ctx,
                args,
                &mut escalated,
                &format!("step {} ({what}) did not succeed", i + 1),
            )
            .await;
            return finish(ctx, &done, false, Some(next), escalated);
        }
        // Stop as soon as the app is ready, unless the runner is still to be restarted:
        // readiness sees the runner only through a heartbeat that stays fresh for the whole
        // threshold after it died, so "ready" says nothing about it yet.
        let runner_step_left = steps[i + 1..]
            .iter()
            .any(|later| later.action == Action::Restart);
        if !runner_step_left && ready_now(ctx).await {
            say(format!(
                "{} /readyz is ready: stopping after step {}",
                Mark::Ok.symbol(),
                i + 1
            ));
            return finish_ready(ctx, &done, escalated).await;
        }
        if let Some(after) = args.escalate_after
            && started.elapsed() >= after
        {
            escalate_once(
                ctx,
                args,
                &mut escalated,
                &format!(
                    "/readyz is still not ready {} after the walk began",
                    crate::clock::human(started.elapsed().as_secs_f64())
                ),
            )
            .await;
        }
    }
    // Readiness again, the runbook's last step; with --escalate-after, the wait is cut where
    // the escalation is due.
    let client = ctx.client()?;
    let limit = if args.until_ready {
        remaining()
    } else {
        Duration::from_secs(5).min(remaining())
    };
    let wait = |limit: Duration| {
        crate::wait::until(
            &client,
            &ctx.ui,
            limit,
            Duration::from_secs(2),
            "/readyz to be ready",
            |s| s.readiness.ok,
            |_| "not ready yet".into(),
        )
    };
    let due = args
        .escalate_after
        .filter(|_| escalated.is_none())
        .map(|after| after.saturating_sub(started.elapsed()));
    let mut ready = false;
    let mut waited = Duration::ZERO;
    if let Some(due) = due
        && due < limit
    {
        let first = due.max(Duration::from_secs(1));
        ready = wait(first).await.is_ok();
        waited = first;
        if !ready {
            escalate_once(
                ctx,
                args,
                &mut escalated,
                &format!(
                    "/readyz is still not ready {} after the walk began",
                    crate::clock::human(started.elapsed().as_secs_f64())
                ),
            )
            .await;
        }
    }
    if !ready && limit > waited {
        ready = wait((limit - waited).max(Duration::from_secs(1)))
            .await
            .is_ok();
    }
    if ready {
        return finish_ready(ctx, &done, escalated).await;
    }
    say(format!(
        "{} not ready yet after the steps",
        Mark::Failed.symbol()
    ));
    escalate_once(
        ctx,
        args,
        &mut escalated,
        "/readyz is not ready after the walk",
    )
    .await;
    finish(
        ctx,
        &done,
        false,
        Some("cleanops diagnose".into()),
        escalated,
    )
}

/// How long a step after a database step waits for the database to answer.
const DB_BACK_LIMIT: Duration = Duration::from_secs(20);

/// Whether `/readyz`'s db check passes, waiting (bounded) for it.
async fn database_answers(ctx: &Ctx, remaining: Duration) -> bool {
    let Ok(client) = ctx.client() else {
        return false;
    };
    let deadline = Instant::now() + DB_BACK_LIMIT.min(remaining);
    loop {
        let ok = client
            .readiness()
            .await
            .is_ok_and(|s| s.readiness.check("db").is_some_and(|c| c.ok));
        if ok {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn ready_now(ctx: &Ctx) -> bool {
    match ctx.client() {
        Ok(c) => c.readiness().await.is_ok_and(|s| s.readiness.ok),
        Err(_) => false,
    }
}

/// Ready: offer the backlog's replay (never before the runner is healthy).
async fn finish_ready(
    ctx: &Ctx,
    done: &[Done],
    escalated: Option<serde_json::Value>,
) -> Result<Exit> {
    let mut next = None;
    if let Ok(client) = ctx.client()
        && client.has_credentials()
        && let Ok(listing) = crate::api::dlq::list(&client, "all", 1).await
        && listing.total_dead.is_some_and(|n| n > 0)
    {
        let cmd = "cleanops replay --from-dlq   # paced, idempotent, journaled".to_string();
        let line = format!(
            "{} the runner is healthy again and {} dead event(s) wait in the DLQ: replay them now",
            Mark::Warning.symbol(),
            listing.total_dead.unwrap_or(0)
        );
        if ctx.ui.json {
            eprintln!("{line}");
        } else {
            render::out(&format!("{line}\n{}", render::next_command(&cmd)));
        }
        next = Some(cmd);
    }
    finish(ctx, done, true, next, escalated)
}

/// Do one step through its operation, and say how it went as its command would: the walk's
/// own output, never a command's.
async fn perform(ctx: &Ctx, action: &Action, remaining: Duration, say: &impl Fn(String)) -> Exit {
    let result: Result<Exit> = async {
        match action {
            Action::RestartApi | Action::Restart | Action::StartDb => {
                let service = match action {
                    Action::RestartApi => "api",
                    Action::Restart => "jobs",
                    _ => "db",
                };
                let mut opts = ops::restart::Options::new(service);
                if service == "jobs" {
                    opts.wait_heartbeat = true;
                    opts.wait_limit = Some(remaining);
                }
                let engine = ctx.engine().await?;
                let plan =
                    ops::restart::plan(&engine, &ctx.settings.project_name.value, &opts).await?;
                let report = ops::restart::run(
                    &engine,
                    ctx.client(),
                    ctx.settings.heartbeat_threshold(),
                    &ctx.ui,
                    &plan,
                    &opts,
                    |c| {
                        say(format!(
                            "restarted {} ({})",
                            render::shown(&c.name),
                            render::shown(&c.short_id)
                        ))
                    },
                )
                .await?;
                say(restart::screen(service, &report).trim_end().to_string());
                Ok(if report.verified {
                    Exit::Ok
                } else {
                    Exit::Unhealthy
                })
            }
            Action::DbCheck { via_db } => {
                let via = if *via_db {
                    DbCheckVia::Db
                } else {
                    DbCheckVia::Jobs
                };
                let engine = ctx.engine().await?;
                let limit = ops::db_check::DEFAULT_LIMIT;
                let report = ops::db_check::run(&engine, &ctx.settings, via, limit).await?;
                say(db_check::screen(&report, via, limit).trim_end().to_string());
                Ok(if report.ok { Exit::Ok } else { Exit::Unhealthy })
            }
            Action::RunOnce { jobs } => {
                let engine = ctx.engine().await?;
                let plan = ops::run_once::plan(&engine, &ctx.settings, jobs).await?;
                let client = ctx.client()?;
                let report = ops::run_once::run(&engine, &client, &plan, remaining, |line| {
                    say(format!("  │ {}", render::shown_max(&line.text, MAX_LINE)))
                })
                .await?;
                say(run_once::screen(&report, jobs.is_empty(), remaining)
                    .trim_end()
                    .to_string());
                Ok(if report.ok() {
                    Exit::Ok
                } else {
                    Exit::Unhealthy
                })
            }
            Action::WaitFresh => {
                let client = ctx.client()?;
                let (snap, waited) = ops::heartbeat::wait_fresh(
                    &client,
                    &ctx.ui,
                    remaining,
                    Duration::from_secs(2),
                    None,
                )
                .await?;
                say(format!(
                    "{} {} (after {})",
                    Mark::Ok.symbol(),
                    render::shown_max(&ops::heartbeat::of(&snap, None).reading(), MAX_LINE),
                    crate::clock::human(waited.as_secs_f64())
                ));
                Ok(Exit::Ok)
            }
            Action::Manual { .. } => Ok(Exit::Ok),
        }
    }
    .await;
    result.unwrap_or_else(|e| {
        crate::report_error(&e);
        crate::error::exit_of(&e)
    })
}

/// `--escalate-after`: page the next role of the chain, once, with a fresh diagnosis and the
/// reason as the note. A failure to escalate is said and does not end the walk differently.
async fn escalate_once(
    ctx: &Ctx,
    args: &RemediateArgs,
    escalated: &mut Option<serde_json::Value>,
    reason: &str,
) {
    if args.escalate_after.is_none() || escalated.is_some() {
        return;
    }
    let s = &ctx.settings;
    let deployment = crate::escalation::deployment(&s.api_url.value, &s.project_name.value);
    let incident = crate::escalation::Incident::current(&deployment);
    let role = match incident.next_role(&s.escalation.value) {
        crate::escalation::Next::Role(r) => r.clone(),
        crate::escalation::Next::Exhausted { last } => {
            let line = format!(
                "{} --escalate-after: every role after {last} has been paged in this incident; not paging again",
                Mark::Warning.symbol()
            );
            if ctx.ui.json {
                eprintln!("{line}");
            } else {
                render::out(&line);
            }
            *escalated = Some(
                json!({"role": null, "reason": reason, "exit_code": null, "skipped": "every role has been paged"}),
            );
            return;
        }
    };
    let line = format!(
        "\n{} escalating to {} ({reason})",
        Mark::Warning.symbol(),
        role.label()
    );
    if ctx.ui.json {
        eprintln!("{}", line.trim_start());
    } else {
        render::out(&line);
    }
    let outcome = escalate::page(
        ctx,
        &role,
        &escalate::PageOptions {
            note: Some(format!(
                "escalated by cleanops remediate --escalate-after: {reason}"
            )),
            // The walk changed things: a new diagnosis.
            max_age: Duration::ZERO,
            deadline: Duration::from_secs(10),
            mutate: args.mutate,
            on_stderr: ctx.ui.json,
        },
    )
    .await;
    let exit = match outcome {
        Ok(e) => e,
        Err(e) => {
            crate::report_error(&e);
            crate::error::exit_of(&e)
        }
    };
    *escalated = Some(
        json!({"role": role.id, "name": role.name, "reason": reason, "exit_code": exit.code()}),
    );
}

fn finish(
    ctx: &Ctx,
    done: &[Done],
    ready: bool,
    next: Option<String>,
    escalated: Option<serde_json::Value>,
) -> Result<Exit> {
    if ctx.ui.json {
        render::json(&json!({"ready": ready, "steps": done, "next": next, "escalated": escalated}));
    } else if ready {
        render::out(&format!("{} ready", Mark::Ok.symbol()));
    }
    Ok(if ready { Exit::Ok } else { Exit::Unhealthy })
}
