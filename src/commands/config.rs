//! `cleanops config show`: each resolved setting, masked where secret, with its source.

use anyhow::Result;
use serde_json::json;

use super::Ctx;
use crate::config::Sourced;
use crate::error::Exit;
use crate::escalation::{Role, roles};
use crate::render::{self, Fit};

/// A webhook file as `config show` says it: where it goes and its fingerprint, never the URL.
fn webhook_shown(file: &std::path::Path) -> String {
    match roles::read_webhook(file) {
        Ok(w) => format!(
            "{} (fp {}, from {})",
            w.shown(),
            w.fingerprint,
            file.display()
        ),
        Err(e) => format!("(unusable: {e:#})"),
    }
}

/// A role: who, how cleanops reaches them (keys masked, with fingerprints), what it handles.
fn role_shown(role: &Role) -> String {
    let mut parts = vec![format!("{}: {}", role.id, role.name)];
    if let Some((file, url)) = &role.pagerduty {
        parts.push(match roles::read_routing_key(file) {
            Ok(k) => format!(
                "PagerDuty routing key ******** (fp {}, from {}) to {url}",
                k.fingerprint,
                file.display()
            ),
            Err(e) => format!("PagerDuty routing key unusable: {e:#}"),
        });
    }
    if let Some(file) = &role.slack_webhook_file {
        parts.push(format!("Slack webhook {}", webhook_shown(file)));
    }
    if !role.reachable() {
        parts.push("no PagerDuty or Slack: recorded and shown, not sent".into());
    }
    if !role.handles.is_empty() {
        parts.push(format!(
            "handles {}",
            role.handles
                .iter()
                .map(|h| h.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(c) = &role.contact {
        parts.push(format!("contact: {c}"));
    }
    parts.join(" · ")
}

pub fn show(ctx: &Ctx) -> Result<Exit> {
    let s = &ctx.settings;
    fn row<T: ToString>(name: &str, v: &Option<Sourced<T>>) -> (String, String, String) {
        match v {
            Some(v) => (name.into(), v.value.to_string(), v.source.to_string()),
            None => (name.into(), "(not set)".into(), "-".into()),
        }
    }
    let path = |p: &Sourced<std::path::PathBuf>| Sourced {
        value: p.value.display().to_string(),
        source: p.source.clone(),
    };
    let env_status = match &s.env.problem {
        None => format!("read, {} variable(s)", s.env.vars.len()),
        Some(p) => p.clone(),
    };
    let rows = vec![
        row("profile", &s.profile),
        (
            "config_file".into(),
            s.config_file
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "(none found)".into()),
            "-".into(),
        ),
        row("api_url", &Some(s.api_url.clone())),
        row("username", &s.username),
        // The password's value is never shown: only whether it is set, and from where.
        row(
            "password",
            &s.password.as_ref().map(|p| Sourced {
                value: "******** (set)",
                source: p.source.clone(),
            }),
        ),
        row(
            "timeout",
            &Some(Sourced {
                value: crate::clock::human(s.timeout.value.as_secs_f64()),
                source: s.timeout.source.clone(),
            }),
        ),
        row("mfa_header", &Some(s.mfa_header.clone())),
        row("allow_insecure_http", &Some(s.allow_insecure_http.clone())),
        row("cacert", &s.cacert.as_ref().map(path)),
        row("project_dir", &Some(path(&s.project_dir))),
        row(
            "env_file",
            &Some(Sourced {
                value: format!("{} ({env_status})", s.env_file.value.display()),
                source: s.env_file.source.clone(),
            }),
        ),
        row("project_name", &Some(s.project_name.clone())),
        // The engine as a connection would pick it: settings, then the docker CLI's context.
        match crate::docker::engine::resolve_target(s, &|name| {
            std::env::var(name).ok().filter(|v| !v.is_empty())
        }) {
            Ok(target) => ("docker_host".into(), target.host, target.source),
            Err(e) => (
                "docker_host".into(),
                format!("(unusable: {e:#})"),
                "-".into(),
            ),
        },
        row(
            "heartbeat_ttl_fallback",
            &s.heartbeat_ttl.as_ref().map(|t| Sourced {
                value: format!("{}s", t.value),
                source: t.source.clone(),
            }),
        ),
        row("pagerduty_url", &Some(s.pagerduty_url.clone())),
        row(
            "incident_slack_webhook",
            &s.incident_webhook_file.as_ref().map(|f| Sourced {
                value: webhook_shown(&f.value),
                source: f.source.clone(),
            }),
        ),
    ];
    let mut rows = rows;
    for (i, role) in s.escalation.value.iter().enumerate() {
        rows.push((
            format!("escalation.{}", i + 1),
            role_shown(role),
            s.escalation.source.to_string(),
        ));
    }
    if ctx.ui.json {
        render::json(&json!({
            "settings": rows.iter().map(|(k, v, src)| json!({"name": k, "value": v, "source": src})).collect::<Vec<_>>(),
        }));
    } else {
        // A value is a URL, a path or a name the user may copy: whole; where it came from is prose.
        let mut table = ctx.ui.table(&[
            ("SETTING", Fit::Keep),
            ("VALUE", Fit::Keep),
            ("SOURCE", Fit::Shorten),
        ]);
        for (k, v, src) in rows {
            table.add_row([k, v, src]);
        }
        render::out(&table.to_string());
    }
    Ok(Exit::Ok)
}
