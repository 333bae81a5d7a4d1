//! `cleanops diagnose`: every read-only check of the runbook at once, a verdict, and the one
//! command to run next — on one screen, as JSON, or as a paste-ready markdown note. The pass
//! itself is `ops::diagnose`; this is its arguments and rendering.

use anyhow::Result;
use serde_json::json;

use super::Ctx;
use crate::checks::{self, Status};
use crate::cli::DiagnoseArgs;
use crate::clock;
use crate::error::Exit;
use crate::escalation::Suggestion;
// The operation, for the commands that run a pass (demo, watch, remediate, escalate).
pub use crate::ops::diagnose::{
    Diagnosis, PassOptions, diagnose, diagnose_with, pass_client, select,
};
use crate::render::{self, Fit, Mark, Ui};

/// The most characters of one line of a finding, cause, step or summary shown to a person: these
/// are cleanops' sentences, but carry strings from the server and the engine (job names, errors,
/// log lines, container states), so they are shown escaped and bounded like any outside string
/// ([`render::shown`]), with room for the sentence around them.
const MAX_LINE: usize = 1000;

/// Record a finished diagnosis: its line in the audit file, and the whole of it kept for the
/// next `escalate` or `notify` (src/escalation/snapshot.rs).
pub fn record(d: &Diagnosis) -> crate::escalation::snapshot::Snapshot {
    crate::audit::event(
        "diagnose",
        &crate::escalation::deployment(&d.api_url, &d.project),
        &format!("exit {}", d.exit.code()),
        &format!("{} · engine {}", summary_line(d), d.engine),
    );
    let snapshot = crate::escalation::snapshot::Snapshot::of(d, summary_line(d), markdown(d));
    crate::escalation::snapshot::save(&snapshot);
    snapshot
}

pub async fn run(ctx: &Ctx, args: &DiagnoseArgs) -> Result<Exit> {
    if args.list_checks {
        let list = checks::all();
        if ctx.ui.json {
            render::json(&list.iter().map(|c| json!({"id": c.id, "about": c.about, "timeout_seconds": c.timeout.as_secs()})).collect::<Vec<_>>());
        } else {
            for c in list {
                render::out(&format!("{:<15} {}", c.id, c.about));
            }
        }
        return Ok(Exit::Ok);
    }
    let selected = select(&args.check, &args.skip)?;
    if let Some(every) = args.watch {
        return super::watch::run(ctx, args, &selected, every).await;
    }
    let d = diagnose(
        ctx.settings.clone(),
        &selected,
        PassOptions {
            deadline: args.deadline,
            deep: args.deep,
            quiet: false,
            verbose: ctx.verbose,
            remember: true,
        },
    )
    .await?;
    record(&d);
    if ctx.ui.json {
        render::json(&to_json(&d));
    } else if args.markdown {
        render::out(&markdown(&d));
    } else {
        render::out(&screen(&d, &ctx.ui));
    }
    Ok(d.exit)
}

pub fn to_json(d: &Diagnosis) -> serde_json::Value {
    json!({
        "at": clock::rfc3339(d.at),
        "api_url": d.api_url,
        "project": d.project,
        "engine": d.engine,
        "duration_seconds": d.took.as_secs_f64(),
        "admin_calls": d.admin_calls,
        "exit_code": d.exit.code(),
        "checks": d.reports,
        "verdict": d.verdict,
        "escalation": d.escalation,
    })
}

fn counts(d: &Diagnosis) -> String {
    let n = |s: Status| d.reports.iter().filter(|r| r.status == s).count();
    let mut parts = Vec::new();
    for (s, word) in [
        (Status::Failed, "failed"),
        (Status::Crashed, "crashed"),
        (Status::TimedOut, "timed out"),
        (Status::Warning, "warning"),
        (Status::Ok, "ok"),
        (Status::Skipped, "skipped"),
    ] {
        match n(s) {
            0 => {}
            1 => parts.push(format!("{} 1 {word}", s.plain())),
            many if s == Status::Warning => parts.push(format!("{} {many} warnings", s.plain())),
            many => parts.push(format!("{} {many} {word}", s.plain())),
        }
    }
    parts.join(" · ")
}

/// The one line a person reads last.
pub fn summary_line(d: &Diagnosis) -> String {
    match d.verdict.causes.first() {
        None if d.exit == Exit::Ok => format!(
            "all well ({}, {})",
            counts(d),
            clock::human(d.took.as_secs_f64())
        ),
        None => format!(
            "needs a look, no single cause found ({}, {})",
            counts(d),
            clock::human(d.took.as_secs_f64())
        ),
        Some(c) => format!(
            "{} — next: {} ({}, {})",
            c.title,
            c.next,
            counts(d),
            clock::human(d.took.as_secs_f64())
        ),
    }
}

pub fn screen(d: &Diagnosis, ui: &Ui) -> String {
    use colored::Colorize;
    let head = format!(
        "{} {} · {}",
        "cleanops diagnose".bold(),
        d.api_url,
        clock::rfc3339(d.at)
    );
    let project = format!("project {} on {}", d.project, d.engine);
    // Two lines where one would not fit: the URL and the engine are never cut.
    let mut out = if ui.tty
        && console::measure_text_width(&head) + console::measure_text_width(&project) + 3
            > ui.columns
    {
        format!("{head}\n{project}\n\n")
    } else {
        format!(
            "{} {} · project {} on {} · {}\n\n",
            "cleanops diagnose".bold(),
            d.api_url,
            d.project,
            d.engine,
            clock::rfc3339(d.at)
        )
    };
    // One line a check: the whole finding is in --json and --markdown.
    let mut table = ui.table(&[
        ("", Fit::Keep),
        ("CHECK", Fit::Keep),
        ("FINDING", Fit::Shorten),
    ]);
    for r in &d.reports {
        table.add_row([
            r.status.symbol(),
            r.id.to_string(),
            render::shown_max(&r.summary, MAX_LINE).into_owned(),
        ]);
    }
    out.push_str(&table.to_string());
    out.push('\n');
    if !d.verdict.causes.is_empty() {
        out.push_str(&format!("\n{}\n", "Likely causes, likeliest first".bold()));
        for (i, c) in d.verdict.causes.iter().enumerate() {
            let title = render::shown_max(&c.title, MAX_LINE);
            let title = if i == 0 {
                title.red().bold().to_string()
            } else {
                title.into_owned()
            };
            out.push_str(&ui.fit(&format!("{}. {title}", i + 1)));
            out.push('\n');
            for e in &c.evidence {
                let line = format!("     {}", render::shown_max(e, MAX_LINE).dimmed());
                out.push_str(&ui.fit(&line));
                out.push('\n');
            }
            let next = format!("   {}", render::next_command(&c.next).trim_start());
            out.push_str(&ui.fit_command(&next));
            out.push('\n');
        }
    }
    if !d.verdict.steps.is_empty() {
        out.push_str(&format!(
            "\n{}\n",
            "Safe remediation, in the runbook's order".bold()
        ));
        for s in &d.verdict.steps {
            let line = format!("  {}", render::shown_max(s, MAX_LINE));
            out.push_str(&ui.fit_command(&line));
            out.push('\n');
        }
    }
    if let Some(e) = &d.escalation {
        out.push_str(&format!("\n{}\n", "Needs a person".bold()));
        let line = format!("  {}", render::shown_max(&escalation_sentence(e), MAX_LINE));
        out.push_str(&ui.fit(&line));
        out.push('\n');
        out.push_str(&ui.next_command(&e.command));
        out.push('\n');
    }
    let mark = match d.exit {
        Exit::Ok if d.verdict.causes.is_empty() => Mark::Ok.symbol(),
        Exit::Ok => Mark::Warning.symbol(),
        _ => Mark::Failed.symbol(),
    };
    out.push_str(&format!("\n{mark} {}\n", screen_summary(d, ui)));
    out
}

/// [`summary_line`] as the screen shows it. When it is wider than the terminal it becomes
/// three lines: the cause's title (shortened if need be), the counts, and the next command,
/// whole, last, as every next command is shown. The title's cut never depends on the counts.
fn screen_summary(d: &Diagnosis, ui: &Ui) -> String {
    let whole = render::shown_max(&summary_line(d), MAX_LINE).into_owned();
    // The mark and its space are in front of the line.
    let room = ui.columns.saturating_sub(2);
    let Some(c) = d.verdict.causes.first() else {
        return whole;
    };
    if !ui.tty || console::measure_text_width(&whole) <= room {
        return whole;
    }
    let title = render::shown_max(&c.title, MAX_LINE);
    format!(
        "{}\n  {}, {}\n{}",
        render::shorten(&title, room.max(MIN_TITLE)),
        counts(d),
        clock::human(d.took.as_secs_f64()),
        ui.next_command(&c.next)
    )
}

/// The fewest characters of a cause's title the summary line keeps, however long the rest.
const MIN_TITLE: usize = 16;

/// A paste-ready incident note, times in UTC.
pub fn markdown(d: &Diagnosis) -> String {
    let mut out = format!(
        "### cleanops diagnose — {} UTC\n\n- API: `{}`\n- project: `{}` on `{}`\n- result: **{}**\n\n",
        clock::rfc3339(d.at).trim_end_matches('Z').replace('T', " "),
        d.api_url,
        d.project,
        d.engine,
        render::shown_max(&summary_line(d), MAX_LINE).replace('|', "\\|")
    );
    out.push_str("| | check | finding |\n| --- | --- | --- |\n");
    for r in &d.reports {
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            r.status.plain(),
            r.id,
            render::shown_max(&r.summary, MAX_LINE).replace('|', "\\|")
        ));
    }
    if !d.verdict.causes.is_empty() {
        out.push_str("\n**Likely causes**\n\n");
        for (i, c) in d.verdict.causes.iter().enumerate() {
            out.push_str(&format!(
                "{}. {}\n",
                i + 1,
                render::shown_max(&c.title, MAX_LINE)
            ));
            for e in &c.evidence {
                out.push_str(&format!("   - {}\n", render::shown_max(e.trim(), MAX_LINE)));
            }
            out.push_str(&format!("   - next: `{}`\n", c.next));
        }
    }
    if !d.verdict.steps.is_empty() {
        out.push_str("\n**Remediation plan**\n\n");
        for s in &d.verdict.steps {
            out.push_str(&format!("- `{}`\n", render::shown_max(s, MAX_LINE)));
        }
    }
    if let Some(e) = &d.escalation {
        out.push_str("\n**Needs a person**\n\n");
        out.push_str(&format!(
            "- {}: `{}`\n",
            render::shown_max(&escalation_sentence(e), MAX_LINE),
            e.command
        ));
    }
    out
}

/// Why a cause needs a person, and who to escalate to.
pub fn escalation_sentence(e: &Suggestion) -> String {
    let who = match (&e.role, &e.name) {
        (Some(id), Some(name)) if name != id => format!("escalate to {name} ({id})"),
        (Some(id), _) => format!("escalate to {id}"),
        _ => "every role of the chain has been paged in this incident: name the one to page again"
            .into(),
    };
    let contact = e
        .contact
        .as_deref()
        .map(|c| format!(", {c}"))
        .unwrap_or_default();
    format!("{} — {who}{contact}", e.why)
}
