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
use crate::cli::{
    DbCheckArgs, DbCheckVia, MutateArgs, RemediateArgs, RestartArgs, RunOnceArgs, TimeoutArg,
};
use crate::confirm::confirm;
use crate::error::Exit;
use crate::render::{self, Mark, Ui};

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
    // The steps' own output goes to stderr under --json: stdout is for one document.
    let quiet = ctx.ui.json;
    let sub = Ctx {
        settings: ctx.settings.clone(),
        ui: Ui {
            json: false,
            ..ctx.ui
        },
        verbose: ctx.verbose,
    };
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
    let yes = MutateArgs {
        yes: true,
        dry_run: false,
    };
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
        render::divert_to_stderr(quiet);
        let exit = match &s.action {
            Action::RestartApi => {
                restart::run(
                    &sub,
                    &RestartArgs {
                        service: "api".into(),
                        mutate: yes,
                        stop_timeout: 10,
                        wait_heartbeat: false,
                        wait_limit: None,
                        settle: Duration::from_secs(3),
                    },
                )
                .await
            }
            Action::Restart => {
                restart::run(
                    &sub,
                    &RestartArgs {
                        service: "jobs".into(),
                        mutate: yes,
                        stop_timeout: 10,
                        wait_heartbeat: true,
                        wait_limit: Some(remaining()),
                        settle: Duration::from_secs(3),
                    },
                )
                .await
            }
            Action::StartDb => {
                restart::run(
                    &sub,
                    &RestartArgs {
                        service: "db".into(),
                        mutate: yes,
                        stop_timeout: 10,
                        wait_heartbeat: false,
                        wait_limit: None,
                        settle: Duration::from_secs(3),
                    },
                )
                .await
            }
            Action::DbCheck { via_db } => {
                db_check::run(
                    &sub,
                    &DbCheckArgs {
                        via: if *via_db {
                            DbCheckVia::Db
                        } else {
                            DbCheckVia::Jobs
                        },
                        limit: Duration::from_secs(20),
                        timeout: TimeoutArg { timeout: None },
                    },
                )
                .await
            }
            Action::RunOnce { jobs } => {
                run_once::run(
                    &sub,
                    &RunOnceArgs {
                        jobs: jobs.clone(),
                        mutate: yes,
                        limit: remaining(),
                        timeout: TimeoutArg { timeout: None },
                    },
                )
                .await
            }
            Action::WaitFresh => {
                super::heartbeat::run(
                    &sub,
                    &crate::cli::HeartbeatArgs {
                        timeout: TimeoutArg {
                            timeout: Some(remaining()),
                        },
                        late_after: None,
                        max_drift: Duration::from_secs(5),
                        no_jobs: true,
                        wait_fresh: true,
                        interval: Duration::from_secs(2),
                        all_jobs: false,
                    },
                )
                .await
            }
            Action::Manual { .. } => Ok(Exit::Ok),
        };
        render::divert_to_stderr(false);
        let exit = match exit {
            Ok(e) => e,
            Err(e) => {
                crate::report_error(&e);
                crate::error::exit_of(&e)
            }
        };
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
    let sub = Ctx {
        settings: ctx.settings.clone(),
        ui: Ui {
            json: false,
            ..ctx.ui
        },
        verbose: ctx.verbose,
    };
    render::divert_to_stderr(ctx.ui.json);
    let outcome = escalate::page(
        &sub,
        &role,
        &escalate::PageOptions {
            note: Some(format!(
                "escalated by cleanops remediate --escalate-after: {reason}"
            )),
            // The walk changed things: a new diagnosis.
            max_age: Duration::ZERO,
            deadline: Duration::from_secs(10),
            mutate: args.mutate,
        },
    )
    .await;
    render::divert_to_stderr(false);
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
