//! Listing the dead-letter queue the way the real app allows it: paged by offset (100 at most per
//! request), and around the PostgreSQL defects of docs/app-contract.md §12 (`kind=all` answers 500 always,
//! `kind=outbox` as soon as one outbox event is dead).

use std::sync::LazyLock;

use anyhow::Result;
use regex::Regex;
use serde::Serialize;

use super::Client;
use super::types::{DlqItem, DlqPage};
use crate::error::{Failure, Kind, kind_of};

/// The server refuses `limit` above 100 (422).
pub const PAGE_SIZE: u64 = 100;
/// `--all` stops here: 20 pages, well under the app's 30 requests a minute per IP.
pub const ALL_CAP: u64 = 2000;

/// A kind that could not be listed, and why.
#[derive(Clone, Debug, Serialize)]
pub struct Unlisted {
    pub kind: String,
    pub reason: String,
}

/// What the DLQ holds, as far as the server let us see it.
#[derive(Clone, Debug, Serialize)]
pub struct DlqListing {
    pub kind: String,
    /// Dead outbox events (`None` when no answer carried the count).
    pub outbox_dead: Option<u64>,
    pub export_dead: Option<u64>,
    /// Dead events of the asked kind(s).
    pub total_dead: Option<u64>,
    /// Newest first.
    pub items: Vec<DlqItem>,
    /// More dead events exist than were listed.
    pub truncated: bool,
    /// Set when `kind=all` failed and the two kinds were asked separately.
    pub fallback: Option<String>,
    pub unlisted: Vec<Unlisted>,
}

/// Up to `want` items of one kind, paging by offset. The first page's counts are kept.
async fn list_kind(client: &Client, kind: &str, want: u64) -> Result<(DlqPage, bool)> {
    let mut offset = 0;
    let mut first: Option<DlqPage> = None;
    let mut items = Vec::new();
    loop {
        let limit = PAGE_SIZE
            .min(want.saturating_sub(items.len() as u64))
            .max(1);
        let page = client.dlq_page(kind, limit, offset).await?;
        let got = page.items.len() as u64;
        items.extend(page.items.iter().cloned());
        let total = page.total;
        if first.is_none() {
            first = Some(page);
        }
        offset += got;
        // Stop when we have enough, the server has no more, or it sent an empty page (the
        // total can move under us while we page).
        if items.len() as u64 >= want || offset >= total || got == 0 {
            break;
        }
    }
    items.truncate(want as usize);
    let mut page = first.ok_or_else(|| anyhow::anyhow!("no DLQ page"))?;
    let truncated = (items.len() as u64) < page.total;
    page.items = items;
    Ok((page, truncated))
}

/// The listing failed the way the app's known defect makes it fail on PostgreSQL: a 500 as
/// soon as an event of the kind is dead (docs/app-contract.md §12). Then the database is the
/// way to read the dead events; any other failure is the problem to report.
pub fn is_listing_defect(e: &anyhow::Error) -> bool {
    kind_of(e) == Kind::Status(500)
}

fn why(e: &anyhow::Error) -> String {
    match kind_of(e).status() {
        Some(500) => format!(
            "the server answered 500 (on PostgreSQL this listing fails as soon as an event of that kind is dead: a known upstream defect): {e:#}"
        ),
        _ => format!("{e:#}"),
    }
}

fn is_server_error(e: &anyhow::Error) -> bool {
    kind_of(e).is_server_error()
}

/// One kind's listing, with what its answer said about the counts.
struct KindListing {
    items: Vec<DlqItem>,
    truncated: bool,
    outbox_dead: Option<u64>,
    export_dead: Option<u64>,
    total: Option<u64>,
    note: Option<String>,
}

/// A row of `GET /v1/admin/outbox/dead-letter` (docs/app-contract.md §2.2).
#[derive(serde::Deserialize)]
struct DeadLetterRow {
    event_id: String,
    kind: String,
    #[serde(default)]
    attempts: i64,
    #[serde(default)]
    last_error: Option<String>,
    created_at: String,
}

/// The outbox dead letters through the viewer endpoint, which lists them when the DLQ listing
/// answers 500 (it does on PostgreSQL as soon as one outbox event is dead). At most 500, no
/// paging, no summaries.
async fn outbox_dead_letter(client: &Client, want: u64) -> Result<(Vec<DlqItem>, bool)> {
    let limit = want.clamp(1, 500);
    let (rows, _) = client
        .get_json::<Vec<DeadLetterRow>>(
            &format!("/v1/admin/outbox/dead-letter?limit={limit}"),
            true,
        )
        .await?;
    let truncated = rows.len() as u64 >= limit;
    let items = rows
        .into_iter()
        .map(|r| DlqItem {
            event_id: r.event_id,
            kind: "outbox".into(),
            event_type: r.kind,
            status: Some("dead".into()),
            attempts: r.attempts,
            last_error: r.last_error,
            created_at: r.created_at,
            payload_summary: String::new(),
        })
        .collect();
    Ok((items, truncated))
}

async fn list_one(client: &Client, kind: &str, want: u64) -> Result<KindListing> {
    match list_kind(client, kind, want).await {
        Ok((page, truncated)) => Ok(KindListing {
            items: page.items,
            truncated,
            outbox_dead: Some(page.outbox_dead_count),
            export_dead: Some(page.export_dead_count),
            total: Some(page.total),
            note: None,
        }),
        Err(e) if kind == "outbox" && is_server_error(&e) => {
            let note = format!(
                "kind=outbox failed ({}); listed GET /v1/admin/outbox/dead-letter instead",
                why(&e)
            );
            let (items, truncated) = match outbox_dead_letter(client, want).await {
                Ok(listed) => listed,
                // §13: both fail with the same defect as soon as one outbox event is dead.
                Err(e2) if is_listing_defect(&e) && is_listing_defect(&e2) => {
                    return Err(Failure::new(
                        crate::error::Exit::Unexpected,
                        "kind=outbox and GET /v1/admin/outbox/dead-letter both answered 500: on PostgreSQL no endpoint lists dead outbox events once one is dead (a known upstream defect)",
                    )
                    .into());
                }
                Err(e2) => return Err(e2.context(note)),
            };
            let count = (!truncated).then_some(items.len() as u64);
            Ok(KindListing {
                items,
                truncated,
                outbox_dead: count,
                export_dead: None,
                total: count,
                note: Some(note),
            })
        }
        Err(e) => Err(e),
    }
}

/// The diagnosis' one DLQ call: what the DLQ holds, counted, in a single admin request (the
/// app's rate limit is 30 a minute per client IP, docs/app-contract.md §13).
///
/// `kind=export` answers 200 on every deployment and its page carries both dead counts
/// (`outbox_dead_count`, `export_dead_count`), so it is the call by default; it lists the
/// dead exports only. `kind=all` would list the outbox's too, but answers 500 on PostgreSQL
/// whatever the queue holds (§12): it is asked only where this API's record says it answered
/// 200 lately (learned by `cleanops dlq`). If it fails there now, that is recorded, the check
/// says so, and the next diagnosis counts through `kind=export`: still one call.
pub async fn counts(client: &Client, want: u64) -> Result<DlqListing> {
    let want = want.clamp(1, PAGE_SIZE);
    let memory = client.memory();
    if memory.and_then(|m| m.dlq_kind_all()).is_some_and(|k| k.ok) {
        return match list_kind(client, "all", want).await {
            Ok((page, truncated)) => {
                if let Some(m) = memory {
                    m.note_dlq_kind_all(200);
                }
                Ok(DlqListing {
                    kind: "all".into(),
                    outbox_dead: Some(page.outbox_dead_count),
                    export_dead: Some(page.export_dead_count),
                    total_dead: Some(page.total),
                    items: page.items,
                    truncated,
                    fallback: None,
                    unlisted: Vec::new(),
                })
            }
            Err(e) => {
                if let Some(m) = memory
                    && is_listing_defect(&e)
                {
                    m.note_dlq_kind_all(500);
                    return Err(e.context(
                        "kind=all failed although it answered lately (remembered: the next run counts through kind=export, which answers on PostgreSQL)",
                    ));
                }
                Err(e)
            }
        };
    }
    let (page, truncated) = list_kind(client, "export", want).await?;
    let outbox = page.outbox_dead_count;
    let export = page.export_dead_count;
    let mut note = String::from(
        "counted through kind=export, whose answer carries both dead counts (one admin call)",
    );
    if let Some(k) = memory.and_then(|m| m.dlq_kind_all())
        && !k.ok
    {
        note.push_str(&format!(
            "; kind=all answered {} here {} ago",
            k.status,
            crate::clock::human(k.age.as_secs_f64())
        ));
    }
    if outbox > 0 {
        note.push_str(&format!(
            "; the {outbox} dead outbox event(s) are counted, not listed (on PostgreSQL no endpoint lists them once one is dead): cleanops dlq lists what the server allows"
        ));
    }
    Ok(DlqListing {
        kind: "all".into(),
        outbox_dead: Some(outbox),
        export_dead: Some(export),
        total_dead: Some(outbox.saturating_add(export)),
        items: page.items,
        truncated: truncated || outbox > 0,
        fallback: Some(note),
        unlisted: Vec::new(),
    })
}

/// List the DLQ. `kind` is `all`, `outbox` or `export`; `want` caps the items.
pub async fn list(client: &Client, kind: &str, want: u64) -> Result<DlqListing> {
    if kind != "all" {
        let l = list_one(client, kind, want).await?;
        return Ok(DlqListing {
            kind: kind.into(),
            outbox_dead: l.outbox_dead,
            export_dead: l.export_dead,
            total_dead: l.total,
            items: l.items,
            truncated: l.truncated,
            fallback: l.note,
            unlisted: Vec::new(),
        });
    }
    let memory = client.memory();
    let remembered = memory.and_then(|m| m.dlq_kind_all()).filter(|k| !k.ok);
    let all_note = if let Some(k) = remembered {
        // Asking again would only spend one of the 30 admin calls a minute on a known 500.
        format!(
            "kind=all answered {} on this API {} ago (remembered for {} in {}); listed kind=outbox and kind=export separately",
            k.status,
            crate::clock::human(k.age.as_secs_f64()),
            crate::clock::human(super::memory::DLQ_KIND_ALL_TTL.as_secs_f64()),
            memory
                .map(|m| m.path().display().to_string())
                .unwrap_or_default()
        )
    } else {
        let all_error = match list_kind(client, "all", want).await {
            Ok((page, truncated)) => {
                if let Some(m) = memory {
                    m.note_dlq_kind_all(200);
                }
                return Ok(DlqListing {
                    kind: kind.into(),
                    outbox_dead: Some(page.outbox_dead_count),
                    export_dead: Some(page.export_dead_count),
                    total_dead: Some(page.total),
                    items: page.items,
                    truncated,
                    fallback: None,
                    unlisted: Vec::new(),
                });
            }
            // Only a server error is worth working around; auth and rate limits are the same
            // for every kind, and trying again would just repeat them.
            Err(e) if is_server_error(&e) => e,
            Err(e) => return Err(e),
        };
        // The app's own 500 (the PostgreSQL defect); a proxy's 502 says nothing about kind=all.
        if let Some(m) = memory
            && is_listing_defect(&all_error)
        {
            m.note_dlq_kind_all(500);
        }
        format!(
            "kind=all failed ({}); listed kind=outbox and kind=export separately",
            why(&all_error)
        )
    };
    let mut notes = vec![all_note];
    let (outbox, export) = tokio::join!(
        list_one(client, "outbox", want),
        list_one(client, "export", want)
    );
    let mut listing = DlqListing {
        kind: kind.into(),
        outbox_dead: None,
        export_dead: None,
        total_dead: None,
        items: Vec::new(),
        truncated: false,
        fallback: None,
        unlisted: Vec::new(),
    };
    let mut errors = Vec::new();
    let mut global_counts = false;
    for (name, result) in [("outbox", outbox), ("export", export)] {
        match result {
            Ok(l) => {
                // A DLQ page's counts are global whatever kind it was asked for; the outbox
                // fallback only knows how many rows it got.
                if l.note.is_none() {
                    listing.outbox_dead = l.outbox_dead;
                    listing.export_dead = l.export_dead;
                    global_counts = true;
                } else if !global_counts {
                    listing.outbox_dead = l.outbox_dead;
                }
                listing.truncated |= l.truncated;
                listing.items.extend(l.items);
                notes.extend(l.note);
            }
            Err(e) => {
                listing.unlisted.push(Unlisted {
                    kind: name.into(),
                    reason: why(&e),
                });
                errors.push(e);
            }
        }
    }
    if errors.len() == 2 {
        let first = errors.remove(0);
        return Err(first.context(Failure::new(
            crate::error::Exit::Unexpected,
            "the DLQ could not be listed: kind=all, kind=outbox and kind=export all failed",
        )));
    }
    listing.fallback = Some(notes.join("; "));
    // Newest first, as the server orders; RFC 3339 strings of one format sort as times do.
    listing
        .items
        .sort_by(|a, b| b.created_at.cmp(&a.created_at));
    if listing.items.len() as u64 > want {
        listing.items.truncate(want as usize);
        listing.truncated = true;
    }
    listing.total_dead = match (listing.outbox_dead, listing.export_dead) {
        (Some(o), Some(x)) => Some(o + x),
        _ => None,
    };
    Ok(listing)
}

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
        .expect("a valid regex")
});

/// `payload_summary` carries raw e-mail addresses (docs/app-contract.md §2.1): keep the first letter and the
/// domain, enough to tell events apart without printing who they were for.
pub fn mask_emails(text: &str) -> String {
    EMAIL.replace_all(text, "$1***@$2").into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_masked() {
        assert_eq!(
            mask_emails("Email to jane.doe+x@example.com: Your booking"),
            "Email to j***@example.com: Your booking"
        );
        assert_eq!(
            mask_emails("Webhook to https://hooks.example.com/x"),
            "Webhook to https://hooks.example.com/x"
        );
    }
}
