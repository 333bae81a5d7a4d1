//! `cleanops replay`: drain the dead-letter queue safely — only dead events, paced under the
//! app's limit, one idempotency key per event, a journal that survives a crash.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use super::Ctx;
use crate::api::Client;
use crate::api::replay::{Batch, EventKind};
use crate::cancel::Cancel;
use crate::cli::{QueueVia, ReplayArgs, ReplayKind};
use crate::clock::{self, human};
use crate::confirm::confirm;
use crate::error::{Exit, Failure};
use crate::render::{self, Mark, shown};
use crate::replay::journal::{self, Disposition, Journal, Record, RunState, Target};
use crate::replay::lock::ReplayLock;
use crate::replay::{self as rp, EventResult, Filters, Pacer, Progress, Runner, Stop};

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
    // A second Ctrl-C leaves at once: the run is dropped where it stands (the request in
    // hand with it) and 130 goes back up to the one exit of the program.
    let abort = Cancel::default();
    tokio::select! {
        biased;
        _ = abort.cancelled() => Ok(Exit::Interrupted),
        outcome = replay(ctx, args, &abort) => outcome,
    }
}

async fn replay(ctx: &Ctx, args: &ReplayArgs, abort: &Cancel) -> Result<Exit> {
    if args.list_runs {
        return list_runs(ctx);
    }
    if args.rate == Some(0) {
        return Err(Failure::usage("--rate must be at least 1 a minute").into());
    }
    // Ids go into a URL path and a header: only what the app issues (a UUID for outbox events,
    // at most 36 letters, digits, - and _ for export events).
    if let Some(bad) = args.ids.iter().find(|id| {
        ![EventKind::Outbox, EventKind::Export]
            .iter()
            .any(|k| k.is_valid_id(id))
    }) {
        return Err(Failure::usage(format!(
            "{} is not an event id the app issues (cleanops dlq lists them)",
            shown(&format!("{bad:?}"))
        ))
        .into());
    }
    let now = clock::now()?;
    let run_id = match &args.resume {
        Some(run_id) => run_id.clone(),
        None => rp::new_run_id(now),
    };
    let resumed = match &args.resume {
        Some(run_id) => Some(journal::read(&Journal::path_of(run_id)?)?),
        None => None,
    };
    if args.via == QueueVia::Db
        || resumed
            .as_ref()
            .is_some_and(|r| r.via.as_deref() == Some("db"))
    {
        return run_via_db(ctx, args, run_id, resumed, now, abort).await;
    }
    let client = ctx.client()?;
    // One run per API at a time, from the listing to the last POST: taken before the DLQ is
    // read, so a second run cannot plan on a backlog the first is draining. A dry run sends
    // nothing and needs none.
    let _lock = if args.mutate.dry_run {
        None
    } else {
        Some(ReplayLock::acquire(
            &ctx.settings.api_url.value,
            &run_id,
            now,
        )?)
    };
    if args.batch {
        return batch(ctx, args, &client, &run_id).await;
    }
    let kind = kind_of(args.kind);

    // Fix the set up front, so the run ends even when replayed events die again.
    let mut unlisted: Option<String> = None;
    let (targets, skipped) = if let Some(state) = &resumed {
        if state.api_url != ctx.settings.api_url.value {
            return Err(Failure::usage(format!(
                "run {run_id} replayed against {}, not {}: point --api-url at the same API to resume it",
                state.api_url, ctx.settings.api_url.value
            ))
            .into());
        }
        resume_targets(&client, state, args.force || state.force).await?
    } else if args.from_dlq || !args.ids.is_empty() {
        let listing = rp::dead_now(&client, if args.ids.is_empty() { kind } else { None }).await?;
        for u in &listing.unlisted {
            render::warn(&format!(
                "{} events could not be listed: {}",
                u.kind,
                shown(&u.reason)
            ));
        }
        unlisted = unlisted_summary(&listing);
        let (targets, skipped) = if args.from_dlq {
            let filters = Filters {
                kind,
                event_type: args.event_type.clone(),
                error: args.error.clone(),
                older_than: args.older_than,
                limit: args.limit,
            };
            rp::select_from(&listing, &filters, now)
        } else {
            rp::select_ids(&listing, &args.ids, args.force, kind)
        };
        (targets, skipped)
    } else {
        return Err(Failure::usage("what to replay? name event ids, or --from-dlq, --resume RUN_ID or --batch")
            .hint("cleanops dlq lists the dead events; cleanops replay --from-dlq --dry-run shows what would be replayed")
            .into());
    };

    if targets.is_empty() {
        return Ok(nothing_to_replay(
            ctx,
            &run_id,
            &skipped,
            unlisted.as_deref(),
            QueueVia::Api,
        ));
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
    let plan = plan_text(
        &targets,
        &run_id,
        resumed.is_some(),
        &format!("{rate} a minute, about {}", human(eta.as_secs_f64())),
    );

    if args.mutate.dry_run {
        let mut out = plan;
        out.push_str("\nwould POST (no journal is written in a dry run):\n");
        for t in &targets {
            out.push_str(&format!(
                "  POST {}{}\n",
                ctx.settings.api_url.value,
                t.kind.path(&t.id)?
            ));
            let headers = [
                "Authorization: Basic ********".to_string(),
                format!("Idempotency-Key: {}", rp::key(&run_id, &t.id)),
                format!("X-Correlation-ID: {}", rp::correlation(&run_id)),
            ];
            let line = format!("    {}\n", headers.join("  "));
            // A header holds an id to compare: on a narrow terminal one a line, never cut.
            if ctx.ui.tty && console::measure_text_width(&line) > ctx.ui.columns {
                for h in &headers {
                    out.push_str(&format!("    {h}\n"));
                }
            } else {
                out.push_str(&line);
            }
        }
        render::out(&out);
        return Ok(Exit::Ok);
    }
    let mut journal = confirm_and_open(
        ctx,
        args,
        &skipped,
        &plan,
        &format!("Replay {} event(s)?", targets.len()),
        resumed.is_some(),
        Record::Run {
            run_id: run_id.clone(),
            started_at: clock::rfc3339(now),
            api_url: ctx.settings.api_url.value.clone(),
            correlation_id: rp::correlation(&run_id),
            rate_per_minute: rate,
            force: args.force,
            targets: targets.clone(),
            via: None,
        },
    )?;

    let resume_hint = format!("cleanops replay --resume {run_id} --yes");
    let cancel = Cancel::default();
    watch_interrupts(cancel.clone(), abort.clone(), resume_hint.clone());
    let mut view = ProgressView::new(ctx, targets.len());
    let mut on_progress = |p: Progress<'_>| view.show(p);
    let posted_before = resumed
        .as_ref()
        .map(|r| {
            r.in_doubt
                .iter()
                .chain(r.outcomes.keys())
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let mut runner = Runner {
        client: &client,
        journal: &mut journal,
        run_id: run_id.clone(),
        pacer,
        cancel: cancel.clone(),
        recheck: !args.force,
        posted_before,
        on_progress: &mut on_progress,
        noted: false,
    };
    let action = crate::audit::start(
        "replay",
        &format!("run {run_id} ({} event(s))", targets.len()),
    );
    let outcome = runner.run(&targets).await;
    view.finish();
    let run = Finished::new(outcome);
    if let Some(exit) = run.settle(
        ctx,
        &run_id,
        &mut journal,
        action,
        &targets,
        &skipped,
        QueueVia::Api,
    )? {
        return Ok(exit);
    }
    let dead_again = if args.verify {
        let verified = tokio::select! {
            v = verify(ctx, &client, &run.results) => v,
            _ = cancel.cancelled() => Err("interrupted before the runner's next loop".into()),
        };
        Some(verified)
    } else {
        None
    };
    Ok(run.report(
        ctx,
        &run_id,
        &journal,
        &targets,
        &skipped,
        dead_again.as_ref(),
        unlisted.as_deref(),
    ))
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

/// The plan's head line and the first targets; `how` says how they will be replayed.
fn plan_text(targets: &[Target], run_id: &str, resumed: bool, how: &str) -> String {
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for t in targets {
        let label = match &t.event_type {
            Some(e) => format!("{} {}", t.kind.as_str(), shown(e)),
            None => t.kind.as_str().to_string(),
        };
        *kinds.entry(label).or_default() += 1;
    }
    let mut out = format!(
        "{} run {run_id}: {} event(s) to replay ({}), {how}\n",
        if resumed { "resuming" } else { "new" },
        targets.len(),
        kinds
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    for t in targets.iter().take(10) {
        out.push_str(&format!("  {} {}\n", t.kind.as_str(), shown(&t.id)));
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

#[allow(clippy::too_many_arguments)]
fn report(
    ctx: &Ctx,
    run_id: &str,
    journal: &Journal,
    targets: &[Target],
    results: &[EventResult],
    skipped: &[(String, String)],
    dead_again: Option<&Result<Vec<String>, String>>,
    unlisted: Option<&str>,
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
            "not_dead": count(Disposition::NotDead),
            "not_done": targets.len() - results.len(),
            "results": results,
            "skipped": skipped_json(skipped),
            "unlisted": unlisted,
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
            // The id whole, the server's detail shortened to the terminal.
            let line = format!(
                "    {} {}: {}",
                r.kind.as_str(),
                shown(&r.id),
                shown(&r.detail)
            );
            out.push_str(&ctx.ui.fit(&line));
            out.push('\n');
        }
    }
    let not_dead: Vec<&EventResult> = results
        .iter()
        .filter(|r| r.result == Disposition::NotDead)
        .collect();
    if !not_dead.is_empty() {
        out.push_str(&format!(
            "{} {} no longer dead when their turn came, not posted (someone else replayed them?)\n",
            Mark::Warning.symbol(),
            not_dead.len()
        ));
    }
    if !skipped.is_empty() {
        out.push_str(&format!(
            "{} {} skipped before posting\n",
            Mark::Warning.symbol(),
            skipped.len()
        ));
        for (id, why) in skipped.iter().take(20) {
            out.push_str(&ctx.ui.fit(&format!("    {}: {}", shown(id), shown(why))));
            out.push('\n');
        }
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
            ids.iter().map(|i| shown(i)).collect::<Vec<_>>().join(", ")
        )),
        Some(Err(e)) => out.push_str(&format!(
            "{} not verified: {}\n",
            Mark::Warning.symbol(),
            shown(e)
        )),
        None => {}
    }
    if let Some(why) = unlisted {
        out.push_str(&format!("{} {why}\n", Mark::Failed.symbol()));
        out.push_str(&render::next_command(VIA_DB_NEXT));
        out.push('\n');
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
    let threshold = ctx.settings.heartbeat_threshold();
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

async fn batch(ctx: &Ctx, args: &ReplayArgs, client: &Client, run_id: &str) -> Result<Exit> {
    let limit = args.limit.unwrap_or(10);
    if !(1..=Batch::MAX).contains(&limit) {
        return Err(Failure::usage("--batch --limit takes 1 to 100 (the server's bounds)").into());
    }
    let request = Batch {
        limit,
        key: format!("cleanops-batch-{run_id}"),
        correlation: rp::correlation(run_id),
    };
    if args.mutate.dry_run {
        render::out(&format!(
            "would POST {}{}\n    Authorization: Basic ********  Idempotency-Key: {}  X-Correlation-ID: {}",
            ctx.settings.api_url.value,
            request.path(),
            request.key,
            request.correlation
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
    let answer = client.replay_batch(&request).await?;
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
    // Identifiers, times and numbers: nothing here gives way.
    let mut table = ctx.ui.table(&[
        ("RUN", render::Fit::Keep),
        ("STARTED", render::Fit::Keep),
        ("EVENTS", render::Fit::Keep),
        ("SETTLED", render::Fit::Keep),
        ("STATE", render::Fit::Keep),
    ]);
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

/// Ctrl-C once: finish the request in hand, cut every wait short, and stop with a resumable
/// journal (`cancel`). Ctrl-C twice: leave at once (`abort`, which [`run`] answers by dropping
/// the run; the journal is synced after every step, so a resume is as safe as after a kill).
fn watch_interrupts(cancel: Cancel, abort: Cancel, resume_hint: String) {
    use tokio::signal::unix::{SignalKind, signal};
    // One stream for both: a second Ctrl-C arriving while the first is being handled is kept.
    let Ok(mut interrupts) = signal(SignalKind::interrupt()) else {
        return;
    };
    tokio::spawn(async move {
        if interrupts.recv().await.is_none() {
            return;
        }
        cancel.cancel();
        eprintln!("\nstopping after the current request… (Ctrl-C again to quit at once)");
        if interrupts.recv().await.is_some() {
            eprintln!("interrupted; resume with: {resume_hint}");
            abort.cancel();
        }
    });
}

fn disposition_words(d: Disposition) -> &'static str {
    match d {
        Disposition::Replayed => "replayed",
        Disposition::AlreadyDone => "replayed (an earlier POST of this run had gone through)",
        Disposition::Gone => "gone (404)",
        Disposition::NotDead => "no longer dead, not posted",
        Disposition::Failed => "failed",
        Disposition::NotRecorded => "never recorded by the server",
        Disposition::Unknown => "outcome unknown (resume to retry with the same key)",
    }
}

/// "12 outbox event(s) are dead but could not be listed (why)" when the listing was not whole:
/// unknown is not none.
fn unlisted_summary(listing: &crate::api::dlq::DlqListing) -> Option<String> {
    if listing.unlisted.is_empty() {
        return None;
    }
    let parts: Vec<String> = listing
        .unlisted
        .iter()
        .map(|u| {
            let count = match u.kind.as_str() {
                "outbox" => listing.outbox_dead,
                "export" => listing.export_dead,
                _ => None,
            };
            format!(
                "{} {} event(s) are dead but could not be listed ({})",
                count.map_or_else(|| "an unknown number of".to_string(), |n| n.to_string()),
                u.kind,
                shown(&u.reason)
            )
        })
        .collect();
    Some(parts.join("; "))
}

/// The pointer to the way that works when the API cannot list or replay outbox events.
const VIA_DB_NEXT: &str =
    "cleanops replay --from-dlq --via db --dry-run   # outbox events, in the database";

fn warn_skipped(skipped: &[(String, String)]) {
    for (id, why) in skipped {
        render::warn(&format!("skipping {}: {}", shown(id), shown(why)));
    }
}

/// The end of a run that found nothing it could replay: exit 0 only when that is the whole
/// truth (nothing skipped, nothing unlisted).
fn nothing_to_replay(
    ctx: &Ctx,
    run_id: &str,
    skipped: &[(String, String)],
    unlisted: Option<&str>,
    via: QueueVia,
) -> Exit {
    warn_skipped(skipped);
    if ctx.ui.json {
        render::json(&json!({
            "run_id": run_id,
            "targets": 0,
            "skipped": skipped_json(skipped),
            "unlisted": unlisted,
            "results": [],
        }));
    } else {
        let mut out = match unlisted {
            Some(why) => format!(
                "{} nothing could be listed to replay: {why}\n",
                Mark::Failed.symbol()
            ),
            None => "nothing to replay\n".to_string(),
        };
        if unlisted.is_some() && via == QueueVia::Api {
            out.push_str(&render::next_command(VIA_DB_NEXT));
            out.push('\n');
        }
        render::out(&out);
    }
    if skipped.is_empty() && unlisted.is_none() {
        Exit::Ok
    } else {
        Exit::Unhealthy
    }
}

/// Where a run is, for the person or the log watching it: a bar on a terminal; elsewhere (a
/// script, a log, --json) a line on stderr for every event and every long wait, so a run is
/// never silent for minutes.
struct ProgressView {
    bar: Option<ProgressBar>,
    total: usize,
    settled: usize,
}

impl ProgressView {
    fn new(ctx: &Ctx, total: usize) -> ProgressView {
        let bar = ctx.ui.stderr_tty.then(|| {
            let b = ProgressBar::new(total as u64);
            b.set_style(
                ProgressStyle::with_template("{bar:30} {pos}/{len} replayed · ETA {eta} · {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b
        });
        ProgressView {
            bar,
            total,
            settled: 0,
        }
    }

    fn show(&mut self, p: Progress<'_>) {
        match (p, &self.bar) {
            (Progress::Event(r), Some(b)) => {
                b.inc(1);
                b.set_message(format!(
                    "{} {}",
                    shown(&r.id).chars().take(8).collect::<String>(),
                    disposition_words(r.result)
                ));
            }
            (Progress::Event(r), None) => {
                self.settled += 1;
                eprintln!(
                    "[{}/{}] {} {}: {}",
                    self.settled,
                    self.total,
                    r.kind.as_str(),
                    shown(&r.id),
                    disposition_words(r.result)
                );
            }
            (Progress::Waiting(why, d), Some(b)) => {
                b.set_message(format!("waiting {} for {why}", human(d.as_secs_f64())))
            }
            (Progress::Waiting(why, d), None) => {
                eprintln!("waiting {} for {why}", human(d.as_secs_f64()))
            }
            (Progress::Note(text), Some(b)) => b.println(format!("note: {}", shown(&text))),
            (Progress::Note(text), None) => render::note(&shown(&text)),
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// A run's results, and why it stopped early if it did.
struct Finished {
    results: Vec<EventResult>,
    stopped: Option<Stop>,
}

impl Finished {
    fn new(outcome: Result<Vec<EventResult>, (Vec<EventResult>, Stop)>) -> Finished {
        match outcome {
            Ok(results) => Finished {
                results,
                stopped: None,
            },
            Err((results, stop)) => Finished {
                results,
                stopped: Some(stop),
            },
        }
    }

    /// Close the journal and the audit record. `Some(exit)` when the run ends here (interrupted,
    /// or the server's 409 loop), an error when it was aborted; `None` to go on.
    #[allow(clippy::too_many_arguments)]
    fn settle(
        &self,
        ctx: &Ctx,
        run_id: &str,
        journal: &mut Journal,
        action: crate::audit::Action,
        targets: &[Target],
        skipped: &[(String, String)],
        via: QueueVia,
    ) -> Result<Option<Exit>> {
        journal.append(&Record::End {
            at: clock::rfc3339(time::OffsetDateTime::now_utc()),
            interrupted: self.stopped.is_some(),
        })?;
        let replayed = self
            .results
            .iter()
            .filter(|r| r.result.is_success())
            .count();
        action.end(
            match &self.stopped {
                None if replayed == targets.len() => "ok",
                None => "partial",
                Some(_) => "interrupted",
            },
            format!(
                "{replayed} of {} replayed{}",
                targets.len(),
                if via == QueueVia::Db {
                    " in the database"
                } else {
                    ""
                }
            ),
        );
        let resume_hint = format!("cleanops replay --resume {run_id} --yes");
        match &self.stopped {
            None => Ok(None),
            Some(Stop::Aborted(e)) => Err(anyhow::anyhow!("{e:#}").context(Failure::new(
                crate::error::exit_of(e),
                format!("replay run {run_id} stopped; resume with: {resume_hint}"),
            ))),
            Some(Stop::Interrupted) => {
                self.report(ctx, run_id, journal, targets, skipped, None, None);
                eprintln!(
                    "interrupted: {} of {} done; resume with: {resume_hint}",
                    self.results.len(),
                    targets.len()
                );
                Ok(Some(Exit::Interrupted))
            }
            Some(Stop::NeverRecorded) => {
                self.report(ctx, run_id, journal, targets, skipped, None, None);
                render::warn(
                    "stopped after the first event: the server answers every keyed replay with 409 and an empty body and never records it (the running upstream code does this on PostgreSQL), so every other event would spend the same minutes for nothing",
                );
                if !ctx.ui.json {
                    render::out(&format!(
                        "{}\n  (export events cannot be replayed that way: {})",
                        render::next_command(VIA_DB_NEXT),
                        crate::appdb::EXPORTS_NOT_VIA_DB
                    ));
                }
                Ok(Some(Exit::Unhealthy))
            }
        }
    }

    /// Print the report; the exit code: 0 when every event was replayed, or needed nothing
    /// (gone, no longer dead), nothing is dead again, and nothing was left unlisted.
    #[allow(clippy::too_many_arguments)]
    fn report(
        &self,
        ctx: &Ctx,
        run_id: &str,
        journal: &Journal,
        targets: &[Target],
        skipped: &[(String, String)],
        dead_again: Option<&Result<Vec<String>, String>>,
        unlisted: Option<&str>,
    ) -> Exit {
        report(
            ctx,
            run_id,
            journal,
            targets,
            &self.results,
            skipped,
            dead_again,
            unlisted,
        );
        let all_good = self.results.iter().all(|r| {
            r.result.is_success() || matches!(r.result, Disposition::Gone | Disposition::NotDead)
        }) && dead_again.is_none_or(|d| d.as_ref().is_ok_and(|ids| ids.is_empty()))
            && unlisted.is_none()
            && skipped.is_empty();
        if all_good { Exit::Ok } else { Exit::Unhealthy }
    }
}

/// `replay --via db`: dead outbox events reset to pending in the database, batch by batch, for a
/// deployment whose API cannot list or replay them.
async fn run_via_db(
    ctx: &Ctx,
    args: &ReplayArgs,
    run_id: String,
    resumed: Option<RunState>,
    now: time::OffsetDateTime,
    abort: &Cancel,
) -> Result<Exit> {
    if args.force {
        return Err(Failure::usage(
            "--force does not go with --via db: the database path resets only events that are dead, which is its point",
        )
        .into());
    }
    if args.kind == Some(ReplayKind::Export) {
        return Err(Failure::usage(crate::appdb::EXPORTS_NOT_VIA_DB)
            .hint("replay export events through the API: cleanops replay --from-dlq --kind export")
            .into());
    }
    if let Some(bad) = args
        .ids
        .iter()
        .find(|id| !EventKind::Outbox.is_valid_id(id))
    {
        return Err(Failure::usage(format!(
            "{} is not an outbox event id (a UUID); {}",
            shown(bad),
            crate::appdb::EXPORTS_NOT_VIA_DB
        ))
        .into());
    }
    if args.rate.is_some() {
        render::note(
            "--rate does not apply to --via db: each batch of at most 50 events is one transaction, and the runner delivers 50 a loop",
        );
    }
    let (engine, db) = super::app_db(ctx).await?;
    // The deployment's database is the target: one run on it at a time, from any API URL.
    let target = format!(
        "db:{}@{}",
        ctx.settings.project_name.value, engine.target.host
    );
    let _lock = if args.mutate.dry_run {
        None
    } else {
        Some(ReplayLock::acquire(&target, &run_id, now)?)
    };
    let mut export_note = None;
    let (targets, skipped) = if let Some(state) = &resumed {
        if state.api_url != target {
            return Err(Failure::usage(format!(
                "run {run_id} replayed in {}, not {target}: point --project-name and the engine at the same deployment to resume it",
                shown(&state.api_url)
            ))
            .into());
        }
        // The guard in the UPDATE makes running an unsettled batch again safe, in doubt or not.
        let open = state
            .targets
            .iter()
            .filter(|t| state.outcomes.get(&t.id).is_none_or(|(d, _)| !d.is_final()))
            .cloned()
            .collect();
        (open, Vec::new())
    } else if args.from_dlq || !args.ids.is_empty() {
        let listing = db
            .list(&engine, Some(EventKind::Outbox), crate::api::dlq::ALL_CAP)
            .await?;
        if args.from_dlq {
            // What the whole DLQ holds besides: said, not silently dropped.
            let counts = db.list(&engine, Some(EventKind::Export), 1).await?;
            if counts.export_dead.is_some_and(|n| n > 0) && args.kind.is_none() {
                export_note = Some(format!(
                    "{} dead export event(s) are not part of this run: {}",
                    counts.export_dead.unwrap_or(0),
                    crate::appdb::EXPORTS_NOT_VIA_DB
                ));
            }
            let filters = Filters {
                kind: Some(EventKind::Outbox),
                event_type: args.event_type.clone(),
                error: args.error.clone(),
                older_than: args.older_than,
                limit: args.limit,
            };
            rp::select_from(&listing, &filters, now)
        } else {
            rp::select_ids(&listing, &args.ids, false, Some(EventKind::Outbox))
        }
    } else {
        return Err(Failure::usage(
            "what to replay? name outbox event ids, or --from-dlq or --resume RUN_ID",
        )
        .hint("cleanops dlq --via db lists the dead events; cleanops replay --from-dlq --via db --dry-run shows the SQL")
        .into());
    };
    if let Some(note) = &export_note {
        render::note(note);
    }
    if targets.is_empty() {
        return Ok(nothing_to_replay(
            ctx,
            &run_id,
            &skipped,
            None,
            QueueVia::Db,
        ));
    }
    let batches = targets.len().div_ceil(crate::appdb::REPLAY_BATCH);
    let plan = plan_text(
        &targets,
        &run_id,
        resumed.is_some(),
        &format!(
            "reset to pending in the database in {} in {batches} transaction(s) of at most {}",
            shown(&db.container.name),
            crate::appdb::REPLAY_BATCH
        ),
    );
    if args.mutate.dry_run {
        let mut out = plan;
        out.push_str(&format!(
            "\nwould run in {}, as `{} -c STATEMENT ...`, one transaction a batch (no journal is written in a dry run):\n",
            shown(&db.container.name),
            shell_words(&db.psql(&[]))
        ));
        let batches = targets.chunks(crate::appdb::REPLAY_BATCH);
        for (n, batch) in batches.enumerate() {
            let ids: Vec<String> = batch.iter().map(|t| t.id.clone()).collect();
            out.push_str(&format!("  -- batch {} ({} event(s))\n", n + 1, ids.len()));
            for statement in db.replay_sql(&ids)? {
                out.push_str(&format!("  {statement};\n"));
            }
        }
        render::out(&out);
        return Ok(Exit::Ok);
    }
    let mut journal = confirm_and_open(
        ctx,
        args,
        &skipped,
        &plan,
        &format!(
            "Reset {} dead outbox event(s) to pending in the database (the runner then delivers them)?",
            targets.len()
        ),
        resumed.is_some(),
        Record::Run {
            run_id: run_id.clone(),
            started_at: clock::rfc3339(now),
            api_url: target.clone(),
            correlation_id: rp::correlation(&run_id),
            rate_per_minute: 0,
            force: false,
            targets: targets.clone(),
            via: Some("db".into()),
        },
    )?;
    let cancel = Cancel::default();
    watch_interrupts(
        cancel.clone(),
        abort.clone(),
        format!("cleanops replay --resume {run_id} --yes"),
    );
    let mut view = ProgressView::new(ctx, targets.len());
    let mut on_progress = |p: Progress<'_>| view.show(p);
    let action = crate::audit::start(
        "replay",
        &format!("run {run_id} ({} event(s), in the database)", targets.len()),
    );
    let mut runner = crate::replay::db::DbRunner {
        engine: &engine,
        db: &db,
        journal: &mut journal,
        run_id: run_id.clone(),
        cancel: cancel.clone(),
        on_progress: &mut on_progress,
    };
    let outcome = runner.run(&targets).await;
    let run = Finished::new(outcome);
    if let Some(exit) = run.settle(
        ctx,
        &run_id,
        &mut journal,
        action,
        &targets,
        &skipped,
        QueueVia::Db,
    )? {
        view.finish();
        return Ok(exit);
    }
    let dead_again = if args.verify {
        let replayed: Vec<String> = run
            .results
            .iter()
            .filter(|r| r.result.is_success())
            .map(|r| r.id.clone())
            .collect();
        // The runner's next loops: the heartbeat threshold covers one, and a minute more.
        let limit = Duration::from_secs(ctx.settings.heartbeat_threshold() + 60);
        let watched = crate::replay::db::watch(
            &engine,
            &db,
            &replayed,
            limit,
            Duration::from_secs(2),
            &cancel,
            &mut on_progress,
        )
        .await;
        let watched = match watched {
            Ok(settled) => {
                render::note(&format!(
                    "after the runner's loops: {} sent, {} failed again and waiting to retry, {} dead again, {} still pending",
                    settled.sent.len(),
                    settled.retry.len(),
                    settled.dead_again.len(),
                    settled.pending.len()
                ));
                if settled.pending.is_empty() {
                    Ok(settled.dead_again)
                } else {
                    explain_stuck(&engine, &db, &settled.pending).await;
                    Err(format!(
                        "{} event(s) still pending after the runner's loops: not delivered",
                        settled.pending.len()
                    ))
                }
            }
            Err(e) => Err(e),
        };
        Some(watched)
    } else {
        None
    };
    view.finish();
    Ok(run.report(
        ctx,
        &run_id,
        &journal,
        &targets,
        &skipped,
        dead_again.as_ref(),
        None,
    ))
}

/// A command line as a shell would need it typed (for dry runs: what would run, exactly).
/// SQL keeps its single quotes readable inside double quotes where nothing else needs escaping.
fn shell_words(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_=./:@,".contains(c))
            {
                a.clone()
            } else if !a.contains(['"', '$', '`', '\\', '!']) {
                format!("\"{a}\"")
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Events still pending after the runner's loops: say why when the runner says so. On
/// PostgreSQL the app's `outbox-delivery` cannot mark a row delivered (docs/runbook.md): it
/// fails on every pending event, and the event is attempted again each loop.
async fn explain_stuck(
    engine: &crate::docker::Engine,
    db: &crate::appdb::AppDb,
    pending: &[String],
) {
    let job = match db.delivery_job(engine).await {
        Ok(Some(job)) => job,
        Ok(None) => {
            render::warn(
                "the runner has no record of its outbox-delivery job: is the jobs container running? (cleanops status)",
            );
            return;
        }
        Err(e) => {
            render::warn(&format!("cannot read the runner's job records: {e:#}"));
            return;
        }
    };
    if job.consecutive_failures == 0 {
        render::warn(
            "the runner's outbox-delivery job succeeds but has not delivered them yet: see cleanops heartbeat and cleanops logs jobs",
        );
        return;
    }
    render::warn(&format!(
        "the runner's outbox-delivery job has failed {} time(s) in a row (last error {}, at {}): it cannot deliver them. On PostgreSQL this app version fails to mark an outbox row delivered (its UPDATE compares the uuid column with a varchar), so each pending event is attempted again every loop; a webhook or e-mail that does go out is sent again each time",
        job.consecutive_failures,
        shown(job.last_error.as_deref().unwrap_or("unknown")),
        shown(job.last_error_at.as_deref().unwrap_or("unknown"))
    ));
    let ids = pending
        .iter()
        .map(|id| format!("'{id}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "UPDATE outbox_events SET status = 'dead' WHERE status IN ('pending', 'retry') AND event_id IN ({ids})"
    );
    render::out(&format!(
        "  to stop the repeated attempts, put them back in the dead-letter queue until the app is fixed:\n{}",
        render::next_command(&format!(
            "docker exec -i {} {} -c {}",
            shown(&db.container.name),
            shell_words(&db.psql(&[])),
            shell_words(&[sql])
        ))
    ));
}

/// The plan on stderr, the question, and the run's journal: created with its first record, or
/// reopened for a resume. Nothing is written before the answer is yes.
#[allow(clippy::too_many_arguments)]
fn confirm_and_open(
    ctx: &Ctx,
    args: &ReplayArgs,
    skipped: &[(String, String)],
    plan: &str,
    question: &str,
    resuming: bool,
    run: Record,
) -> Result<Journal> {
    warn_skipped(skipped);
    if !ctx.ui.json {
        eprint!("{plan}");
    }
    confirm(&ctx.ui, &args.mutate, question)?;
    let Record::Run { run_id, .. } = &run else {
        anyhow::bail!("a journal starts with its run record");
    };
    let journal = if resuming {
        Journal::reopen(run_id)?
    } else {
        Journal::create(run_id, &run)?
    };
    eprintln!("run {run_id}: journal {}", journal.path.display());
    Ok(journal)
}
