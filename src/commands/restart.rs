//! `cleanops restart [SERVICE]`: restart, then verify that it runs, is healthy if it can say so,
//! stays up, and (for jobs, with --wait-heartbeat) that the runner heartbeats again.

use std::time::{Duration, Instant};

use anyhow::Result;
use serde_json::json;

use super::Ctx;
use crate::api::jobs::runner_interval;
use crate::api::readiness::{Heartbeat, HeartbeatClass};
use crate::cli::RestartArgs;
use crate::confirm::confirm;
use crate::docker::compose::{self, Container};
use crate::error::Exit;
use crate::render::{self, Mark};

/// The most characters of one verification line shown to a person: cleanops' sentence around
/// the engine's and the server's strings (names, states, errors), escaped and bounded.
const MAX_LINE: usize = 1000;

/// How long a container may take to be running again, and healthy when it has a healthcheck.
const UP_LIMIT: Duration = Duration::from_secs(60);

pub async fn run(ctx: &Ctx, args: &RestartArgs) -> Result<Exit> {
    let engine = ctx.engine().await?;
    let project = ctx.settings.project_name.value.clone();
    let containers = compose::require_service(&engine, &project, &args.service).await?;
    let calls: Vec<String> = containers
        .iter()
        .map(|c| {
            format!(
                "POST {}/containers/{}/restart?t={}",
                engine.target.host, c.id, args.stop_timeout
            )
        })
        .collect();
    if args.mutate.dry_run && ctx.ui.json {
        render::json(
            &json!({"dry_run": true, "service": args.service, "project": project, "requests": calls}),
        );
        return Ok(Exit::Ok);
    }
    if args.mutate.dry_run {
        render::out(&format!(
            "would restart {} of project {project}:\n{}",
            args.service,
            calls
                .iter()
                .map(|c| format!("  {}", render::shown_max(c, MAX_LINE)))
                .collect::<Vec<_>>()
                .join("\n")
        ));
        return Ok(Exit::Ok);
    }
    let names: Vec<String> = containers
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

    // The engine answers the restart only once the container has stopped and started again:
    // its call must be allowed longer than the stop grace.
    let slow = engine.with_timeout(Duration::from_secs(u64::from(args.stop_timeout) + 30));
    let restarted_at = Instant::now();
    for c in &containers {
        let opts = bollard::query_parameters::RestartContainerOptions {
            t: Some(args.stop_timeout as i32),
            signal: None,
        };
        let action = crate::audit::start(
            "restart",
            &format!(
                "{project}/{} ({}) on {}",
                c.name,
                c.short_id,
                engine.target.label()
            ),
        );
        let result = slow
            .call(
                "restart",
                slow.docker().restart_container(&c.id, Some(opts)),
            )
            .await;
        match &result {
            Ok(()) => action.end("ok", format!("stop grace {}s", args.stop_timeout)),
            Err(e) => action.end("failed", format!("{e:#}")),
        }
        result?;
        if !ctx.ui.json {
            eprintln!(
                "restarted {} ({})",
                render::shown(&c.name),
                render::shown(&c.short_id)
            );
        }
    }

    // Verify: running, healthy if it has a healthcheck, restart count holding still.
    let mut verified = true;
    let mut checks = Vec::new();
    for c in &containers {
        let (ok, line, state) = verify_container(&engine, &project, c, args.settle).await?;
        verified &= ok;
        checks.push((ok, line, state));
    }

    let mut heartbeat = None;
    if args.wait_heartbeat {
        if args.service != "jobs" {
            render::warn("--wait-heartbeat is for the jobs service; skipped");
        } else {
            let interval = containers
                .first()
                .map(|c| runner_interval(&c.command))
                .unwrap_or(60);
            let (ok, line, hb) = wait_heartbeat(ctx, args, interval, restarted_at).await;
            verified &= ok;
            checks.push((ok, line, None));
            heartbeat = hb;
        }
    }

    let exit = if verified { Exit::Ok } else { Exit::Unhealthy };
    crate::audit::event(
        "verify",
        &format!("{project}/{}", args.service),
        if verified { "ok" } else { "failed" },
        &checks
            .iter()
            .map(|(_, line, _)| line.as_str())
            .collect::<Vec<_>>()
            .join("; "),
    );
    if ctx.ui.json {
        render::json(&json!({
            "service": args.service,
            "project": project,
            "restarted": containers.iter().map(|c| &c.name).collect::<Vec<_>>(),
            "verified": verified,
            "checks": checks.iter().map(|(ok, line, state)| json!({"ok": ok, "what": line, "container": state})).collect::<Vec<_>>(),
            "heartbeat": heartbeat,
        }));
    } else {
        let mut out = String::new();
        for (ok, line, _) in &checks {
            let mark = if *ok { Mark::Ok } else { Mark::Failed };
            out.push_str(&format!(
                "{} {}\n",
                mark.symbol(),
                mark.paint(&render::shown_max(line, MAX_LINE))
            ));
        }
        if verified {
            out.push_str(&format!(
                "{} restart of {} verified\n",
                Mark::Ok.symbol(),
                args.service
            ));
        } else {
            out.push_str(&render::next_command(&format!(
                "cleanops logs {} --tail 200",
                args.service
            )));
            out.push('\n');
        }
        render::out(&out);
    }
    Ok(exit)
}

/// Wait for the container to run (and be healthy), then watch its restart count for `settle`.
async fn verify_container(
    engine: &crate::docker::Engine,
    project: &str,
    before: &Container,
    settle: Duration,
) -> Result<(bool, String, Option<Container>)> {
    let deadline = Instant::now() + UP_LIMIT;
    let find = || async {
        let now_list = compose::service_containers(engine, project, &before.service).await?;
        anyhow::Ok(now_list.into_iter().find(|c| c.id == before.id))
    };
    let mut current = find().await?;
    loop {
        let up = current.as_ref().is_some_and(|c| {
            c.running && !c.restarting && c.health.as_deref().is_none_or(|h| h == "healthy")
        });
        if up || Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
        current = find().await?;
    }
    let Some(c) = current else {
        return Ok((
            false,
            format!("{} disappeared after the restart", before.name),
            None,
        ));
    };
    let now = crate::clock::now()?;
    if !c.running || c.restarting {
        return Ok((
            false,
            format!("{} is not running: {}", c.name, c.summary(now)),
            Some(c),
        ));
    }
    if let Some(h) = c.health.as_deref().filter(|h| *h != "healthy") {
        return Ok((
            false,
            format!("{} runs but its healthcheck says {h}", c.name),
            Some(c),
        ));
    }
    // Stable: the restart count holds still and it keeps running for a few seconds.
    tokio::time::sleep(settle).await;
    let after = find().await?;
    let stable = after
        .as_ref()
        .is_some_and(|a| a.running && a.restart_count == c.restart_count);
    let c = after.unwrap_or(c);
    if stable {
        let health = c
            .health
            .as_deref()
            .map(|h| format!(", {h}"))
            .unwrap_or_default();
        Ok((
            true,
            format!(
                "{} running{health}, restart count steady at {} for {}",
                c.name,
                c.restart_count,
                crate::clock::human(settle.as_secs_f64())
            ),
            Some(c),
        ))
    } else {
        Ok((
            false,
            format!(
                "{} did not stay up: {}",
                c.name,
                c.summary(crate::clock::now()?)
            ),
            Some(c),
        ))
    }
}

/// Wait until `/readyz` shows a heartbeat written after the restart.
async fn wait_heartbeat(
    ctx: &Ctx,
    args: &RestartArgs,
    interval: u64,
    restarted_at: Instant,
) -> (bool, String, Option<Heartbeat>) {
    let client = match ctx.client() {
        Ok(c) => c,
        Err(e) => return (false, format!("heartbeat not checked: {e:#}"), None),
    };
    // The runner writes its heartbeat at the end of a loop: allow the threshold plus one loop.
    let threshold = ctx.settings.heartbeat_threshold();
    let limit = args
        .wait_limit
        .unwrap_or(Duration::from_secs(threshold + interval));
    let classify = |s: &crate::api::client::ReadySnapshot| {
        s.readiness
            .check("jobs")
            .map(|c| Heartbeat::from_check(c, None))
            .unwrap_or_else(Heartbeat::absent)
    };
    // Fresh *and* younger than the restart: an old heartbeat that happens to be recent must not count.
    let fresh_since_restart = |s: &crate::api::client::ReadySnapshot| {
        let hb = classify(s);
        hb.class == HeartbeatClass::Fresh
            && hb
                .age_seconds
                .is_some_and(|age| age <= restarted_at.elapsed().as_secs_f64())
    };
    match crate::wait::until(
        &client,
        &ctx.ui,
        limit,
        Duration::from_secs(1),
        "a heartbeat from the restarted runner",
        fresh_since_restart,
        |s| render::shown(&classify(s).reading()).into_owned(),
    )
    .await
    {
        Ok((snap, waited)) => {
            let hb = classify(&snap);
            (
                true,
                format!(
                    "fresh heartbeat after {} (runner {})",
                    crate::clock::human(waited.as_secs_f64()),
                    hb.runner_id.clone().unwrap_or_else(|| "?".into())
                ),
                Some(hb),
            )
        }
        Err(e) => (false, format!("{e:#}"), None),
    }
}
