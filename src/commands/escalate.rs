//! `cleanops escalate`: the runbook's escalation roles as a command. Pages the next role of
//! the chain (or the one named) with the diagnosis attached — a PagerDuty Events API v2
//! `trigger` under one `dedup_key` per deployment, a Slack message, or, for a role known only by
//! name, a record and the contact to call — and `--ack` / `--resolve` the incident's alert.
//! Every escalation is in the audit file with its role; `timeline` shows them.

use std::time::Duration;

use anyhow::Result;
use serde_json::{Value, json};

use super::{Ctx, diagnose};
use crate::cli::{EscalateArgs, MutateArgs};
use crate::clock;
use crate::confirm::{confirm, ensure_askable};
use crate::error::{Exit, Failure};
use crate::escalation::deliver::{self, Delivery, Reach};
use crate::escalation::http::Sender;
use crate::escalation::pagerduty::{self, Action};
use crate::escalation::snapshot::{self, Snapshot};
use crate::escalation::{self, Incident, Next, Role, slack};
use crate::render::{self, Mark};

/// What a page needs besides the role.
pub struct PageOptions {
    pub note: Option<String>,
    /// Reuse the kept diagnosis when at most this old.
    pub max_age: Duration,
    /// A new diagnosis's deadline.
    pub deadline: Duration,
    pub mutate: MutateArgs,
    /// Say it on stderr, in words: a caller with its own document on stdout (remediate --json).
    pub on_stderr: bool,
}

pub async fn run(ctx: &Ctx, args: &EscalateArgs) -> Result<Exit> {
    let note = escalation::check_note(args.note.as_deref())?;
    let s = &ctx.settings;
    let chain = &s.escalation.value;
    let deployment = escalation::deployment(&s.api_url.value, &s.project_name.value);
    let incident = Incident::current(&deployment);
    if args.ack || args.resolve {
        let action = if args.resolve {
            Action::Resolve
        } else {
            Action::Acknowledge
        };
        return follow_up(ctx, args, action, note.as_deref(), &incident).await;
    }
    let role = match &args.role {
        Some(r) => find_role(chain, r)?,
        None => match incident.next_role(chain) {
            Next::Role(r) => r,
            Next::Exhausted { last } => {
                return Err(Failure::usage(format!(
                    "every role after {last} has been paged in this incident (since {}): name the role to page again",
                    incident.since
                ))
                .hint(format!("cleanops escalate ROLE   # the chain: {}", ids(chain)))
                .hint("`cleanops escalate --resolve` closes the incident; the next escalation then starts at the head of the chain")
                .into());
            }
        },
    };
    page(
        ctx,
        role,
        &PageOptions {
            note,
            max_age: args.max_age,
            deadline: args.deadline,
            mutate: args.mutate,
            on_stderr: false,
        },
    )
    .await
}

fn ids(chain: &[Role]) -> String {
    chain
        .iter()
        .map(|r| r.id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The role named on the command line (ids are matched without regard to case).
pub fn find_role<'a>(chain: &'a [Role], name: &str) -> Result<&'a Role> {
    let wanted = name.trim().to_ascii_lowercase();
    chain.iter().find(|r| r.id == wanted).ok_or_else(|| {
        Failure::usage(format!(
            "no role {:?} in the escalation chain (roles: {})",
            render::shown(name),
            ids(chain)
        ))
        .hint("the chain is the profile's `escalation` (docs/configuration.md); `cleanops config show` lists it")
        .into()
    })
}

/// The diagnosis to send: the kept one of this deployment when recent enough, else a new one
/// (recorded like any diagnosis). True when it was the kept one.
pub async fn current_diagnosis(
    ctx: &Ctx,
    max_age: Duration,
    deadline: Duration,
) -> Result<(Snapshot, bool)> {
    let s = &ctx.settings;
    let deployment = escalation::deployment(&s.api_url.value, &s.project_name.value);
    if let Some(kept) = snapshot::load_recent(&deployment, max_age, clock::now()?) {
        return Ok((kept, true));
    }
    eprintln!(
        "diagnosing {} first (at most {}) ...",
        s.project_name.value,
        clock::human(deadline.as_secs_f64())
    );
    let d = diagnose::diagnose(
        ctx.settings.clone(),
        &crate::checks::all(),
        diagnose::PassOptions {
            deadline,
            deep: false,
            quiet: false,
            verbose: ctx.verbose,
            remember: true,
        },
    )
    .await?;
    Ok((diagnose::record(&d), false))
}

fn role_json(role: &Role) -> Value {
    json!({"id": role.id, "name": role.name, "contact": role.contact})
}

/// The dry run's requests, bodies shown as sent but with the routing key masked.
fn request_json(service: &str, url: &str, body: &Value) -> Value {
    json!({"service": service, "method": "POST", "url": url, "body": pagerduty::shown(body)})
}

fn request_text(title: &str, url: &str, body: &Value) -> String {
    format!(
        "{title}\nPOST {url}\nContent-Type: application/json\n\n{}\n",
        serde_json::to_string_pretty(&pagerduty::shown(body)).unwrap_or_default()
    )
}

/// Page `role` with the diagnosis (also what `remediate --escalate-after` calls).
pub async fn page(ctx: &Ctx, role: &Role, opts: &PageOptions) -> Result<Exit> {
    let s = &ctx.settings;
    let json = ctx.ui.json && !opts.on_stderr;
    let say = |text: &str| {
        if opts.on_stderr {
            eprintln!("{}", text.trim_end_matches('\n'));
        } else {
            render::out(text);
        }
    };
    let deployment = escalation::deployment(&s.api_url.value, &s.project_name.value);
    let reach = Reach::of(role)?;
    let label = role.label();
    let question = format!("Page {label} through {} with the diagnosis?", reach.via());
    if reach.any() {
        ensure_askable(&ctx.ui, &opts.mutate, &question)?;
    }
    let (snap, reused) = current_diagnosis(ctx, opts.max_age, opts.deadline).await?;
    let who = escalation::who();
    let headline = pagerduty::headline(&snap);
    let dedup_key = pagerduty::dedup_key(&snap.api_url, &snap.project);
    let ctx_pd = pagerduty::Context {
        role,
        who: &who,
        note: opts.note.as_deref(),
        reused,
    };
    let event = pagerduty::trigger(
        reach
            .pagerduty
            .as_ref()
            .map(|p| p.key.key.expose())
            .unwrap_or("********"),
        &snap,
        &ctx_pd,
    );
    let message = slack::message(
        &format!("Escalated to {label}: {headline}"),
        &snap.markdown,
        opts.note.as_deref(),
        &format!(
            "escalated to {label} by {who} with cleanops · severity {} · dedup_key {dedup_key}",
            pagerduty::severity(&snap).as_str()
        ),
    );
    let diagnosis_line = format!(
        "the diagnosis of {} ({})",
        snap.at,
        if reused {
            "kept from a moment ago"
        } else {
            "made now"
        }
    );

    if opts.mutate.dry_run {
        let mut requests = Vec::new();
        let mut text = String::new();
        if let Some(pd) = &reach.pagerduty {
            requests.push(request_json("pagerduty", pd.url.as_str(), &event));
            text.push_str(&request_text(
                &format!(
                    "PagerDuty, routing key of {label} ******** (fp {}, from {}):",
                    pd.key.fingerprint,
                    pd.file.display()
                ),
                pd.url.as_str(),
                &event,
            ));
        }
        if let Some(hook) = &reach.slack {
            requests.push(request_json("slack", &hook.shown(), &message));
            text.push_str(&format!(
                "\n{}",
                request_text(
                    &format!("Slack, webhook of {label} (fp {}):", hook.fingerprint),
                    &hook.shown(),
                    &message
                )
            ));
        }
        if json {
            render::json(&json!({
                "dry_run": true,
                "action": "trigger",
                "role": role_json(role),
                "deployment": deployment,
                "dedup_key": dedup_key,
                "diagnosis": {"at": snap.at, "reused": reused, "exit_code": snap.exit_code},
                "requests": requests,
                "event": pagerduty::shown(&event),
            }));
            return Ok(Exit::Ok);
        }
        let mut out = format!(
            "dry run: nothing is sent, and no escalation is recorded. Would page {label} with {diagnosis_line}.\n\n"
        );
        if reach.any() {
            out.push_str(&text);
        } else {
            out.push_str(&format!(
                "{label} has no PagerDuty routing key or Slack webhook in the configuration: `cleanops escalate` would record the escalation and show who to call{}.\n\
                 With pagerduty_routing_key_file set for the role (docs/configuration.md), it would send:\n\n{}",
                role.contact.as_deref().map(|c| format!(" ({c})")).unwrap_or_default(),
                request_text("PagerDuty:", &role.pagerduty.as_ref().map(|p| p.1.clone()).unwrap_or_else(|| s.pagerduty_url.value.clone()), &event)
            ));
        }
        say(&out);
        return Ok(Exit::Ok);
    }

    if !reach.any() {
        let contact = role
            .contact
            .clone()
            .unwrap_or_else(|| "no contact in the configuration".into());
        crate::audit::event_for(
            "escalate",
            &deployment,
            Some(&role.id),
            "manual",
            &format!(
                "{label}: recorded, not sent (no PagerDuty key or Slack webhook); contact: {contact}; {}{}",
                headline,
                opts.note
                    .as_deref()
                    .map(|n| format!("; note: {n}"))
                    .unwrap_or_default()
            ),
        );
        if json {
            render::json(&json!({
                "action": "trigger",
                "role": role_json(role),
                "deployment": deployment,
                "sent": false,
                "recorded": true,
                "summary": headline,
                "severity": pagerduty::severity(&snap),
                "diagnosis": {"at": snap.at, "reused": reused, "exit_code": snap.exit_code},
                "deliveries": [],
            }));
        } else {
            say(&format!(
                "{} escalation to {label} recorded; cleanops cannot reach this role itself (no PagerDuty key or Slack webhook configured).\n  Call them now: {}\n  Tell them: {}\n{}",
                Mark::Warning.symbol(),
                render::shown(&contact),
                render::shown_max(&headline, 1000),
                render::next_command("cleanops diagnose --markdown   # the note to hand over")
            ));
        }
        return Ok(Exit::Ok);
    }

    confirm(&ctx.ui, &opts.mutate, &question)?;
    let sender = Sender::new(s, ctx.verbose)?;
    let action = crate::audit::start_for("escalate", &deployment, Some(&role.id));
    let mut deliveries: Vec<Delivery> = Vec::new();
    if let Some(pd) = &reach.pagerduty {
        deliveries.push(deliver::pagerduty(&sender, role, pd, &event).await);
    }
    if let Some(hook) = &reach.slack {
        deliveries.push(deliver::slack(&sender, &role.id, &label, hook, &message).await);
    }
    let result = deliver::result_word(&deliveries);
    action.end(
        result,
        format!(
            "{label}: {}; dedup_key {dedup_key}; {}{}",
            deliveries
                .iter()
                .map(Delivery::record_line)
                .collect::<Vec<_>>()
                .join("; "),
            headline,
            opts.note
                .as_deref()
                .map(|n| format!("; note: {n}"))
                .unwrap_or_default()
        ),
    );
    let failure = deliver::first_failure(&mut deliveries);
    if json {
        render::json(&json!({
            "action": "trigger",
            "role": role_json(role),
            "deployment": deployment,
            "dedup_key": dedup_key,
            "summary": headline,
            "severity": pagerduty::severity(&snap),
            "diagnosis": {"at": snap.at, "reused": reused, "exit_code": snap.exit_code},
            "result": result,
            "deliveries": deliveries,
            "exit_code": failure.as_ref().map(deliver::exit_code).unwrap_or(0),
        }));
    } else {
        let mut out = String::new();
        for d in deliveries.iter().filter(|d| d.sent) {
            out.push_str(&d.screen_line(&format!("paged {label}")));
            out.push('\n');
        }
        if failure.is_none() {
            out.push_str(&format!(
                "  sent {diagnosis_line}: {}\n{}",
                render::shown_max(&headline, 1000),
                render::next_command("cleanops escalate --ack   # once someone is on it; --resolve when /readyz is ready")
            ));
        }
        if !out.is_empty() {
            say(&out);
        }
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(Exit::Ok),
    }
}

/// `--ack` and `--resolve`: to the roles reached in this incident (or the one named).
async fn follow_up(
    ctx: &Ctx,
    args: &EscalateArgs,
    action: Action,
    note: Option<&str>,
    incident: &Incident,
) -> Result<Exit> {
    let s = &ctx.settings;
    let chain = &s.escalation.value;
    let deployment = escalation::deployment(&s.api_url.value, &s.project_name.value);
    let verb = match action {
        Action::Resolve => "resolve",
        _ => "acknowledge",
    };
    let mut said = Vec::new();
    let targets: Vec<&Role> = match &args.role {
        Some(r) => vec![find_role(chain, r)?],
        None => {
            let paged: Vec<&Role> = incident
                .paged_roles()
                .iter()
                .filter_map(|id| chain.iter().find(|r| &r.id == id))
                .collect();
            if paged.is_empty() {
                said.push(format!(
                    "no escalation of this deployment is recorded here since {}: sending to every role cleanops can reach",
                    incident.since
                ));
                chain.iter().filter(|r| r.reachable()).collect()
            } else {
                paged
            }
        }
    };
    let mut reaches = Vec::new();
    for role in &targets {
        let reach = Reach::of(role)?;
        if !reach.any() {
            said.push(format!(
                "cleanops cannot reach {} (no PagerDuty key or Slack webhook): tell them yourself{}",
                role.label(),
                role.contact
                    .as_deref()
                    .map(|c| format!(" ({c})"))
                    .unwrap_or_default()
            ));
        }
        reaches.push((*role, reach));
    }
    let reachable = reaches.iter().any(|(_, r)| r.any());
    let role_list = targets
        .iter()
        .map(|r| r.id.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let question = format!(
        "{} the incident's alert for {}?",
        if action == Action::Resolve {
            "Resolve"
        } else {
            "Acknowledge"
        },
        if role_list.is_empty() {
            "nobody".to_string()
        } else {
            role_list.clone()
        }
    );
    if reachable {
        ensure_askable(&ctx.ui, &args.mutate, &question)?;
    }

    // A resolve says the scheduler is healthy: /readyz must say so too.
    let mut forced = None;
    if action == Action::Resolve {
        let client = ctx.client()?;
        let why_not = match client.readiness().await {
            Ok(r) if r.readiness.ok => None,
            Ok(r) => Some((
                Exit::Unhealthy,
                format!(
                    "/readyz is not ready (failing: {})",
                    r.readiness
                        .checks
                        .iter()
                        .filter(|c| !c.ok)
                        .map(|c| render::shown(&c.name).into_owned())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
            Err(e) => Some((
                crate::error::exit_of(&e),
                format!("/readyz could not be read: {e:#}"),
            )),
        };
        match (why_not, args.force) {
            (None, _) => said.push("/readyz is ready".into()),
            (Some((exit, why)), false) => {
                return Err(Failure::new(exit, format!("refusing to resolve: {why}"))
                    .hint("fix it first (cleanops diagnose), or pass --force to resolve anyway")
                    .into());
            }
            (Some((_, why)), true) => {
                said.push(format!("--force: resolving although {why}"));
                forced = Some(why);
            }
        }
    }

    let dedup_key = pagerduty::dedup_key(&s.api_url.value, &s.project_name.value);
    let who = escalation::who();
    let text = match action {
        Action::Resolve => format!(
            "*Resolved* by {who}: the job scheduler of `{}` ({}){}",
            s.project_name.value,
            s.api_url.value,
            match &forced {
                Some(why) => format!(" — with --force, although {why}"),
                None => " — /readyz is ready again".into(),
            }
        ),
        _ => format!(
            "*Acknowledged* by {who}: someone is on the job scheduler incident of `{}` ({})",
            s.project_name.value, s.api_url.value
        ),
    };
    let footer = format!(
        "cleanops escalate --{} · dedup_key {dedup_key}",
        if action == Action::Resolve {
            "resolve"
        } else {
            "ack"
        }
    );
    let message = slack::short(&text, note, &footer);
    let events: Vec<(&Role, Option<Value>)> = reaches
        .iter()
        .map(|(role, reach)| {
            (
                *role,
                reach
                    .pagerduty
                    .as_ref()
                    .map(|pd| pagerduty::follow_up(pd.key.key.expose(), &dedup_key, action)),
            )
        })
        .collect();

    if args.mutate.dry_run {
        let mut requests = Vec::new();
        let mut out = format!(
            "dry run: nothing is sent or recorded. Would {verb} for {}.\n",
            if role_list.is_empty() {
                "nobody".into()
            } else {
                role_list.clone()
            }
        );
        for line in &said {
            out.push_str(&format!("  {line}\n"));
        }
        for ((role, reach), (_, event)) in reaches.iter().zip(&events) {
            if let (Some(pd), Some(event)) = (&reach.pagerduty, event) {
                requests.push(request_json("pagerduty", pd.url.as_str(), event));
                out.push_str(&format!(
                    "\n{}",
                    request_text(
                        &format!(
                            "PagerDuty, routing key of {} ******** (fp {}):",
                            role.label(),
                            pd.key.fingerprint
                        ),
                        pd.url.as_str(),
                        event
                    )
                ));
            }
            if let Some(hook) = &reach.slack {
                requests.push(request_json("slack", &hook.shown(), &message));
                out.push_str(&format!(
                    "\n{}",
                    request_text(
                        &format!(
                            "Slack, webhook of {} (fp {}):",
                            role.label(),
                            hook.fingerprint
                        ),
                        &hook.shown(),
                        &message
                    )
                ));
            }
        }
        if ctx.ui.json {
            render::json(&json!({
                "dry_run": true,
                "action": action,
                "roles": targets.iter().map(|r| role_json(r)).collect::<Vec<_>>(),
                "deployment": deployment,
                "dedup_key": dedup_key,
                "notes": said,
                "requests": requests,
            }));
        } else {
            render::out(&out);
        }
        return Ok(Exit::Ok);
    }

    if !reachable {
        // Nothing to send: the record is the acknowledgement (or closes the incident).
        crate::audit::event_for(
            verb,
            &deployment,
            Some(if role_list.is_empty() {
                "-"
            } else {
                &role_list
            }),
            "manual",
            &format!(
                "recorded, not sent (no role of these has a PagerDuty key or Slack webhook){}{}",
                forced
                    .as_deref()
                    .map(|w| format!("; --force although {w}"))
                    .unwrap_or_default(),
                note.map(|n| format!("; note: {n}")).unwrap_or_default()
            ),
        );
        if ctx.ui.json {
            render::json(&json!({
                "action": action, "roles": targets.iter().map(|r| role_json(r)).collect::<Vec<_>>(),
                "deployment": deployment, "dedup_key": dedup_key, "notes": said,
                "sent": false, "recorded": true, "deliveries": [],
            }));
        } else {
            let mut out = String::new();
            for line in &said {
                out.push_str(&format!("  {line}\n"));
            }
            out.push_str(&format!(
                "{} {verb} recorded; nothing to send: no role here has a PagerDuty key or Slack webhook",
                Mark::Warning.symbol()
            ));
            render::out(&out);
        }
        return Ok(Exit::Ok);
    }

    confirm(&ctx.ui, &args.mutate, &question)?;
    let sender = Sender::new(s, ctx.verbose)?;
    let record = crate::audit::start_for(verb, &deployment, Some(&role_list));
    let mut deliveries = Vec::new();
    for ((role, reach), (_, event)) in reaches.iter().zip(&events) {
        if let (Some(pd), Some(event)) = (&reach.pagerduty, event) {
            deliveries.push(deliver::pagerduty(&sender, role, pd, event).await);
        }
        if let Some(hook) = &reach.slack {
            deliveries.push(deliver::slack(&sender, &role.id, &role.label(), hook, &message).await);
        }
    }
    let result = deliver::result_word(&deliveries);
    record.end(
        result,
        format!(
            "{}; dedup_key {dedup_key}{}{}",
            deliveries
                .iter()
                .map(|d| format!("{}: {}", d.to, d.record_line()))
                .collect::<Vec<_>>()
                .join("; "),
            forced
                .as_deref()
                .map(|w| format!("; --force although {w}"))
                .unwrap_or_default(),
            note.map(|n| format!("; note: {n}")).unwrap_or_default()
        ),
    );
    let failure = deliver::first_failure(&mut deliveries);
    if ctx.ui.json {
        render::json(&json!({
            "action": action,
            "roles": targets.iter().map(|r| role_json(r)).collect::<Vec<_>>(),
            "deployment": deployment,
            "dedup_key": dedup_key,
            "notes": said,
            "result": result,
            "deliveries": deliveries,
            "exit_code": failure.as_ref().map(deliver::exit_code).unwrap_or(0),
        }));
    } else {
        let mut out = String::new();
        for line in &said {
            out.push_str(&format!("  {line}\n"));
        }
        let what = if action == Action::Resolve {
            "resolved"
        } else {
            "acknowledged"
        };
        for d in deliveries.iter().filter(|d| d.sent) {
            out.push_str(&d.screen_line(&format!("{what} for {}", d.to)));
            out.push('\n');
        }
        if !out.trim().is_empty() {
            render::out(&out);
        }
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(Exit::Ok),
    }
}
