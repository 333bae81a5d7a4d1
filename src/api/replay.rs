//! The replay endpoints (contract §3) and what each answer means for the event. Replays are
//! POSTs: sent once per call here; the caller retries, always with the same idempotency key.

use std::time::Duration;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use super::Client;
use super::client::Response;
use super::types::Problem;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Outbox,
    Export,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Outbox => "outbox",
            EventKind::Export => "export",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        match s {
            "outbox" => Some(EventKind::Outbox),
            "export" => Some(EventKind::Export),
            _ => None,
        }
    }

    /// Outbox replays reset the row for the runner; export replays deliver in the request.
    pub fn path(self, event_id: &str) -> String {
        match self {
            EventKind::Outbox => format!("/v1/admin/outbox/{event_id}/replay"),
            EventKind::Export => format!("/v1/admin/export-dead-letter/{event_id}/replay"),
        }
    }
}

/// What one replay POST came back with.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    /// 202: reset to pending (outbox) or delivered (export).
    Done,
    /// 202 with the `Idempotency-Key` header: the stored answer of an earlier call with this
    /// key; nothing happened to the event this time.
    AlreadyDone,
    /// Export replay: 202 with `success: false`, the webhook failed again.
    DeliveryFailed(String),
    /// 409 with an empty body and `Retry-After`: the key is still in flight (and on the running
    /// upstream code, forever: contract §12).
    InFlight(Duration),
    /// 409 "Idempotency conflict": the key was used for another event.
    Conflict(String),
    /// 404: the event is gone.
    Gone,
    /// 429: over the app's limit (no `Retry-After` is ever sent).
    RateLimited,
    /// 5xx: retry with the same key.
    ServerError(String),
    /// 409 "Admin writes temporarily disabled": nothing will go through.
    ReadOnly,
    /// 401/403: stop the run.
    Refused(String),
    /// Any other answer: this event fails, with the server's words.
    Rejected(String),
}

impl Answer {
    pub fn of(resp: &Response) -> Answer {
        let status = resp.status.as_u16();
        let problem = Problem::parse(&resp.body).map(|p| p.summary());
        let said = || problem.clone().unwrap_or_else(|| format!("HTTP {status}"));
        match status {
            202 | 200 => {
                if resp.header("idempotency-key").is_some() {
                    return Answer::AlreadyDone;
                }
                #[derive(Deserialize)]
                struct Export {
                    success: Option<bool>,
                    last_error_code: Option<String>,
                }
                match serde_json::from_slice::<Export>(&resp.body) {
                    Ok(Export {
                        success: Some(false),
                        last_error_code,
                    }) => Answer::DeliveryFailed(
                        last_error_code.unwrap_or_else(|| "unknown error".into()),
                    ),
                    _ => Answer::Done,
                }
            }
            409 if resp.body.is_empty() => {
                let wait = resp
                    .header("retry-after")
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .unwrap_or(1);
                Answer::InFlight(Duration::from_secs(wait.clamp(1, 30)))
            }
            409 if said().contains("Admin writes temporarily disabled") => Answer::ReadOnly,
            409 => Answer::Conflict(said()),
            404 => Answer::Gone,
            429 => Answer::RateLimited,
            401 | 403 => Answer::Refused(format!("{}", resp.error_for_status())),
            s if s >= 500 => Answer::ServerError(said()),
            _ => Answer::Rejected(said()),
        }
    }
}

/// The batch replay's answer (§3.3).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BatchAnswer {
    pub processed: u64,
    pub sent: u64,
    pub failed: u64,
    pub skipped: u64,
    #[serde(default)]
    pub correlation_id: Option<String>,
}

fn headers(key: &str, correlation: &str) -> Vec<(&'static str, String)> {
    vec![
        ("Idempotency-Key", key.to_string()),
        ("X-Correlation-ID", correlation.to_string()),
    ]
}

impl Client {
    /// One replay POST; transport failures come back as errors (the caller may retry with the
    /// same key: that is what the key is for).
    pub async fn replay(
        &self,
        kind: EventKind,
        event_id: &str,
        key: &str,
        correlation: &str,
    ) -> Result<Response> {
        self.post(&kind.path(event_id), &headers(key, correlation))
            .await
    }

    pub async fn replay_batch(&self, limit: u64, key: &str, correlation: &str) -> Result<Response> {
        self.post(
            &format!("/v1/admin/queue/dlq/replay?confirm=true&limit={limit}"),
            &headers(key, correlation),
        )
        .await
    }
}
