//! Restart and verify: the service's containers restarted, then proven running, healthy if
//! they can say so, steady (no restart during the settle time), and for the runner, optionally,
//! a heartbeat written after the restart.

use std::time::{Duration, Instant};

use anyhow::Result;

use crate::api::Client;
use crate::api::jobs::runner_interval;
use crate::api::readiness::{Heartbeat, HeartbeatClass};
use crate::docker::Engine;
use crate::docker::compose::{self, Container};
use crate::render::Ui;

/// Docker's default grace before SIGKILL; the runner ignores SIGTERM (docs/app-contract.md §13).
pub const DEFAULT_STOP_TIMEOUT: u32 = 10;
/// How long the restart count must hold still.
pub const DEFAULT_SETTLE: Duration = Duration::from_secs(3);
/// How long a container may take to be running again, and healthy when it has a healthcheck.
const UP_LIMIT: Duration = Duration::from_secs(60);

#[derive(Clone, Debug)]
pub struct Options {
    pub service: String,
    /// Seconds between SIGTERM and SIGKILL.
    pub stop_timeout: u32,
    /// Also wait for a heartbeat written after the restart (the jobs service only).
    pub wait_heartbeat: bool,
    /// How long to wait for it; default the threshold plus one loop.
    pub wait_limit: Option<Duration>,
    pub settle: Duration,
}

impl Options {
    pub fn new(service: &str) -> Options {
        Options {
            service: service.to_string(),
            stop_timeout: DEFAULT_STOP_TIMEOUT,
            wait_heartbeat: false,
            wait_limit: None,
            settle: DEFAULT_SETTLE,
        }
    }
}

/// What a restart will touch, before it does.
pub struct Plan {
    pub project: String,
    pub containers: Vec<Container>,
    /// The engine calls, as a dry run shows them.
    pub requests: Vec<String>,
}

pub async fn plan(engine: &Engine, project: &str, opts: &Options) -> Result<Plan> {
    let containers = compose::require_service(engine, project, &opts.service).await?;
    let requests = containers
        .iter()
        .map(|c| {
            format!(
                "POST {}/containers/{}/restart?t={}",
                engine.target.host, c.id, opts.stop_timeout
            )
        })
        .collect();
    Ok(Plan {
        project: project.to_string(),
        containers,
        requests,
    })
}

/// One verification: whether it held, in a sentence, and the container as last seen.
#[derive(Clone, Debug)]
pub struct Check {
    pub ok: bool,
    pub what: String,
    pub container: Option<Container>,
}

pub struct Report {
    pub restarted: Vec<Container>,
    pub checks: Vec<Check>,
    pub heartbeat: Option<Heartbeat>,
    /// A heartbeat wait was asked for another service than jobs: not done.
    pub heartbeat_skipped: bool,
    pub verified: bool,
}

/// Restart the plan's containers and verify them. `client` reads the heartbeat (when asked);
/// `ui` carries only the waiting spinner; `on_restarted` hears of each container as the engine
/// answers for it (a restart takes up to the stop grace each).
pub async fn run(
    engine: &Engine,
    client: Result<Client>,
    threshold_seconds: u64,
    ui: &Ui,
    plan: &Plan,
    opts: &Options,
    mut on_restarted: impl FnMut(&Container),
) -> Result<Report> {
    // The engine answers the restart only once the container has stopped and started again:
    // its call must be allowed longer than the stop grace.
    let slow = engine.with_timeout(Duration::from_secs(u64::from(opts.stop_timeout) + 30));
    let restarted_at = Instant::now();
    for c in &plan.containers {
        let restart = bollard::query_parameters::RestartContainerOptions {
            t: Some(opts.stop_timeout as i32),
            signal: None,
        };
        let action = crate::audit::start(
            "restart",
            &format!(
                "{}/{} ({}) on {}",
                plan.project,
                c.name,
                c.short_id,
                engine.target.label()
            ),
        );
        let result = slow
            .call(
                "restart",
                slow.docker().restart_container(&c.id, Some(restart)),
            )
            .await;
        match &result {
            Ok(()) => action.end("ok", format!("stop grace {}s", opts.stop_timeout)),
            Err(e) => action.end("failed", format!("{e:#}")),
        }
        result?;
        on_restarted(c);
    }

    let mut checks = Vec::new();
    for c in &plan.containers {
        checks.push(verify_container(engine, &plan.project, c, opts.settle).await?);
    }
    let mut heartbeat = None;
    let heartbeat_skipped = opts.wait_heartbeat && opts.service != "jobs";
    if opts.wait_heartbeat && !heartbeat_skipped {
        let interval = plan
            .containers
            .first()
            .map(|c| runner_interval(&c.command))
            .unwrap_or(60);
        let limit = opts
            .wait_limit
            .unwrap_or(Duration::from_secs(threshold_seconds + interval));
        let (check, hb) = wait_heartbeat(client, ui, limit, restarted_at).await;
        checks.push(check);
        heartbeat = hb;
    }
    let verified = checks.iter().all(|c| c.ok);
    crate::audit::event(
        "verify",
        &format!("{}/{}", plan.project, opts.service),
        if verified { "ok" } else { "failed" },
        &checks
            .iter()
            .map(|c| c.what.as_str())
            .collect::<Vec<_>>()
            .join("; "),
    );
    Ok(Report {
        restarted: plan.containers.clone(),
        checks,
        heartbeat,
        heartbeat_skipped,
        verified,
    })
}

/// Wait for the container to run (and be healthy), then watch its restart count for `settle`.
async fn verify_container(
    engine: &Engine,
    project: &str,
    before: &Container,
    settle: Duration,
) -> Result<Check> {
    let deadline = Instant::now() + UP_LIMIT;
    let find = || async {
        let now_list = compose::service_containers(engine, project, &before.service).await?;
        anyhow::Ok(now_list.into_iter().find(|c| c.id == before.id))
    };
    let check = |ok: bool, what: String, container: Option<Container>| Check {
        ok,
        what,
        container,
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
        return Ok(check(
            false,
            format!("{} disappeared after the restart", before.name),
            None,
        ));
    };
    let now = crate::clock::now()?;
    if !c.running || c.restarting {
        let what = format!("{} is not running: {}", c.name, c.summary(now));
        return Ok(check(false, what, Some(c)));
    }
    if let Some(h) = c.health.as_deref().filter(|h| *h != "healthy") {
        let what = format!("{} runs but its healthcheck says {h}", c.name);
        return Ok(check(false, what, Some(c)));
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
        let what = format!(
            "{} running{health}, restart count steady at {} for {}",
            c.name,
            c.restart_count,
            crate::clock::human(settle.as_secs_f64())
        );
        Ok(check(true, what, Some(c)))
    } else {
        let what = format!(
            "{} did not stay up: {}",
            c.name,
            c.summary(crate::clock::now()?)
        );
        Ok(check(false, what, Some(c)))
    }
}

/// Wait until `/readyz` shows a heartbeat written after the restart.
async fn wait_heartbeat(
    client: Result<Client>,
    ui: &Ui,
    limit: Duration,
    restarted_at: Instant,
) -> (Check, Option<Heartbeat>) {
    let failed = |what: String| Check {
        ok: false,
        what,
        container: None,
    };
    let client = match client {
        Ok(c) => c,
        Err(e) => return (failed(format!("heartbeat not checked: {e:#}")), None),
    };
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
        ui,
        limit,
        Duration::from_secs(1),
        "a heartbeat from the restarted runner",
        fresh_since_restart,
        |s| crate::render::shown(&classify(s).reading()).into_owned(),
    )
    .await
    {
        Ok((snap, waited)) => {
            let hb = classify(&snap);
            let what = format!(
                "fresh heartbeat after {} (runner {})",
                crate::clock::human(waited.as_secs_f64()),
                hb.runner_id.clone().unwrap_or_else(|| "?".into())
            );
            (
                Check {
                    ok: true,
                    what,
                    container: None,
                },
                Some(hb),
            )
        }
        Err(e) => (failed(format!("{e:#}")), None),
    }
}
