//! `cleanops timeline`: the incident's actions and diagnoses in a window, from the audit file,
//! paste-ready for the postmortem. Escalations, acknowledgements, resolves and notifications
//! show the role they were for (`escalate → secondary`).

use anyhow::Result;
use serde_json::json;

use super::Ctx;
use crate::audit::{self, AuditRecord};
use crate::cli::TimelineArgs;
use crate::clock;
use crate::error::Exit;
use crate::render;

/// The most characters of a recorded result or detail shown to a person. The audit file is read
/// back from disk and its texts carry error messages and findings from the server and the
/// engine: shown escaped and bounded like any outside string ([`render::shown`]).
const MAX_TEXT: usize = 1000;

/// One line of the timeline: an action (its start and end paired) or an event.
struct Entry<'a> {
    at: &'a str,
    action: &'a str,
    role: Option<&'a str>,
    target: &'a str,
    who: String,
    result: String,
    detail: String,
    duration: Option<f64>,
}

fn entries(records: &[AuditRecord]) -> Vec<Entry<'_>> {
    let mut out = Vec::new();
    for r in records {
        match r.phase.as_str() {
            "start" => {
                let end = records.iter().find(|e| e.phase == "end" && e.id == r.id);
                out.push(Entry {
                    at: &r.at,
                    action: &r.action,
                    role: r.role.as_deref(),
                    target: &r.target,
                    who: format!("{}@{}", r.user, r.host),
                    result: end
                        .and_then(|e| e.result.clone())
                        .unwrap_or_else(|| "no end recorded (interrupted or crashed)".into()),
                    detail: end.and_then(|e| e.detail.clone()).unwrap_or_default(),
                    duration: end.and_then(|e| e.duration_seconds),
                });
            }
            "event" => out.push(Entry {
                at: &r.at,
                action: &r.action,
                role: r.role.as_deref(),
                target: &r.target,
                who: format!("{}@{}", r.user, r.host),
                result: r.result.clone().unwrap_or_default(),
                detail: r.detail.clone().unwrap_or_default(),
                duration: None,
            }),
            _ => {}
        }
    }
    out
}

/// The action as shown: with its role for escalations and notifications.
fn action_of(e: &Entry<'_>) -> String {
    match e.role {
        Some(role) => format!("{} → {role}", e.action),
        None => e.action.to_string(),
    }
}

fn took(d: Option<f64>) -> String {
    d.map(|d| format!(" ({})", clock::human(d)))
        .unwrap_or_default()
}

/// The records of the last `since`, and the window's text.
fn window(since: std::time::Duration) -> Result<(Vec<AuditRecord>, String, String, String)> {
    let now = clock::now()?;
    let since = now - since;
    let records: Vec<AuditRecord> = audit::read_all()
        .into_iter()
        .filter(|r| clock::parse_rfc3339(&r.at).is_ok_and(|t| t >= since))
        .collect();
    let text = format!("{} – {} UTC", clock::rfc3339(since), clock::rfc3339(now));
    Ok((records, text, clock::rfc3339(since), clock::rfc3339(now)))
}

/// The paste-ready table of the last `since` (also what `notify --timeline` posts).
pub fn markdown(since: std::time::Duration) -> Result<String> {
    let (records, window, _, _) = window(since)?;
    Ok(markdown_of(&entries(&records), &window))
}

fn markdown_of(list: &[Entry<'_>], window: &str) -> String {
    let mut out = format!(
        "### Incident timeline, {window}\n\n| time (UTC) | who | action | target | result |\n| --- | --- | --- | --- | --- |\n"
    );
    for e in list {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {}{}{} |\n",
            render::shown(e.at.replace('T', " ").trim_end_matches('Z')),
            render::shown(&e.who).replace('|', "\\|"),
            render::shown(&action_of(e)).replace('|', "\\|"),
            render::shown(e.target).replace('|', "\\|"),
            render::shown_max(&e.result, MAX_TEXT).replace('|', "\\|"),
            took(e.duration),
            if e.detail.is_empty() {
                String::new()
            } else {
                format!(
                    ": {}",
                    render::shown_max(&e.detail, MAX_TEXT).replace('|', "\\|")
                )
            }
        ));
    }
    if list.is_empty() {
        out.push_str("| | | nothing recorded in this window | | |\n");
    }
    out
}

pub fn run(ctx: &Ctx, args: &TimelineArgs) -> Result<Exit> {
    let (records, window, since, now) = window(args.since)?;
    let list = entries(&records);
    if ctx.ui.json {
        render::json(&json!({
            "since": since,
            "until": now,
            "entries": list.iter().map(|e| json!({
                "at": e.at, "action": e.action, "role": e.role, "target": e.target, "who": e.who,
                "result": e.result, "detail": e.detail, "duration_seconds": e.duration,
            })).collect::<Vec<_>>(),
        }));
        return Ok(Exit::Ok);
    }
    if args.markdown {
        render::out(&markdown_of(&list, &window));
        return Ok(Exit::Ok);
    }
    if list.is_empty() {
        render::out(&format!(
            "nothing recorded in {window} ({})",
            audit::path()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        ));
        return Ok(Exit::Ok);
    }
    let mut table = ctx.ui.table(&[
        ("TIME (UTC)", render::Fit::Keep),
        ("WHO", render::Fit::Keep),
        ("ACTION", render::Fit::Keep),
        ("TARGET", render::Fit::Shorten),
        ("RESULT", render::Fit::Shorten),
    ]);
    for e in &list {
        table.add_row([
            render::shown(e.at).into_owned(),
            render::shown(&e.who).into_owned(),
            render::shown(&action_of(e)).into_owned(),
            render::shown(e.target).into_owned(),
            format!(
                "{}{}",
                render::shown_max(&e.result, MAX_TEXT),
                took(e.duration)
            ),
        ]);
    }
    render::out(&table.to_string());
    Ok(Exit::Ok)
}
