//! `dlq`: how many events are dead, of which kind, and since when.

use std::sync::Arc;

use anyhow::Result;

use super::{Outcome, Sources, Status};
use crate::clock::{human, parse_rfc3339};

pub async fn run(s: Arc<Sources>) -> Result<Outcome> {
    let listing = match s.dlq().await {
        None => {
            return Ok(Outcome::new(
                Status::Skipped,
                "no admin credentials to read it",
            ));
        }
        Some(Err(f)) => {
            return Ok(Outcome::new(
                Status::Failed,
                format!("cannot list it: {}", f.message),
            ));
        }
        Some(Ok(l)) => l,
    };
    let count = |n: Option<u64>| n.map(|n| n.to_string()).unwrap_or_else(|| "?".into());
    let dead = listing.total_dead;
    let mut o = match dead {
        Some(0) => Outcome::new(Status::Ok, "empty"),
        _ => Outcome::new(
            Status::Warning,
            format!(
                "{} dead (outbox {}, export {})",
                count(dead),
                count(listing.outbox_dead),
                count(listing.export_dead)
            ),
        ),
    };
    if let Some(oldest) = listing
        .items
        .iter()
        .filter_map(|i| parse_rfc3339(&i.created_at).ok())
        .min()
    {
        o = o.evidence(format!(
            "oldest {}listed: {} old",
            if listing.truncated { "of those " } else { "" },
            human((s.now - oldest).as_seconds_f64())
        ));
    }
    let mut types: std::collections::BTreeMap<String, usize> = Default::default();
    for i in &listing.items {
        *types
            .entry(format!(
                "{} {} ({})",
                i.kind,
                i.event_type,
                i.last_error.as_deref().unwrap_or("-")
            ))
            .or_default() += 1;
    }
    // Biggest group first: a reader (and the verdict, which quotes the first few) sees what
    // most of the backlog is; every group stays in the JSON.
    let mut groups: Vec<(String, usize)> = types.into_iter().collect();
    groups.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    for (t, n) in groups {
        o = o.evidence(format!("{n} × {t}"));
    }
    if let Some(f) = &listing.fallback {
        o = o.evidence(f.clone());
    }
    for u in &listing.unlisted {
        o = o.evidence(format!("{} not listed: {}", u.kind, u.reason));
    }
    Ok(o)
}
