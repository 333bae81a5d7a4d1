//! `cleanops dlq`: the dead-letter queue, counted and listed.

use anyhow::Result;
use serde_json::json;

use super::Ctx;
use crate::api::dlq::{self, ALL_CAP, DlqListing};
use crate::cli::DlqArgs;
use crate::clock::{self, parse_rfc3339};
use crate::error::Exit;
use crate::render::{self, Mark};

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
    let mut listing = dlq::list(&client, args.kind.as_str(), want).await?;
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
    if listing.items.is_empty() {
        if dead.is_some_and(|d| d > 0) {
            out.push_str("  none of them could be listed (see the warnings above)\n");
        }
        return out;
    }
    let mut table = ui.table();
    table.set_header([
        "EVENT ID",
        "KIND",
        "TYPE",
        "ATTEMPTS",
        "LAST ERROR",
        "CREATED",
        "SUMMARY",
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
        out.push_str("  replay only after the runner is healthy again (cleanops heartbeat), or the events die again\n");
    }
    out
}
