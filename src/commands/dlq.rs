//! `cleanops dlq`: the dead-letter queue, counted and listed.

use anyhow::Result;
use serde_json::json;

use super::Ctx;
use crate::api::dlq::{self, ALL_CAP, DlqListing};
use crate::api::replay::EventKind;
use crate::cli::{DlqArgs, QueueVia};
use crate::clock::{self, parse_rfc3339};
use crate::error::Exit;
use crate::render::{self, Fit, Mark};

pub async fn run(ctx: &Ctx, args: &DlqArgs) -> Result<Exit> {
    let client = ctx.client()?;
    let want = if args.all {
        ALL_CAP
    } else {
        args.limit.clamp(1, ALL_CAP)
    };
    if args.limit > ALL_CAP {
        render::warn(&format!(
            "--limit is capped at {ALL_CAP} (the app allows 30 requests a minute)"
        ));
    }
    let kind = EventKind::parse(args.kind.as_str());
    let mut listing = match args.via {
        Some(QueueVia::Db) => via_db(ctx, kind, want).await?,
        Some(QueueVia::Api) => dlq::list(&client, args.kind.as_str(), want).await?,
        None => api_then_db(ctx, &client, kind, args.kind.as_str(), want).await?,
    };
    if !args.show_pii {
        for item in &mut listing.items {
            item.payload_summary = dlq::mask_emails(&item.payload_summary);
        }
    }
    let now = clock::now()?;
    let dead = listing.total_dead;
    // Unknown totals count as a backlog: a script asking "is the DLQ empty?" must not hear yes.
    let over = dead.is_none_or(|d| d > args.max);
    let exit = if over { Exit::Unhealthy } else { Exit::Ok };

    if let Some(note) = &listing.fallback {
        render::note(&render::shown_max(note, 1000));
    }
    for u in &listing.unlisted {
        render::warn(&format!(
            "{} events could not be listed: {}",
            u.kind,
            render::shown(&u.reason)
        ));
    }
    if ctx.ui.json {
        render::json(&json!({
            "kind": listing.kind,
            "dead": dead,
            "outbox_dead": listing.outbox_dead,
            "export_dead": listing.export_dead,
            "max": args.max,
            "over_max": over,
            "listed": listing.items.len(),
            "truncated": listing.truncated,
            "fallback": listing.fallback,
            "unlisted": listing.unlisted,
            "oldest_listed_age_seconds": oldest_age(&listing, now),
            "items": listing.items.iter().map(|i| json!({
                "event_id": i.event_id,
                "kind": i.kind,
                "event_type": i.event_type,
                "status": i.status,
                "attempts": i.attempts,
                "last_error": i.last_error,
                "created_at": i.created_at,
                "age_seconds": parse_rfc3339(&i.created_at).ok().map(|t| (now - t).as_seconds_f64()),
                "summary": i.payload_summary,
            })).collect::<Vec<_>>(),
        }));
        return Ok(exit);
    }
    render::out(&screen(ctx, &listing, args, now));
    Ok(exit)
}

/// The listing through psql in the db container.
async fn via_db(ctx: &Ctx, kind: Option<EventKind>, want: u64) -> Result<DlqListing> {
    let (engine, db) = super::app_db(ctx).await?;
    let mut listing = db.list(&engine, kind, want).await?;
    listing.fallback = Some(format!(
        "listed through the database (psql in {} as {} on {}, read-only)",
        db.container.name, db.user, db.database
    ));
    Ok(listing)
}

/// The API's listing; where it cannot list a kind (or anything at all), the database's for
/// that kind, said in a note. When the database cannot be asked either, the API's answer stands
/// with its warnings, and the way to try is named.
async fn api_then_db(
    ctx: &Ctx,
    client: &crate::api::Client,
    kind: Option<EventKind>,
    kind_name: &str,
    want: u64,
) -> Result<DlqListing> {
    let api = dlq::list(client, kind_name, want).await;
    // Only what the app's own defect hides goes to the database: a kind the API answered 500
    // for. An API that is down, refuses the credentials or answers garbage is the problem to
    // report, not to route around (and the database path would bypass the app's roles).
    let missing: Vec<EventKind> = match &api {
        Ok(l) => l
            .unlisted
            .iter()
            .filter_map(|u| EventKind::parse(&u.kind))
            .collect(),
        Err(e) if dlq::is_listing_defect(e) => {
            kind.map_or(vec![EventKind::Outbox, EventKind::Export], |k| vec![k])
        }
        Err(_) => return api,
    };
    if missing.is_empty() {
        return api;
    }
    let from_db = if missing.len() == 2 {
        via_db(ctx, None, want).await
    } else {
        via_db(ctx, Some(missing[0]), want).await
    };
    match (api, from_db) {
        (Err(api_error), Ok(mut db)) => {
            db.fallback = Some(format!(
                "the API could not list the DLQ ({api_error:#}); {}",
                db.fallback
                    .as_deref()
                    .unwrap_or("listed through the database")
            ));
            Ok(db)
        }
        (Err(api_error), Err(db_error)) => Err(api_error.context(format!(
            "the database could not be asked either: {db_error:#}"
        ))),
        (Ok(mut listing), Ok(db)) => {
            let names: Vec<&str> = missing.iter().map(|k| k.as_str()).collect();
            listing
                .unlisted
                .retain(|u| !names.contains(&u.kind.as_str()));
            listing.items.retain(|i| !names.contains(&i.kind.as_str()));
            listing.items.extend(db.items);
            listing
                .items
                .sort_by(|a, b| b.created_at.cmp(&a.created_at));
            for k in &missing {
                match k {
                    EventKind::Outbox => listing.outbox_dead = db.outbox_dead,
                    EventKind::Export => listing.export_dead = db.export_dead,
                }
            }
            listing.truncated |= db.truncated;
            listing.total_dead = match kind {
                Some(EventKind::Outbox) => listing.outbox_dead,
                Some(EventKind::Export) => listing.export_dead,
                None => listing
                    .outbox_dead
                    .zip(listing.export_dead)
                    .map(|(o, x)| o + x),
            };
            let note = format!(
                "{} events {}, since the API could not list them",
                names.join(" and "),
                db.fallback
                    .as_deref()
                    .unwrap_or("listed through the database")
            );
            listing.fallback = Some(match listing.fallback.take() {
                Some(before) => format!("{before}; {note}"),
                None => note,
            });
            Ok(listing)
        }
        (Ok(mut listing), Err(db_error)) => {
            for u in listing.unlisted.iter_mut() {
                u.reason = format!(
                    "{}; the database could not be asked either ({db_error:#})",
                    u.reason
                );
            }
            Ok(listing)
        }
    }
}

fn oldest_age(listing: &DlqListing, now: time::OffsetDateTime) -> Option<f64> {
    listing
        .items
        .iter()
        .filter_map(|i| parse_rfc3339(&i.created_at).ok())
        .min()
        .map(|t| (now - t).as_seconds_f64())
}

fn count(n: Option<u64>) -> String {
    n.map(|n| n.to_string()).unwrap_or_else(|| "?".into())
}

fn screen(ctx: &Ctx, listing: &DlqListing, args: &DlqArgs, now: time::OffsetDateTime) -> String {
    let ui = &ctx.ui;
    let dead = listing.total_dead;
    let mark = match dead {
        Some(0) => Mark::Ok,
        Some(n) if n <= args.max => Mark::Warning,
        _ => Mark::Failed,
    };
    let mut out = format!(
        "{} {}  (outbox {}, export {})\n",
        mark.symbol(),
        mark.paint(&format!("{} dead event(s) in the DLQ", count(dead))),
        count(listing.outbox_dead),
        count(listing.export_dead)
    );
    if !listing.unlisted.is_empty() {
        // Unknown is not none: say what could not be listed, and the way that can.
        let kinds: Vec<&str> = listing.unlisted.iter().map(|u| u.kind.as_str()).collect();
        out.push_str(&format!(
            "  {} event(s) could not be listed (see the warnings above)\n",
            kinds.join(" and ")
        ));
        if args.via.is_none() || args.via == Some(QueueVia::Api) {
            out.push_str(&ui.next_command("cleanops dlq --via db   # read them in the database"));
            out.push('\n');
        }
    }
    if listing.items.is_empty() {
        return out;
    }
    // The event id is what `replay` takes: never cut. On a narrow terminal the kind (the type
    // implies it) and the attempts give way first, then the summary and the error.
    let mut table = ui.table(&[
        ("EVENT ID", Fit::Keep),
        ("KIND", Fit::Spare),
        ("TYPE", Fit::Keep),
        ("ATTEMPTS", Fit::Spare),
        ("LAST ERROR", Fit::Shorten),
        ("CREATED", Fit::Keep),
        ("SUMMARY", Fit::Shorten),
    ]);
    for i in &listing.items {
        table.add_row([
            render::shown(&i.event_id).into_owned(),
            render::shown(&i.kind).into_owned(),
            render::shown(&i.event_type).into_owned(),
            i.attempts.to_string(),
            i.last_error
                .as_deref()
                .map_or_else(|| "-".into(), |e| render::shown(e).into_owned()),
            parse_rfc3339(&i.created_at)
                .map(|t| ui.when(t, now))
                .unwrap_or_else(|_| render::shown(&i.created_at).into_owned()),
            render::shown(&i.payload_summary).into_owned(),
        ]);
    }
    out.push_str(&table.to_string());
    out.push('\n');
    if listing.truncated {
        out.push_str(&format!(
            "  newest {} shown; --limit N or --all for more\n",
            listing.items.len()
        ));
    } else if let Some(age) = oldest_age(listing, now) {
        out.push_str(&format!("  oldest dead event: {} old\n", clock::human(age)));
    }
    if !args.show_pii {
        out.push_str("  e-mail addresses masked (--show-pii to show them)\n");
    }
    if dead.is_some_and(|d| d > 0) {
        out.push_str(&ui.wrap(
            "  ",
            "replay only after the runner is healthy again (cleanops heartbeat), or the events die again",
        ));
        out.push('\n');
    }
    out
}
