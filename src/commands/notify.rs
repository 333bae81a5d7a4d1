//! `cleanops notify`: the diagnosis (or the incident timeline) as a message in the incident
//! channel, through its Slack incoming webhook — the `--markdown` note rendered for Slack,
//! tables as code blocks, within Slack's limits — and says what it sent.

use anyhow::Result;
use serde_json::json;

use super::{Ctx, escalate, timeline};
use crate::cli::NotifyArgs;
use crate::confirm::{confirm, ensure_askable};
use crate::error::{Exit, Failure};
use crate::escalation::deliver;
use crate::escalation::http::Sender;
use crate::escalation::{self, pagerduty, roles, slack};
use crate::render;

/// The role recorded for a notification of the incident channel.
pub const CHANNEL: &str = "incident-channel";

pub async fn run(ctx: &Ctx, args: &NotifyArgs) -> Result<Exit> {
    let note = escalation::check_note(args.note.as_deref())?;
    let s = &ctx.settings;
    let Some(file) = &s.incident_webhook_file else {
        return Err(Failure::usage(
            "no incident channel is configured: cleanops does not know where to post",
        )
        .hint("put the channel's Slack incoming-webhook URL in a file (first line, chmod 600) and name it as incident_slack_webhook_file in the profile (docs/configuration.md)")
        .into());
    };
    let hook = roles::read_webhook(&file.value)?;
    let what_kind = if args.timeline {
        "the incident timeline"
    } else {
        "the diagnosis"
    };
    let question = format!("Post {what_kind} to the incident channel?");
    ensure_askable(&ctx.ui, &args.mutate, &question)?;
    let deployment = escalation::deployment(&s.api_url.value, &s.project_name.value);
    let who = escalation::who();
    let (markdown, fallback, what, at) = if args.timeline {
        let md = timeline::markdown(args.since)?;
        (
            md,
            format!(
                "Incident timeline of {} ({}), the last {}",
                s.project_name.value,
                s.api_url.value,
                crate::clock::human(args.since.as_secs_f64())
            ),
            format!(
                "the timeline of the last {}",
                crate::clock::human(args.since.as_secs_f64())
            ),
            None,
        )
    } else {
        let (snap, reused) = escalate::current_diagnosis(ctx, args.max_age, args.deadline).await?;
        let headline = pagerduty::headline(&snap);
        (
            snap.markdown.clone(),
            headline,
            format!(
                "the diagnosis of {} ({})",
                snap.at,
                if reused {
                    "kept from a moment ago"
                } else {
                    "made now"
                }
            ),
            Some(snap.at.clone()),
        )
    };
    let message = slack::message(
        &fallback,
        &markdown,
        note.as_deref(),
        &format!("posted by {who} with cleanops · {deployment}"),
    );
    let blocks = message["blocks"].as_array().map(Vec::len).unwrap_or(0);
    let chars: usize = message["blocks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| {
            b["text"]["text"]
                .as_str()
                .or(b["elements"][0]["text"].as_str())
        })
        .map(|t| t.chars().count())
        .sum();
    let size = format!("{blocks} blocks, {chars} characters");

    if args.mutate.dry_run {
        if ctx.ui.json {
            render::json(&json!({
                "dry_run": true,
                "what": what,
                "deployment": deployment,
                "requests": [{"service": "slack", "method": "POST", "url": hook.shown(), "body": message}],
            }));
        } else {
            render::out(&format!(
                "dry run: nothing is sent, and no notification is recorded. Would post {what} to the incident channel ({size}):\n\nSlack, incident channel webhook (fp {}):\nPOST {}\nContent-Type: application/json\n\n{}\n",
                hook.fingerprint,
                hook.shown(),
                serde_json::to_string_pretty(&message).unwrap_or_default()
            ));
        }
        return Ok(Exit::Ok);
    }

    confirm(&ctx.ui, &args.mutate, &question)?;
    let sender = Sender::new(s, ctx.verbose)?;
    let action = crate::audit::start_for("notify", &deployment, Some(CHANNEL));
    let mut deliveries =
        vec![deliver::slack(&sender, CHANNEL, "the incident channel", &hook, &message).await];
    let result = deliver::result_word(&deliveries);
    action.end(
        result,
        format!(
            "{what} ({size}); {}{}",
            deliveries[0].record_line(),
            note.as_deref()
                .map(|n| format!("; note: {n}"))
                .unwrap_or_default()
        ),
    );
    let failure = deliver::first_failure(&mut deliveries);
    if ctx.ui.json {
        render::json(&json!({
            "what": what,
            "diagnosis_at": at,
            "deployment": deployment,
            "blocks": blocks,
            "characters": chars,
            "result": result,
            "deliveries": deliveries,
            "exit_code": failure.as_ref().map(deliver::exit_code).unwrap_or(0),
        }));
    } else if failure.is_none() {
        render::out(&format!(
            "{}\n  {}",
            deliveries[0].screen_line(&format!("posted {what} to the incident channel")),
            render::shown_max(&format!("{size}: {fallback}"), 1000)
        ));
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(Exit::Ok),
    }
}
