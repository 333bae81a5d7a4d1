//! `cleanops replay`: drain the dead-letter queue safely — only dead events, paced under the
//! app's limit, one idempotency key per event, a journal that survives a crash.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use super::Ctx;
use crate::api::Client;
use crate::api::replay::{BatchAnswer, EventKind};
use crate::cancel::Cancel;
use crate::cli::{ReplayArgs, ReplayKind};
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
    let client = ctx.client()?;
    let now = clock::now()?;
    // One run per API at a time, from the listing to the last POST: taken before the DLQ is
    // read, so a second run cannot plan on a backlog the first is draining. A dry run sends
    // nothing and needs none.
    let run_id = match &args.resume {
        Some(run_id) => run_id.clone(),
        None => rp::new_run_id(now),
    };
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
    // Dead events no endpoint would list (PostgreSQL, contract §13): --from-dlq cannot pick them.
    let mut unlisted: Vec<crate::api::dlq::Unlisted> = Vec::new();
    let mut unlisted_dead: Option<u64> = None;
    let (targets, skipped, resumed) = if args.resume.is_some() {
        let state = journal::read(&Journal::path_of(&run_id)?)?;
        if state.api_url != ctx.settings.api_url.value {
            return Err(Failure::usage(format!(
                "run {run_id} replayed against {}, not {}: point --api-url at the same API to resume it",
                state.api_url, ctx.settings.api_url.value
            ))
            .into());
        }
        let (targets, skipped) = resume_targets(&client, &state, args.force || state.force).await?;
        (targets, skipped, Some(state))
    } else if args.from_dlq || !args.ids.is_empty() {
        let listing = rp::dead_now(&client, if args.ids.is_empty() { kind } else { None }).await?;
        for u in &listing.unlisted {
            render::warn(&format!(
                "{} events could not be listed: {}",
                u.kind,
                shown(&u.reason)
            ));
        }
        unlisted = listing.unlisted.clone();
        unlisted_dead = listing
            .unlisted
            .iter()
            .map(|u| match u.kind.as_str() {
                "outbox" => listing.outbox_dead,
                _ => listing.export_dead,
            })
            .try_fold(0u64, |sum, n| n.map(|n| sum + n));
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
        (targets, skipped, None)
    } else {
        return Err(Failure::usage("what to replay? name event ids, or --from-dlq, --resume RUN_ID or --batch")
            .hint("cleanops dlq lists the dead events; cleanops replay --from-dlq --dry-run shows what would be replayed")
            .into());
    };

    for (id, why) in &skipped {
        render::warn(&format!("skipping {}: {why}", shown(id)));
    }
    if targets.is_empty() {
        let stranded = args.from_dlq && !unlisted.is_empty();
        if stranded {
            let how_many = unlisted_dead
                .map(|n| format!("{n} dead event(s)"))
                .unwrap_or_else(|| "dead events".into());
            render::warn(&format!(
                "{how_many} of kind {} could not be listed, so --from-dlq cannot pick them: replay them by id (cleanops replay EVENT_ID ...)",
                unlisted
                    .iter()
                    .map(|u| u.kind.as_str())
                    .collect::<Vec<_>>()
                    .join(" and ")
            ));
            render::note(
                r#"on the host, the dead outbox events' ids: echo "select event_id from outbox_events where status = 'dead'" | docker compose exec -T db sh -c 'psql -U "$POSTGRES_USER" -d "$POSTGRES_DB" -At'"#,
            );
        }
        if ctx.ui.json {
            render::json(
                &json!({"run_id": run_id, "targets": 0, "skipped": skipped_json(&skipped), "unlisted": unlisted, "results": []}),
            );
        } else {
            render::out("nothing to replay");
        }
        return Ok(if skipped.is_empty() && !stranded {
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
                t.kind.path(&t.id)?,
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

    let resume_hint = format!("cleanops replay --resume {run_id} --yes");
    let cancel = Cancel::default();
    watch_interrupts(cancel.clone(), resume_hint.clone());
    let bar = ctx.ui.stderr_tty.then(|| {
        let b = ProgressBar::new(targets.len() as u64);
        b.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} replayed · ETA {eta} · {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    });
    // On a terminal the bar shows where the run is; elsewhere (a script, a log, --json) every
    // event and every long wait gets a line on stderr, so a run is never silent for minutes.
    let total = targets.len();
    let mut settled = 0;
    let mut on_progress = |p: Progress<'_>| match (p, &bar) {
        (Progress::Event(r), Some(b)) => {
            b.inc(1);
            b.set_message(format!(
                "{} {:?}",
                shown(&r.id).chars().take(8).collect::<String>(),
                r.result
            ));
        }
        (Progress::Event(r), None) => {
            settled += 1;
            eprintln!(
                "[{settled}/{total}] {} {}: {}",
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
    };
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
        let verified = tokio::select! {
            v = verify(ctx, &client, &results) => v,
            _ = cancel.cancelled() => Err("interrupted before the runner's next loop".into()),
        };
        Some(verified)
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
    // Gone and no-longer-dead events need nothing more from this run.
    let all_good = results.iter().all(|r| {
        r.result.is_success() || matches!(r.result, Disposition::Gone | Disposition::NotDead)
    }) && dead_again
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
            Some(e) => format!("{} {}", t.kind.as_str(), shown(e)),
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
            "not_dead": count(Disposition::NotDead),
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
            out.push_str(&format!(
                "    {} {}: {}\n",
                r.kind.as_str(),
                shown(&r.id),
                shown(&r.detail)
            ));
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
            out.push_str(&format!("    {}: {}\n", shown(id), shown(why)));
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

async fn batch(ctx: &Ctx, args: &ReplayArgs, client: &Client, run_id: &str) -> Result<Exit> {
    let limit = args.limit.unwrap_or(10);
    if !(1..=100).contains(&limit) {
        return Err(Failure::usage("--batch --limit takes 1 to 100 (the server's bounds)").into());
    }
    let key = format!("cleanops-batch-{run_id}");
    let path = format!("/v1/admin/queue/dlq/replay?confirm=true&limit={limit}");
    if args.mutate.dry_run {
        render::out(&format!(
            "would POST {}{path}\n    Authorization: Basic ********  Idempotency-Key: {key}  X-Correlation-ID: {}",
            ctx.settings.api_url.value,
            rp::correlation(run_id)
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
        .replay_batch(limit, &key, &rp::correlation(run_id))
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

/// Ctrl-C once: finish the request in hand, cut every wait short, and stop with a resumable
/// journal. Ctrl-C twice: leave at once (the journal is synced after every step, so a resume
/// is as safe as after a kill).
fn watch_interrupts(cancel: Cancel, resume_hint: String) {
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
            std::process::exit(Exit::Interrupted.code());
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
