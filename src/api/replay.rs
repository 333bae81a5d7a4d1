//! The replay endpoints (docs/app-contract.md §3) and what each answer means for the event. Replays are
//! POSTs: sent once per call here; the caller retries, always with the same idempotency key.

use std::time::Duration;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use super::Client;
use super::client::Response;
use super::types::Problem;
use crate::error::Failure;

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

    /// Whether `id` is an id the app issues for this kind: outbox events are UUID text
    /// (`outbox_events.event_id uuid`); export events are at most 36 characters
    /// (`export_events.event_id varchar(36)`) of letters, digits, `-` and `_`. Anything else
    /// never reaches a URL or a header.
    pub fn is_valid_id(self, id: &str) -> bool {
        match self {
            EventKind::Outbox => is_uuid(id),
            EventKind::Export => {
                (1..=36).contains(&id.len())
                    && id
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            }
        }
    }

    /// Outbox replays reset the row for the runner; export replays deliver in the request.
    /// The id is checked and goes in as one path segment, encoded.
    pub fn path(self, event_id: &str) -> Result<String> {
        if !self.is_valid_id(event_id) {
            return Err(Failure::usage(format!(
                "{} is not an {} event id the app issues ({}): not sent",
                crate::render::shown(&format!("{event_id:?}")),
                self.as_str(),
                match self {
                    EventKind::Outbox => "a UUID",
                    EventKind::Export => "1 to 36 letters, digits, - or _",
                }
            ))
            .into());
        }
        let prefix: &[&str] = match self {
            EventKind::Outbox => &["v1", "admin", "outbox"],
            EventKind::Export => &["v1", "admin", "export-dead-letter"],
        };
        let mut url = reqwest::Url::parse("http://path.invalid/").expect("a constant URL");
        url.path_segments_mut()
            .map_err(|_| anyhow::anyhow!("cannot build a replay path"))?
            .extend(prefix)
            .push(event_id)
            .push("replay");
        Ok(url.path().to_string())
    }
}

/// `8-4-4-4-12` hexadecimal digits, as PostgreSQL prints a uuid (either case accepted).
pub fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
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
    /// A 2xx that is not the documented 202 carrying this event: something answered, but not
    /// the replay endpoint as the app has it. Never counted as replayed.
    Undocumented(String),
    /// 409 with an empty body and `Retry-After`: the key is still in flight (and on the running
    /// upstream code, forever: docs/app-contract.md §12).
    InFlight(Duration),
    /// 409 "Idempotency conflict": the key was used for another event.
    Conflict(String),
    /// 404: the event is gone.
    Gone,
    /// 429: over the app's limit (the app sends no `Retry-After`; a proxy in front may).
    RateLimited(Option<Duration>),
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
    /// What the answer to the replay POST of `event_id` means.
    pub fn of(resp: &Response, event_id: &str) -> Answer {
        let status = resp.status.as_u16();
        let problem = Problem::parse(&resp.body).map(|p| p.summary());
        let said = || problem.clone().unwrap_or_else(|| format!("HTTP {status}"));
        match status {
            202 => {
                #[derive(Deserialize)]
                struct Accepted {
                    event_id: String,
                    success: Option<bool>,
                    last_error_code: Option<String>,
                }
                let accepted = match serde_json::from_slice::<Accepted>(&resp.body) {
                    // UUIDs in either case are one id; export ids are strings, exact.
                    Ok(a)
                        if a.event_id == event_id
                            || (is_uuid(event_id) && a.event_id.eq_ignore_ascii_case(event_id)) =>
                    {
                        a
                    }
                    Ok(a) => {
                        return Answer::Undocumented(format!(
                            "HTTP 202 for another event ({})",
                            crate::render::shown(&a.event_id)
                        ));
                    }
                    Err(_) => {
                        return Answer::Undocumented(format!(
                            "HTTP 202 without the event in its body: {}",
                            super::client::excerpt(&resp.body, 80)
                        ));
                    }
                };
                // The stored answer of an earlier call with this key (the body is that call's).
                if resp.header("idempotency-key").is_some() {
                    return Answer::AlreadyDone;
                }
                match accepted {
                    Accepted {
                        success: Some(false),
                        last_error_code,
                        ..
                    } => Answer::DeliveryFailed(
                        last_error_code.unwrap_or_else(|| "unknown error".into()),
                    ),
                    _ => Answer::Done,
                }
            }
            s if (200..300).contains(&s) => Answer::Undocumented(format!(
                "HTTP {s}, not the documented 202: {}",
                super::client::excerpt(&resp.body, 80)
            )),
            409 if resp.body.is_empty() => {
                let wait = resp.retry_after().unwrap_or(Duration::from_secs(1));
                Answer::InFlight(wait.clamp(Duration::from_secs(1), Duration::from_secs(30)))
            }
            409 if said().contains("Admin writes temporarily disabled") => Answer::ReadOnly,
            409 => Answer::Conflict(said()),
            404 => Answer::Gone,
            429 => Answer::RateLimited(resp.retry_after()),
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
        self.post(&kind.path(event_id)?, &headers(key, correlation))
            .await
    }

    /// The batch replay (§3.3): the server delivers up to `limit` dead events at once. Any
    /// answer but a 2xx with the batch's counts is an error.
    pub async fn replay_batch(&self, batch: &Batch) -> Result<BatchAnswer> {
        let resp = self
            .post(&batch.path(), &headers(&batch.key, &batch.correlation))
            .await?;
        if !resp.status.is_success() {
            return Err(resp.error_for_status().into());
        }
        resp.json()
    }
}

/// One batch replay request, as it will be sent (also what a dry run shows).
pub struct Batch {
    /// 1 to 100, the server's bounds.
    pub limit: u64,
    pub key: String,
    pub correlation: String,
}

impl Batch {
    pub const MAX: u64 = 100;

    pub fn path(&self) -> String {
        format!(
            "/v1/admin/queue/dlq/replay?confirm=true&limit={}",
            self.limit
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ids_the_app_issues_reach_a_path_as_one_segment() {
        let id = "5b0c0d7e-0000-4000-8000-000000000001";
        assert_eq!(
            EventKind::Outbox.path(id).unwrap(),
            format!("/v1/admin/outbox/{id}/replay")
        );
        assert_eq!(
            EventKind::Export.path("exp_42-A").unwrap(),
            "/v1/admin/export-dead-letter/exp_42-A/replay"
        );
        for hostile in [
            "../../../admin/users/1/delete",
            "a?b=c#frag",
            "a%2Fb",
            "a/b",
            "..",
            "",
            "id\r\nX-Injected: 1",
            &"a".repeat(37),
        ] {
            assert!(EventKind::Export.path(hostile).is_err(), "{hostile:?}");
            assert!(EventKind::Outbox.path(hostile).is_err(), "{hostile:?}");
        }
        assert!(
            EventKind::Outbox.path("exp_42").is_err(),
            "outbox ids are UUIDs"
        );
    }
}
