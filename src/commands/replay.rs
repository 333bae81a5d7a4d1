//! `cleanops replay`: drain the dead-letter queue safely — only dead events, paced under the
//! app's limit, one idempotency key per event, a journal that survives a crash.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use super::Ctx;
use crate::api::Client;
use crate::api::replay::{BatchAnswer, EventKind};
use crate::cli::{ReplayArgs, ReplayKind};
use crate::clock::{self, human};
use crate::confirm::confirm;
use crate::error::{Exit, Failure};
use crate::render::{self, Mark};
use crate::replay::journal::{self, Disposition, Journal, Record, RunState, Target};
use crate::replay::{self as rp, EventResult, Filters, Pacer, Runner, Stop};

/// The app's per-org replay limit by default (ADMIN_ACTION_RATE_LIMIT_PER_MINUTE).
const APP_ACTION_LIMIT: u32 = 5;
/// The app's per-IP limit on every non-health request.
const APP_GLOBAL_LIMIT: u32 = 30;

fn kind_of(k: Option<ReplayKind>) -> Option<EventKind> {
    k.map(|k| match k {
        ReplayKind::Outbox => EventKind::Outbox,
        ReplayKind::Export => EventKind::Export,
    })
}

pub async fn run(ctx: &Ctx, args: &ReplayArgs) -> Result<Exit> {
    if args.list_runs {
        return list_runs(ctx);
    }
    if args.rate == Some(0) {
        return Err(Failure::usage("--rate must be at least 1 a minute").into());
    }
    // Ids go into a URL path: only what an event id can be (a UUID, or the app's String(36)).
    if let Some(bad) = args.ids.iter().find(|id| {
        id.is_empty()
            || id.len() > 64
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    }) {
        return Err(Failure::usage(format!(
            "{bad:?} is not an event id (cleanops dlq lists them)"
        ))
        .into());
    }
    let client = ctx.client()?;
    if args.batch {
        return batch(ctx, args, &client).await;
    }
    let now = clock::now()?;
    let kind = kind_of(args.kind);

    // Fix the set up front, so the run ends even when replayed events die again.
    let (run_id, targets, skipped, resumed) = if let Some(run_id) = &args.resume {
        let state = journal::read(&Journal::path_of(run_id)?)?;
        if state.api_url != ctx.settings.api_url.value {
            return Err(Failure::usage(format!(
                "run {run_id} replayed against {}, not {}: point --api-url at the same API to resume it",
                state.api_url, ctx.settings.api_url.value
            ))
            .into());
        }
        let (targets, skipped) = resume_targets(&client, &state, args.force || state.force).await?;
        (state.run_id.clone(), targets, skipped, Some(state))
    } else if args.from_dlq || !args.ids.is_empty() {
        let listing = rp::dead_now(&client, if args.ids.is_empty() { kind } else { None }).await?;
        for u in &listing.unlisted {
            render::warn(&format!(
                "{} events could not be listed: {}",
                u.kind, u.reason
            ));
        }
        let (targets, skipped) = if args.from_dlq {
            let filters = Filters {
                kind,
                event_type: args.event_type.clone(),
                error: args.error.clone(),
                older_than: args.older_than,
                limit: args.limit,
            };
            (rp::select_from(&listing, &filters, now), Vec::new())
        } else {
            rp::select_ids(&listing, &args.ids, args.force, kind)
        };
        (rp::new_run_id(now), targets, skipped, None)
    } else {
        return Err(Failure::usage("what to replay? name event ids, or --from-dlq, --resume RUN_ID or --batch")
            .hint("cleanops dlq lists the dead events; cleanops replay --from-dlq --dry-run shows what would be replayed")
            .into());
    };

    for (id, why) in &skipped {
        render::warn(&format!("skipping {id}: {why}"));
    }
    if targets.is_empty() {
        if ctx.ui.json {
            render::json(
                &json!({"run_id": run_id, "targets": 0, "skipped": skipped_json(&skipped), "results": []}),
            );
        } else {
            render::out("nothing to replay");
        }
        return Ok(if skipped.is_empty() {
            Exit::Ok
        } else {
            Exit::Unhealthy
        });
    }
    // A resumed run keeps its pace unless told otherwise.
    let rate = args
        .rate
        .or(resumed.as_ref().map(|r| r.rate_per_minute))
        .unwrap_or(APP_ACTION_LIMIT);
    let pacer = Pacer::new(rate);
    if rate > APP_ACTION_LIMIT {
        render::warn(&format!(
            "--rate {rate} is above the app's default of {APP_ACTION_LIMIT} replays a minute per org (shared by every operator): expect 429s unless ADMIN_ACTION_RATE_LIMIT_PER_MINUTE was raised"
        ));
    }
    if rate > APP_GLOBAL_LIMIT {
        render::warn(&format!(
            "--rate {rate} is above the app's {APP_GLOBAL_LIMIT} requests a minute per IP"
        ));
    }
    if args.force {
        render::warn(
            "--force: events that are not dead are replayed too, and the app resets any event: a sent one is sent again",
        );
    }
    let eta = pacer.spacing() * targets.len().saturating_sub(1) as u32;
    let plan = plan_text(&targets, &run_id, resumed.is_some(), eta, rate);

    if args.mutate.dry_run {
        let mut out = plan;
        out.push_str("\nwould POST (no journal is written in a dry run):\n");
        for t in &targets {
            out.push_str(&format!(
                "  POST {}{}\n    Authorization: Basic ********  Idempotency-Key: {}  X-Correlation-ID: {}\n",
                ctx.settings.api_url.value,
                t.kind.path(&t.id),
                rp::key(&run_id, &t.id),
                rp::correlation(&run_id)
            ));
        }
        render::out(&out);
        return Ok(Exit::Ok);
    }
    if !ctx.ui.json {
        eprint!("{plan}");
    }
    confirm(
        &ctx.ui,
        &args.mutate,
        &format!("Replay {} event(s)?", targets.len()),
    )?;

    let mut journal = match &resumed {
        Some(_) => Journal::reopen(&run_id)?,
        None => Journal::create(
            &run_id,
            &Record::Run {
                run_id: run_id.clone(),
                started_at: clock::rfc3339(now),
                api_url: ctx.settings.api_url.value.clone(),
                correlation_id: rp::correlation(&run_id),
                rate_per_minute: rate,
                force: args.force,
                targets: targets.clone(),
            },
        )?,
    };
    eprintln!("run {run_id}: journal {}", journal.path.display());

    // Ctrl-C: finish the request in hand, then stop with a resumable journal.
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            flag.store(true, Ordering::Relaxed);
            eprintln!("\nstopping after the current request…");
        }
    });
    let bar = ctx.ui.stderr_tty.then(|| {
        let b = ProgressBar::new(targets.len() as u64);
        b.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} replayed · ETA {eta} · {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    });
    let mut on_event = |r: &EventResult| {
        if let Some(b) = &bar {
            b.inc(1);
            b.set_message(format!(
                "{} {:?}",
                r.id.chars().take(8).collect::<String>(),
                r.result
            ));
        }
    };
    let mut runner = Runner {
        client: &client,
        journal: &mut journal,
        run_id: run_id.clone(),
        pacer,
        stop,
        on_event: &mut on_event,
    };
    let action = crate::audit::start(
        "replay",
        &format!("run {run_id} ({} event(s))", targets.len()),
    );
    let outcome = runner.run(&targets).await;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let (results, stopped) = match outcome {
        Ok(r) => (r, None),
        Err((r, s)) => (r, Some(s)),
    };
    journal.append(&Record::End {
        at: clock::rfc3339(time::OffsetDateTime::now_utc()),
        interrupted: stopped.is_some(),
    })?;
    let settled = results.iter().filter(|r| r.result.is_success()).count();
    action.end(
        if stopped.is_none() && settled == targets.len() {
            "ok"
        } else if stopped.is_some() {
            "interrupted"
        } else {
            "partial"
        },
        format!("{settled} of {} replayed", targets.len()),
    );
    let resume_hint = format!("cleanops replay --resume {run_id} --yes");
    match stopped {
        Some(Stop::Aborted(e)) => {
            return Err(e.context(format!(
                "replay run {run_id} stopped; resume with: {resume_hint}"
            )));
        }
        Some(Stop::Interrupted) => {
            report(ctx, &run_id, &journal, &targets, &results, &skipped, None);
            eprintln!(
                "interrupted: {} of {} done; resume with: {resume_hint}",
                results.len(),
                targets.len()
            );
            return Ok(Exit::Interrupted);
        }
        None => {}
    }
    let dead_again = if args.verify {
        Some(verify(ctx, &client, &results).await)
    } else {
        None
    };
    report(
        ctx,
        &run_id,
        &journal,
        &targets,
        &results,
        &skipped,
        dead_again.as_ref(),
    );
    let all_good = results
        .iter()
        .all(|r| r.result.is_success() || r.result == Disposition::Gone)
        && dead_again
            .as_ref()
            .is_none_or(|d| d.as_ref().is_ok_and(|ids| ids.is_empty()));
    Ok(if all_good { Exit::Ok } else { Exit::Unhealthy })
}

/// What a resumed run still has to do: events never settled. Those already posted are posted
/// again with their key (safe); those never posted are checked to be dead still.
async fn resume_targets(
    client: &Client,
    state: &RunState,
    force: bool,
) -> Result<(Vec<Target>, Vec<(String, String)>)> {
    let open: Vec<&Target> = state
        .targets
        .iter()
        .filter(|t| state.outcomes.get(&t.id).is_none_or(|(d, _)| !d.is_final()))
        .collect();
    let untouched = open
        .iter()
        .any(|t| !state.in_doubt.contains(&t.id) && !state.outcomes.contains_key(&t.id));
    let dead: Option<HashSet<String>> = if untouched && !force {
        let listing = rp::dead_now(client, None).await?;
        Some(listing.items.iter().map(|i| i.event_id.clone()).collect())
    } else {
        None
    };
    let mut targets = Vec::new();
    let mut skipped = Vec::new();
    for t in open {
        let posted = state.in_doubt.contains(&t.id) || state.outcomes.contains_key(&t.id);
        if posted || dead.as_ref().is_none_or(|d| d.contains(&t.id)) {
            targets.push(t.clone());
        } else {
            skipped.push((
                t.id.clone(),
                "no longer dead (replayed by someone else since?)".to_string(),
            ));
        }
    }
    Ok((targets, skipped))
}

fn plan_text(targets: &[Target], run_id: &str, resumed: bool, eta: Duration, rate: u32) -> String {
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for t in targets {
        let label = match &t.event_type {
            Some(e) => format!("{} {e}", t.kind.as_str()),
            None => t.kind.as_str().to_string(),
        };
        *kinds.entry(label).or_default() += 1;
    }
    let mut out = format!(
        "{} run {run_id}: {} event(s) to replay ({}), {rate} a minute, about {}\n",
        if resumed { "resuming" } else { "new" },
        targets.len(),
        kinds
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect::<Vec<_>>()
            .join(", "),
        human(eta.as_secs_f64())
    );
    for t in targets.iter().take(10) {
        out.push_str(&format!("  {} {}\n", t.kind.as_str(), t.id));
    }
    if targets.len() > 10 {
        out.push_str(&format!("  … and {} more\n", targets.len() - 10));
    }
    out
}

fn skipped_json(skipped: &[(String, String)]) -> serde_json::Value {
    json!(
        skipped
            .iter()
            .map(|(id, why)| json!({"id": id, "reason": why}))
            .collect::<Vec<_>>()
    )
}

fn report(
    ctx: &Ctx,
    run_id: &str,
    journal: &Journal,
    targets: &[Target],
    results: &[EventResult],
    skipped: &[(String, String)],
    dead_again: Option<&Result<Vec<String>, String>>,
) {
    let count = |d: Disposition| results.iter().filter(|r| r.result == d).count();
    if ctx.ui.json {
        render::json(&json!({
            "run_id": run_id,
            "journal": journal.path.display().to_string(),
            "targets": targets.len(),
            "replayed": count(Disposition::Replayed) + count(Disposition::AlreadyDone),
            "failed": count(Disposition::Failed),
            "not_recorded": count(Disposition::NotRecorded),
            "unknown": count(Disposition::Unknown),
            "gone": count(Disposition::Gone),
            "not_done": targets.len() - results.len(),
            "results": results,
            "skipped": skipped_json(skipped),
            "dead_again": dead_again.map(|d| match d {
                Ok(ids) => json!(ids),
                Err(e) => json!({"error": e}),
            }),
        }));
        return;
    }
    let mut out = String::new();
    let replayed = count(Disposition::Replayed) + count(Disposition::AlreadyDone);
    out.push_str(&format!(
        "{} replayed {replayed} of {}\n",
        Mark::Ok.symbol(),
        targets.len()
    ));
    for (d, mark, what) in [
        (Disposition::Gone, Mark::Warning, "gone (404), skipped"),
        (Disposition::Failed, Mark::Failed, "failed"),
        (
            Disposition::NotRecorded,
            Mark::Failed,
            "never recorded by the server",
        ),
        (
            Disposition::Unknown,
            Mark::Failed,
            "outcome unknown (resume to retry with the same key)",
        ),
    ] {
        let these: Vec<&EventResult> = results.iter().filter(|r| r.result == d).collect();
        if these.is_empty() {
            continue;
        }
        out.push_str(&format!("{} {} {what}\n", mark.symbol(), these.len()));
        for r in these.iter().take(20) {
            out.push_str(&format!("    {} {}: {}\n", r.kind.as_str(), r.id, r.detail));
        }
    }
    if !skipped.is_empty() {
        out.push_str(&format!(
            "{} {} skipped before posting\n",
            Mark::Warning.symbol(),
            skipped.len()
        ));
    }
    match dead_again {
        Some(Ok(ids)) if ids.is_empty() => out.push_str(&format!(
            "{} none of them is dead again after the runner's next loop\n",
            Mark::Ok.symbol()
        )),
        Some(Ok(ids)) => out.push_str(&format!(
            "{} {} dead again after the runner's next loop: {}\n",
            Mark::Failed.symbol(),
            ids.len(),
            ids.join(", ")
        )),
        Some(Err(e)) => out.push_str(&format!("{} not verified: {e}\n", Mark::Warning.symbol())),
        None => {}
    }
    out.push_str(&format!("journal: {}\n", journal.path.display()));
    if results.iter().any(|r| !r.result.is_final()) {
        out.push_str(&render::next_command(&format!(
            "cleanops replay --resume {run_id} --yes"
        )));
        out.push('\n');
    }
    render::out(&out);
}

/// Wait for the runner's next loop (a heartbeat newer than now), then see which replayed
/// outbox events are dead again.
async fn verify(
    ctx: &Ctx,
    client: &Client,
    results: &[EventResult],
) -> Result<Vec<String>, String> {
    let replayed: HashSet<&str> = results
        .iter()
        .filter(|r| r.result.is_success())
        .map(|r| r.id.as_str())
        .collect();
    let before = std::time::Instant::now();
    let threshold = ctx
        .settings
        .heartbeat_ttl
        .as_ref()
        .map(|t| t.value)
        .unwrap_or(180);
    let newer = |s: &crate::api::client::ReadySnapshot| {
        s.readiness
            .check("jobs")
            .and_then(|c| c.detail.get("age_seconds"))
            .and_then(|a| a.as_f64())
            .is_some_and(|age| age < before.elapsed().as_secs_f64())
    };
    crate::wait::until(
        client,
        &ctx.ui,
        Duration::from_secs(threshold + 60),
        Duration::from_secs(1),
        "the runner's next loop",
        newer,
        |_| "no new heartbeat yet".into(),
    )
    .await
    .map_err(|e| format!("{e:#}"))?;
    let listing = rp::dead_now(client, None)
        .await
        .map_err(|e| format!("{e:#}"))?;
    Ok(listing
        .items
        .iter()
        .filter(|i| replayed.contains(i.event_id.as_str()))
        .map(|i| i.event_id.clone())
        .collect())
}

async fn batch(ctx: &Ctx, args: &ReplayArgs, client: &Client) -> Result<Exit> {
    let limit = args.limit.unwrap_or(10);
    if !(1..=100).contains(&limit) {
        return Err(Failure::usage("--batch --limit takes 1 to 100 (the server's bounds)").into());
    }
    let run_id = rp::new_run_id(clock::now()?);
    let key = format!("cleanops-batch-{run_id}");
    let path = format!("/v1/admin/queue/dlq/replay?confirm=true&limit={limit}");
    if args.mutate.dry_run {
        render::out(&format!(
            "would POST {}{path}\n    Authorization: Basic ********  Idempotency-Key: {key}  X-Correlation-ID: {}",
            ctx.settings.api_url.value,
            rp::correlation(&run_id)
        ));
        return Ok(Exit::Ok);
    }
    confirm(
        &ctx.ui,
        &args.mutate,
        &format!(
            "Ask the server to replay up to {limit} dead event(s) in one batch (it delivers them at once)?"
        ),
    )?;
    let resp = client
        .replay_batch(limit, &key, &rp::correlation(&run_id))
        .await?;
    if !resp.status.is_success() {
        return Err(resp.error_for_status().into());
    }
    let answer: BatchAnswer = resp.json()?;
    let disabled = answer.skipped > 0 && answer.processed == 0;
    if ctx.ui.json {
        render::json(
            &json!({"run_id": run_id, "answer": answer, "auto_replay_disabled": disabled}),
        );
    } else if disabled {
        render::out(&format!(
            "{} the server skipped the batch: auto replay is disabled there (DLQ_AUTO_REPLAY_ENABLED is false, or both allow-lists DLQ_AUTO_REPLAY_ALLOW_OUTBOX_KINDS and DLQ_AUTO_REPLAY_ALLOW_EXPORT_MODES are empty). Nothing was replayed.\n{}",
            Mark::Warning.symbol(),
            render::next_command("cleanops replay --from-dlq   # per event, paced and journaled")
        ));
    } else {
        render::out(&format!(
            "{} batch: {} processed, {} sent, {} failed (delivered at once; attempts were incremented, not reset)",
            if answer.failed == 0 {
                Mark::Ok.symbol()
            } else {
                Mark::Failed.symbol()
            },
            answer.processed,
            answer.sent,
            answer.failed
        ));
    }
    Ok(if disabled || answer.failed > 0 {
        Exit::Unhealthy
    } else {
        Exit::Ok
    })
}

fn list_runs(ctx: &Ctx) -> Result<Exit> {
    let runs = journal::list()?;
    if ctx.ui.json {
        render::json(&runs
            .iter()
            .map(|r| {
                let done = r.outcomes.values().filter(|(d, _)| d.is_final()).count();
                json!({"run_id": r.run_id, "started_at": r.started_at, "api_url": r.api_url, "targets": r.targets.len(), "settled": done, "ended": r.ended, "interrupted": r.interrupted})
            })
            .collect::<Vec<_>>());
        return Ok(Exit::Ok);
    }
    if runs.is_empty() {
        render::out(&format!("no replay runs in {}", journal::dir()?.display()));
        return Ok(Exit::Ok);
    }
    let mut table = ctx.ui.table();
    table.set_header(["RUN", "STARTED", "EVENTS", "SETTLED", "STATE"]);
    for r in &runs {
        let settled = r.outcomes.values().filter(|(d, _)| d.is_final()).count();
        let state = if !r.ended || r.interrupted || settled < r.targets.len() {
            "resumable"
        } else {
            "done"
        };
        table.add_row([
            r.run_id.clone(),
            r.started_at.clone(),
            r.targets.len().to_string(),
            settled.to_string(),
            state.into(),
        ]);
    }
    render::out(&table.to_string());
    Ok(Exit::Ok)
}
