//! Sending what `escalate` and `notify` built, and saying how each delivery went: one
//! [`Delivery`] per service and role, with the key's fingerprint, never the key.

use std::path::PathBuf;

use reqwest::Url;
use serde::Serialize;
use serde_json::Value;

use super::http::{Post, Sender};
use super::roles::{self, RoutingKey, Webhook};
use super::{Role, pagerduty, slack};
use crate::error::{Exit, exit_of};
use crate::render::Mark;

/// How cleanops reaches a role, read from its files.
pub struct Reach {
    pub pagerduty: Option<PagerDuty>,
    pub slack: Option<Webhook>,
}

pub struct PagerDuty {
    pub key: RoutingKey,
    pub file: PathBuf,
    pub url: Url,
}

impl Reach {
    /// Read the role's key and webhook files (exit 2 when one is unusable).
    pub fn of(role: &Role) -> anyhow::Result<Reach> {
        let pagerduty = match &role.pagerduty {
            Some((file, url)) => Some(PagerDuty {
                key: roles::read_routing_key(file)?,
                file: file.clone(),
                url: roles::check_endpoint(url, &format!("the PagerDuty URL of role {}", role.id))?,
            }),
            None => None,
        };
        let slack = match &role.slack_webhook_file {
            Some(file) => Some(roles::read_webhook(file)?),
            None => None,
        };
        Ok(Reach { pagerduty, slack })
    }

    pub fn any(&self) -> bool {
        self.pagerduty.is_some() || self.slack.is_some()
    }

    /// `PagerDuty and Slack`, `PagerDuty`, `Slack`.
    pub fn via(&self) -> String {
        match (&self.pagerduty, &self.slack) {
            (Some(_), Some(_)) => "PagerDuty and Slack".into(),
            (Some(_), None) => "PagerDuty".into(),
            (None, Some(_)) => "Slack".into(),
            (None, None) => "nothing".into(),
        }
    }
}

/// How one delivery went.
#[derive(Debug, Serialize)]
pub struct Delivery {
    /// `pagerduty` or `slack`.
    pub service: &'static str,
    /// The role's id, or `incident-channel`.
    pub to: String,
    /// Where it went, as shown (a webhook's path masked).
    pub url: String,
    /// The first 8 hex digits of the SHA-256 of the routing key or webhook URL.
    pub key_fingerprint: String,
    pub sent: bool,
    pub http_status: Option<u16>,
    pub attempts: u32,
    /// What the service said (`Event processed`, `ok`), or what went wrong.
    pub message: String,
    /// The `dedup_key` PagerDuty answered with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dedup_key: Option<String>,
    #[serde(skip)]
    pub error: Option<anyhow::Error>,
}

impl Delivery {
    fn failed(
        service: &'static str,
        to: &str,
        url: String,
        fp: &str,
        attempts: u32,
        e: anyhow::Error,
    ) -> Delivery {
        Delivery {
            service,
            to: to.into(),
            url,
            key_fingerprint: fp.into(),
            sent: false,
            http_status: crate::error::kind_of(&e).status(),
            attempts,
            message: format!("{e:#}"),
            dedup_key: None,
            error: Some(e),
        }
    }

    /// One line for the audit file: service, fingerprint, outcome.
    pub fn record_line(&self) -> String {
        format!(
            "{} fp {}: {}",
            self.service,
            self.key_fingerprint,
            if self.sent {
                self.message.clone()
            } else {
                format!("failed: {}", self.message)
            }
        )
    }

    /// One line for a person.
    pub fn screen_line(&self, what: &str) -> String {
        let service = match self.service {
            "pagerduty" => "PagerDuty",
            _ => "Slack",
        };
        if self.sent {
            let dedup = self
                .dedup_key
                .as_deref()
                .map(|d| format!(", dedup_key {d}"))
                .unwrap_or_default();
            format!(
                "{} {service}: {what}: {} (key fp {}{dedup}{})",
                Mark::Ok.symbol(),
                crate::render::shown(&self.message),
                self.key_fingerprint,
                if self.attempts > 1 {
                    format!(", {} attempts", self.attempts)
                } else {
                    String::new()
                }
            )
        } else {
            format!(
                "{} {service}: {what}: failed: {}",
                Mark::Failed.symbol(),
                crate::render::shown_max(&self.message, 1000)
            )
        }
    }
}

/// Send a PagerDuty event to the role's routing key.
pub async fn pagerduty(sender: &Sender, role: &Role, pd: &PagerDuty, event: &Value) -> Delivery {
    let secrets = vec![pd.key.key.expose().to_string()];
    let post = Post {
        service: "PagerDuty",
        url: &pd.url,
        shown: pd.url.to_string(),
        body: event,
        idempotent: true,
        secrets: secrets.clone(),
    };
    let fp = &pd.key.fingerprint;
    match sender.post(&post).await {
        Err(e) => Delivery::failed("pagerduty", &role.id, post.shown, fp, 0, e),
        Ok(answer) => {
            match pagerduty::interpret(answer.status, &answer.body, role, &pd.file, &secrets) {
                Ok(accepted) => Delivery {
                    service: "pagerduty",
                    to: role.id.clone(),
                    url: post.shown,
                    key_fingerprint: fp.clone(),
                    sent: true,
                    http_status: Some(answer.status),
                    attempts: answer.attempts,
                    message: accepted.message,
                    dedup_key: accepted.dedup_key,
                    error: None,
                },
                Err(f) => Delivery::failed(
                    "pagerduty",
                    &role.id,
                    post.shown,
                    fp,
                    answer.attempts,
                    f.into(),
                ),
            }
        }
    }
}

/// Post a Slack message to a webhook; `to` names it in messages (`the incident channel`).
pub async fn slack(
    sender: &Sender,
    to_id: &str,
    to: &str,
    hook: &Webhook,
    message: &Value,
) -> Delivery {
    let secrets = hook.secret_parts();
    let post = Post {
        service: "Slack",
        url: hook.url(),
        shown: hook.shown(),
        body: message,
        idempotent: false,
        secrets: secrets.clone(),
    };
    let fp = &hook.fingerprint;
    match sender.post(&post).await {
        Err(e) => Delivery::failed("slack", to_id, post.shown, fp, 0, e),
        Ok(answer) => match slack::interpret(answer.status, &answer.body, to, &secrets) {
            Ok(()) => Delivery {
                service: "slack",
                to: to_id.into(),
                url: post.shown,
                key_fingerprint: fp.clone(),
                sent: true,
                http_status: Some(answer.status),
                attempts: answer.attempts,
                message: "ok".into(),
                dedup_key: None,
                error: None,
            },
            Err(f) => Delivery::failed("slack", to_id, post.shown, fp, answer.attempts, f.into()),
        },
    }
}

/// `ok` when every delivery went, `failed` when none did, `partial` in between.
pub fn result_word(deliveries: &[Delivery]) -> &'static str {
    let sent = deliveries.iter().filter(|d| d.sent).count();
    match sent {
        _ if deliveries.is_empty() => "manual",
        n if n == deliveries.len() => "ok",
        0 => "failed",
        _ => "partial",
    }
}

/// The first failure, to end the command with (its exit code and hints); the others are said
/// on stderr.
pub fn first_failure(deliveries: &mut [Delivery]) -> Option<anyhow::Error> {
    let mut first: Option<anyhow::Error> = None;
    for d in deliveries.iter_mut() {
        if let Some(e) = d.error.take() {
            match &first {
                None => first = Some(e),
                Some(_) => crate::report_error(&e),
            }
        }
    }
    first
}

/// The exit code of a failure, for the JSON document.
pub fn exit_code(e: &anyhow::Error) -> i32 {
    let exit: Exit = exit_of(e);
    exit.code()
}
