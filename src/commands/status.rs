//! `cleanops status`: every `/readyz` check, read on 200 and 503.

use std::time::Duration;

use anyhow::Result;
use serde_json::json;

use super::Ctx;
use crate::api::client::ReadySnapshot;
use crate::api::readiness::{Heartbeat, HeartbeatClass, reading};
use crate::cli::StatusArgs;
use crate::error::Exit;
use crate::render::{self, Mark, Ui};

/// How long `--wait-ready` waits when no `--timeout` is given: the heartbeat threshold (3 min)
/// plus a loop of the runner and some slack.
const DEFAULT_WAIT: Duration = Duration::from_secs(300);

pub async fn run(ctx: &Ctx, args: &StatusArgs) -> Result<Exit> {
    let client = ctx.client()?;
    let (snap, waited) = if args.wait_ready {
        let limit = args.timeout.timeout.unwrap_or(DEFAULT_WAIT);
        let (snap, waited) = crate::wait::until(
            &client,
            &ctx.ui,
            limit,
            args.interval,
            "/readyz to be ready",
            |s| s.readiness.ok,
            one_line,
        )
        .await?;
        (snap, Some(waited))
    } else {
        (client.readiness().await?, None)
    };
    let exit = if snap.readiness.ok {
        Exit::Ok
    } else {
        Exit::Unhealthy
    };
    if ctx.ui.json {
        render::json(&to_json(&snap, client.base_url().as_str(), waited));
    } else {
        render::out(&screen(&snap, client.base_url().as_str(), &ctx.ui));
    }
    Ok(exit)
}

/// "not ready: jobs (job heartbeat stale: ...)".
fn one_line(snap: &ReadySnapshot) -> String {
    let failing: Vec<String> = snap
        .readiness
        .checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| format!("{} ({})", c.name, reading(c)))
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
    let mut table = ui.table();
    table.set_header(["", "CHECK", "MS", "READING"]);
    for c in &r.checks {
        let mark = if c.ok { Mark::Ok } else { Mark::Failed };
        table.add_row([
            mark.symbol(),
            c.name.clone(),
            c.ms.map(|ms| format!("{ms:.2}"))
                .unwrap_or_else(|| "-".into()),
            mark.paint(&reading(c)),
        ]);
    }
    out.push_str(&table.to_string());
    out.push('\n');
    for step in next_steps(snap) {
        out.push_str(&render::next_command(&step));
        out.push('\n');
    }
    out
}

/// The next command for what is failing.
fn next_steps(snap: &ReadySnapshot) -> Vec<String> {
    let r = &snap.readiness;
    let mut steps = Vec::new();
    if r.check("db").is_some_and(|c| !c.ok) {
        steps.push("cleanops heartbeat   # the database is failing: the runner cannot write its heartbeat either".into());
    } else if let Some(jobs) = r.check("jobs").filter(|c| !c.ok) {
        let hb = Heartbeat::from_check(jobs, None);
        match hb.class {
            HeartbeatClass::Missing | HeartbeatClass::Stale | HeartbeatClass::Failed => {
                steps.push("cleanops heartbeat".into())
            }
            _ => {}
        }
    }
    if r.check("migrations").is_some_and(|c| !c.ok) && r.check("db").is_some_and(|c| c.ok) {
        steps.push("docker compose exec api alembic upgrade head   # migrations pending".into());
    }
    steps
}
