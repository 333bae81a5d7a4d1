//! `cleanops status`: every `/readyz` check, read on 200 and 503.

use std::time::Duration;

use anyhow::Result;
use serde_json::{Value, json};

use super::Ctx;
use crate::api::client::ReadySnapshot;
use crate::api::readiness::{Heartbeat, HeartbeatClass, reading};
use crate::cli::StatusArgs;
use crate::docker::Engine;
use crate::docker::compose::{self, ServiceState, WATCHED_SERVICES};
use crate::error::{Exit, exit_of};
use crate::render::{self, Fit, Mark, Ui};

/// How long `--wait-ready` waits when no `--timeout` is given: the heartbeat threshold (3 min)
/// plus a loop of the runner and some slack.
const DEFAULT_WAIT: Duration = Duration::from_secs(300);

pub async fn run(ctx: &Ctx, args: &StatusArgs) -> Result<Exit> {
    let client = ctx.client()?;
    let api_half = async {
        if args.wait_ready {
            let limit = args.timeout.timeout.unwrap_or(DEFAULT_WAIT);
            crate::wait::until(
                &client,
                &ctx.ui,
                limit,
                args.interval,
                "/readyz to be ready",
                |s| s.readiness.ok,
                one_line,
            )
            .await
            .map(|(snap, waited)| (snap, Some(waited)))
        } else {
            client.readiness().await.map(|snap| (snap, None))
        }
    };
    let engine_half = async {
        if args.api_only {
            return None;
        }
        let engine = match ctx.engine().await {
            Ok(e) => e,
            Err(e) => return Some(Err(e)),
        };
        let project = ctx.settings.project_name.value.clone();
        Some(
            compose::overview(&engine, &project, &WATCHED_SERVICES)
                .await
                .map(|services| (engine, services)),
        )
    };
    // Independent halves: ask both at once; either may fail and the other still prints.
    let (api, mut containers) = tokio::join!(api_half, engine_half);
    // A runner that has written a heartbeat since its current start has recovered: its
    // restarts are history, not a crash loop (the same judgement as `diagnose`).
    if let (Ok((snap, _)), Some(Ok((_, services)))) = (&api, containers.as_mut()) {
        let fresh = snap.readiness.check("jobs").and_then(|c| {
            crate::checks::heartbeat::fresh_time(&crate::api::readiness::Heartbeat::from_check(
                c, None,
            ))
        });
        for c in services
            .iter_mut()
            .filter(|s| s.service == "jobs")
            .flat_map(|s| s.containers.iter_mut())
        {
            c.judge_recovery(fresh);
        }
    }
    let api = match (api, &containers) {
        // Nothing else to show: the API's failure is the answer.
        (Err(e), None) => return Err(e),
        (api, _) => api,
    };
    // A failed half is said on stderr, like every error; stdout keeps what was read.
    if let Err(e) = &api {
        crate::report_error(e);
    }
    if let Some(Err(e)) = &containers {
        crate::report_error(e);
    }

    let mut exit = match &api {
        Ok((snap, _)) if snap.readiness.ok => Exit::Ok,
        Ok(_) => Exit::Unhealthy,
        Err(e) => exit_of(e),
    };
    match &containers {
        Some(Ok((_, services))) if services.iter().any(ServiceState::is_problem) => {
            exit = exit.worst(Exit::Unhealthy)
        }
        Some(Err(e)) => exit = exit.worst(exit_of(e)),
        _ => {}
    }
    let now = crate::clock::now()?;
    if ctx.ui.json {
        let mut doc = match &api {
            Ok((snap, waited)) => to_json(snap, client.base_url().as_str(), *waited),
            Err(e) => json!({"ready": null, "api_error": format!("{e:#}")}),
        };
        doc["containers"] = match &containers {
            None => Value::Null,
            Some(Ok((engine, services))) => json!({
                "engine": {"host": engine.target.host, "context": engine.target.context, "version": engine.server_version},
                "project": ctx.settings.project_name.value,
                "services": services,
            }),
            Some(Err(e)) => json!({"error": format!("{e:#}")}),
        };
        doc["exit_code"] = json!(exit.code());
        render::json(&doc);
        return Ok(exit);
    }
    let mut out = String::new();
    if let Ok((snap, _)) = &api {
        out.push_str(&screen(snap, client.base_url().as_str(), &ctx.ui));
    }
    if let Some(Ok((engine, services))) = &containers {
        out.push_str(&containers_screen(ctx, engine, services, now));
    }
    if !out.is_empty() {
        render::out(&out);
    }
    Ok(exit)
}

fn containers_screen(
    ctx: &Ctx,
    engine: &Engine,
    services: &[ServiceState],
    now: time::OffsetDateTime,
) -> String {
    let mut out = format!(
        "\ncontainers of project {} on {} (engine {})\n",
        ctx.settings.project_name.value,
        engine.target.label(),
        render::shown(&engine.server_version)
    );
    let mut table = ctx.ui.table(&[
        ("", Fit::Keep),
        ("SERVICE", Fit::Keep),
        ("CONTAINER", Fit::Keep),
        ("STATE", Fit::Shorten),
    ]);
    let mut next = Vec::new();
    for s in services {
        if s.containers.is_empty() {
            table.add_row([
                Mark::Failed.symbol(),
                render::shown(&s.service).into_owned(),
                "-".into(),
                Mark::Failed.paint("no container (not created, or removed)"),
            ]);
            next.push(format!(
                "{} up -d {}",
                crate::docker::compose::cli(),
                render::shown(&s.service)
            ));
        }
        for c in &s.containers {
            let mark = if c.is_problem() {
                Mark::Failed
            } else {
                Mark::Ok
            };
            table.add_row([
                mark.symbol(),
                render::shown(&s.service).into_owned(),
                render::shown(&c.name).into_owned(),
                mark.paint(&render::shown(&c.summary(now))),
            ]);
            if c.crash_loop {
                next.push(format!(
                    "cleanops logs {} --tail 100   # why it keeps dying",
                    render::shown(&s.service)
                ));
            } else if !c.running {
                next.push(format!("cleanops restart {}", render::shown(&s.service)));
            }
        }
    }
    out.push_str(&table.to_string());
    out.push('\n');
    for n in next {
        out.push_str(&ctx.ui.next_command(&n));
        out.push('\n');
    }
    out
}

/// "not ready: jobs (job heartbeat stale: ...)".
fn one_line(snap: &ReadySnapshot) -> String {
    let failing: Vec<String> = snap
        .readiness
        .checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| {
            format!(
                "{} ({})",
                render::shown(&c.name),
                render::shown(&reading(c))
            )
        })
        .collect();
    if failing.is_empty() {
        "ready".into()
    } else {
        format!("not ready: {}", failing.join(", "))
    }
}

pub fn to_json(snap: &ReadySnapshot, base: &str, waited: Option<Duration>) -> serde_json::Value {
    let r = &snap.readiness;
    json!({
        "url": format!("{}readyz", base),
        "ready": r.ok,
        "http_status": snap.http_status,
        "latency_seconds": snap.latency.as_secs_f64(),
        "legacy_shape": r.legacy_shape,
        "waited_seconds": waited.map(|w| w.as_secs_f64()),
        "checks": r.checks.iter().map(|c| json!({
            "name": c.name,
            "ok": c.ok,
            "ms": c.ms,
            "reading": reading(c),
            "detail": c.detail,
        })).collect::<Vec<_>>(),
    })
}

fn screen(snap: &ReadySnapshot, base: &str, ui: &Ui) -> String {
    let r = &snap.readiness;
    let (mark, verdict) = if r.ok {
        (Mark::Ok, "ready")
    } else {
        (Mark::Failed, "not ready")
    };
    let mut out = format!(
        "{} {}  {}readyz → {} ({} ms)\n",
        mark.symbol(),
        mark.paint(verdict),
        base,
        snap.http_status,
        snap.latency.as_millis()
    );
    if r.legacy_shape {
        out.push_str("  (the server answered the older {status, database, jobs} shape)\n");
    }
    let mut table = ui.table(&[
        ("", Fit::Keep),
        ("CHECK", Fit::Keep),
        ("MS", Fit::Keep),
        ("READING", Fit::Shorten),
    ]);
    for c in &r.checks {
        let mark = if c.ok { Mark::Ok } else { Mark::Failed };
        table.add_row([
            mark.symbol(),
            render::shown(&c.name).into_owned(),
            c.ms.map(|ms| format!("{ms:.2}"))
                .unwrap_or_else(|| "-".into()),
            mark.paint(&render::shown(&reading(c))),
        ]);
    }
    out.push_str(&table.to_string());
    out.push('\n');
    for step in next_steps(snap) {
        out.push_str(&ui.next_command(&step));
        out.push('\n');
    }
    out
}

/// The next command for what is failing.
fn next_steps(snap: &ReadySnapshot) -> Vec<String> {
    let r = &snap.readiness;
    let mut steps = Vec::new();
    if r.check("db").is_some_and(|c| !c.ok) {
        steps.push("cleanops db-check --via db   # the database is failing: the runner cannot write its heartbeat either".into());
    } else if let Some(jobs) = r.check("jobs").filter(|c| !c.ok) {
        let hb = Heartbeat::from_check(jobs, None);
        match hb.class {
            HeartbeatClass::Missing | HeartbeatClass::Stale | HeartbeatClass::Failed => {
                steps.push("cleanops diagnose".into())
            }
            _ => {}
        }
    }
    if r.check("migrations").is_some_and(|c| !c.ok) && r.check("db").is_some_and(|c| c.ok) {
        steps.push(format!(
            "{} exec api alembic upgrade head   # migrations pending",
            crate::docker::compose::cli()
        ));
    }
    steps
}
