//! `cleanops heartbeat`: the jobs check of `/readyz` classified, each job's row, and the clock.

use std::time::Duration;

use anyhow::Result;
use serde_json::json;
use time::OffsetDateTime;

use super::Ctx;
use crate::api::client::ReadySnapshot;
use crate::api::jobs::{self, JobReport, JobState};
use crate::api::readiness::{Heartbeat, HeartbeatClass};
use crate::cli::HeartbeatArgs;
use crate::clock::{self, human, parse_rfc3339};
use crate::error::{Exit, exit_of, kind_of};
use crate::ops::heartbeat::{ClockReading, read_clock};
use crate::render::{self, Fit, Mark, Ui};

/// `--wait-fresh` without `--timeout`: the threshold plus a loop of the runner.
const DEFAULT_WAIT: Duration = Duration::from_secs(300);

pub async fn run(ctx: &Ctx, args: &HeartbeatArgs) -> Result<Exit> {
    let client = ctx.client()?;
    let late_after = args.late_after.map(|d| d.as_secs_f64());
    let classify = |s: &ReadySnapshot| crate::ops::heartbeat::of(s, late_after);

    let (snap, jobs) = if args.wait_fresh {
        let limit = args.timeout.timeout.unwrap_or(DEFAULT_WAIT);
        let (snap, _) =
            crate::ops::heartbeat::wait_fresh(&client, &ctx.ui, limit, args.interval, late_after)
                .await?;
        let jobs = jobs_rows(&client, args).await;
        (snap, jobs)
    } else {
        // Independent calls: ask both at once.
        let (snap, jobs) = tokio::join!(client.readiness(), jobs_rows(&client, args));
        (snap?, jobs)
    };

    let hb = classify(&snap);
    let now = clock::now()?;
    let clock = read_clock(snap.server_date, &hb, now, args.max_drift);
    // Ages of job rows against the server's clock when we have it: a drifting local clock must
    // not make every row look old.
    let reference = snap.server_date.map(OffsetDateTime::from).unwrap_or(now);

    let mut exit = if hb.class.is_problem() {
        Exit::Unhealthy
    } else {
        Exit::Ok
    };
    if !clock.drift_ok || clock.heartbeat_in_future_seconds.is_some() {
        exit = exit.worst(Exit::Unhealthy);
    }
    let (reports, jobs_error) = match jobs {
        JobsOutcome::Rows(rows) => (
            Some(
                rows.iter()
                    .map(|r| jobs::report(r, reference))
                    .collect::<Vec<_>>(),
            ),
            None,
        ),
        JobsOutcome::Skipped(why) => (None, Some(why)),
        JobsOutcome::Failed(e) => {
            // The table is secondary: a server error there is one more sign of an unhealthy
            // app (it answers 500 while the database is down), not an unusable answer.
            let failed = match exit_of(&e) {
                Exit::Unexpected if kind_of(&e).is_server_error() => Exit::Unhealthy,
                other => other,
            };
            exit = exit.worst(failed);
            (None, Some(format!("{e:#}")))
        }
    };

    if ctx.ui.json {
        render::json(&json!({
            "heartbeat": hb,
            "clock": clock,
            "jobs": reports,
            "jobs_error": jobs_error,
            "readyz_http_status": snap.http_status,
        }));
    } else {
        render::out(&screen(
            &hb,
            &clock,
            reports.as_deref(),
            jobs_error.as_deref(),
            reference,
            ctx,
            args.all_jobs,
        ));
    }
    Ok(exit)
}

enum JobsOutcome {
    Rows(Vec<crate::api::types::JobRow>),
    Skipped(String),
    Failed(anyhow::Error),
}

async fn jobs_rows(client: &crate::api::Client, args: &HeartbeatArgs) -> JobsOutcome {
    if args.no_jobs {
        return JobsOutcome::Skipped("skipped (--no-jobs)".into());
    }
    if !client.has_credentials() {
        return JobsOutcome::Skipped(
            "skipped: no admin credentials (set ADMIN_BASIC_USERNAME and ADMIN_BASIC_PASSWORD, or a profile)".into(),
        );
    }
    match client.jobs_status().await {
        Ok(rows) => JobsOutcome::Rows(rows),
        Err(e) => JobsOutcome::Failed(e),
    }
}

fn screen(
    hb: &Heartbeat,
    clock: &ClockReading,
    reports: Option<&[JobReport]>,
    jobs_error: Option<&str>,
    reference: OffsetDateTime,
    ctx: &Ctx,
    all_jobs: bool,
) -> String {
    let ui = &ctx.ui;
    let mark = match hb.class {
        HeartbeatClass::Fresh => Mark::Ok,
        HeartbeatClass::Late => Mark::Warning,
        _ => Mark::Failed,
    };
    let mut out = format!(
        "{} {}\n",
        mark.symbol(),
        mark.paint(&render::shown(&hb.reading()))
    );
    if let Some(last) = hb
        .last_heartbeat
        .as_deref()
        .and_then(|t| parse_rfc3339(t).ok())
    {
        out.push_str(&format!("  last heartbeat {}\n", ui.when(last, reference)));
    }
    if hb.class == HeartbeatClass::Late
        && let Some(late) = hb.late_after_seconds
    {
        out.push_str(&format!(
            "  late: older than {} (a loop is overdue); stale at the threshold\n",
            human(late)
        ));
    }
    match hb.class {
        HeartbeatClass::Stale | HeartbeatClass::Missing => {
            out.push_str(&ui.wrap("  ", "the runner writes its heartbeat only at the END of a loop of 23 jobs: right after a start it reads as missing, and a loop slower than the threshold reads as stale"));
            out.push('\n');
            out.push_str(&ui.next_command(
                "cleanops diagnose   # the container, its logs and the likely cause",
            ));
            out.push('\n');
        }
        HeartbeatClass::Disabled => {
            out.push_str(&ui.next_command(&format!(
                "grep -iE 'JOBS_ENABLED|JOB_HEARTBEAT' {}   # both should be true",
                ctx.settings.env_file.value.display()
            )));
            out.push('\n');
        }
        HeartbeatClass::Failed => {
            out.push_str(&ui.next_command(
                "cleanops status   # the heartbeat check itself failed: is the database up?",
            ));
            out.push('\n');
        }
        _ => {}
    }

    // The clock.
    match (clock.drift_seconds, clock.drift_ok) {
        (Some(d), true) => out.push_str(&format!(
            "{} clock: server and local agree within {} (drift {:+}s)\n",
            Mark::Ok.symbol(),
            human(clock.max_drift_seconds),
            d
        )),
        (Some(d), false) => out.push_str(&format!(
            "{} {}\n",
            Mark::Failed.symbol(),
            Mark::Failed.paint(&format!(
                "clock drift: the server's clock is {} {} ours (more than {})",
                human(d.abs()),
                if d > 0.0 { "ahead of" } else { "behind" },
                human(clock.max_drift_seconds)
            ))
        )),
        (None, _) => out.push_str(&format!(
            "{} clock: the server sent no Date header\n",
            Mark::Warning.symbol()
        )),
    }
    if let Some(ahead) = clock.heartbeat_in_future_seconds {
        out.push_str(&format!(
            "{} {}\n",
            Mark::Failed.symbol(),
            Mark::Failed.paint(&format!(
                "the heartbeat is {} in the future: the runner's or the database's clock is ahead (check NTP on the host)",
                human(ahead)
            ))
        ));
    }

    // The jobs.
    match (reports, jobs_error) {
        (Some([]), _) => {
            out.push_str("\njobs: no rows yet (GET /v1/admin/jobs/status is [] until the runner finishes a job)\n");
        }
        (Some(reports), _) => {
            // Names, times and the runner id stay whole; the error and the note give way.
            let mut table = ui.table(&[
                ("", Fit::Keep),
                ("JOB", Fit::Keep),
                ("LAST RUN", Fit::Keep),
                ("RUNNER", Fit::Keep),
                ("LAST SUCCESS", Fit::Keep),
                ("FAILS", Fit::Keep),
                ("LAST ERROR", Fit::Shorten),
                ("NOTE", Fit::Shorten),
            ]);
            // The rows worth reading; the healthy rest is one line unless --all-jobs.
            let shown: Vec<&JobReport> = reports
                .iter()
                .filter(|r| all_jobs || r.state != JobState::Ok || r.name == jobs::RUNNER_ROW)
                .collect();
            let hidden: Vec<&JobReport> = reports
                .iter()
                .filter(|r| !shown.iter().any(|s| s.name == r.name))
                .collect();
            for r in shown {
                let mark = match r.state {
                    JobState::Ok => Mark::Ok,
                    JobState::NotInLoop => Mark::Warning,
                    JobState::Failing | JobState::NeverSucceeded => Mark::Failed,
                };
                table.add_row([
                    mark.symbol(),
                    render::shown(&r.name).into_owned(),
                    time_cell(r.last_heartbeat.as_deref(), reference, ui),
                    r.runner_id
                        .as_deref()
                        .map_or_else(|| "-".into(), |id| render::shown(id).into_owned()),
                    time_cell(r.last_success_at.as_deref(), reference, ui),
                    r.consecutive_failures.to_string(),
                    r.last_error
                        .as_deref()
                        .map_or_else(|| "-".into(), |e| render::shown(e).into_owned()),
                    mark.paint(&render::shown(&r.note)),
                ]);
            }
            let failing = reports
                .iter()
                .filter(|r| matches!(r.state, JobState::Failing | JobState::NeverSucceeded))
                .count();
            out.push('\n');
            out.push_str(&table.to_string());
            out.push('\n');
            if !hidden.is_empty() {
                let ages: Vec<f64> = hidden.iter().filter_map(|r| r.age_seconds).collect();
                let newest = ages.iter().copied().fold(f64::INFINITY, f64::min);
                let oldest = ages.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let when = if ages.is_empty() {
                    String::new()
                } else if human(newest) == human(oldest) {
                    format!(", last run {} ago", human(newest))
                } else {
                    format!(", last runs {} to {} ago", human(newest), human(oldest))
                };
                out.push_str(&format!(
                    "{} {} other job(s) ok{when} (--all-jobs lists them)\n",
                    Mark::Ok.symbol(),
                    hidden.len()
                ));
            }
            if failing > 0 {
                out.push_str(&format!(
                    "{} {failing} job(s) failing or never succeeded; job log lines carry no job name, so the table is the place to look\n",
                    Mark::Warning.symbol()
                ));
            }
        }
        (None, Some(why)) => out.push_str(&format!("\njobs: {}\n", render::shown(why))),
        (None, None) => {}
    }
    out
}

fn time_cell(t: Option<&str>, reference: OffsetDateTime, ui: &Ui) -> String {
    match t {
        None => "never".into(),
        Some(s) => match parse_rfc3339(s) {
            Ok(t) => ui.when(t, reference),
            Err(_) => render::shown(s).into_owned(),
        },
    }
}
