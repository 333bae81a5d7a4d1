//! Draining the dead-letter queue safely: a fixed set of events, only dead ones, paced under
//! the app's per-org limit, each posted with one idempotency key for all its retries, every
//! step journaled so a killed run resumes without a double send.

pub mod journal;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Result;
use serde::Serialize;

use crate::api::Client;
use crate::api::dlq::{ALL_CAP, DlqListing};
use crate::api::replay::{Answer, EventKind};
use crate::api::types::DlqItem;
use crate::clock;
use crate::error::{Exit, Failure, exit_of};
use journal::{Disposition, Journal, Record, Target};

/// POSTs for one event at the most (the first and the retries).
const MAX_ATTEMPTS: u32 = 6;
/// In-flight 409s tolerated before calling the replay "never recorded".
const IN_FLIGHT_TRIES: u32 = 3;
/// The app's idempotency column is 128 characters.
const MAX_KEY: usize = 128;

/// `20261128T170305Z-3f9c`: sortable, unique enough, safe in a file name.
pub fn new_run_id(now: time::OffsetDateTime) -> String {
    let t = now.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z-{:04x}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        fastrand::u16(..)
    )
}

/// The event's key in this run: the same for every retry and every resume of the run, and
/// different for every event (the app scopes keys per endpoint, not per event).
pub fn key(run_id: &str, event_id: &str) -> String {
    let k = format!("cleanops-{run_id}-{event_id}");
    k.chars().take(MAX_KEY).collect()
}

pub fn correlation(run_id: &str) -> String {
    format!("cleanops-replay-{run_id}")
}

/// Which dead events: the filters of `--from-dlq`.
#[derive(Clone, Debug, Default)]
pub struct Filters {
    pub kind: Option<EventKind>,
    pub event_type: Option<String>,
    pub error: Option<String>,
    pub older_than: Option<Duration>,
    pub limit: Option<u64>,
}

impl Filters {
    pub fn matches(&self, item: &DlqItem, now: time::OffsetDateTime) -> bool {
        if let Some(k) = self.kind
            && item.kind != k.as_str()
        {
            return false;
        }
        if let Some(t) = &self.event_type
            && !item.event_type.eq_ignore_ascii_case(t)
        {
            return false;
        }
        if let Some(e) = &self.error
            && !item
                .last_error
                .as_deref()
                .is_some_and(|le| le.to_ascii_lowercase().contains(&e.to_ascii_lowercase()))
        {
            return false;
        }
        if let Some(age) = self.older_than {
            let Ok(created) = clock::parse_rfc3339(&item.created_at) else {
                return false;
            };
            if (now - created).as_seconds_f64() < age.as_secs_f64() {
                return false;
            }
        }
        true
    }
}

/// What the DLQ holds now, by id (both kinds, as far as the server lets us list them).
pub async fn dead_now(client: &Client, kind: Option<EventKind>) -> Result<DlqListing> {
    crate::api::dlq::list(
        client,
        kind.map(EventKind::as_str).unwrap_or("all"),
        ALL_CAP,
    )
    .await
}

fn target_of(item: &DlqItem) -> Option<Target> {
    Some(Target {
        id: item.event_id.clone(),
        kind: EventKind::parse(&item.kind)?,
        event_type: Some(item.event_type.clone()),
    })
}

/// The events `--from-dlq` replays, oldest first (they have waited longest), fixed up front.
pub fn select_from(
    listing: &DlqListing,
    filters: &Filters,
    now: time::OffsetDateTime,
) -> Vec<Target> {
    let mut items: Vec<&DlqItem> = listing
        .items
        .iter()
        .filter(|i| filters.matches(i, now))
        .collect();
    items.sort_by(|a, b| a.created_at.cmp(&b.created_at));
    let mut targets: Vec<Target> = items.into_iter().filter_map(target_of).collect();
    if let Some(limit) = filters.limit {
        targets.truncate(limit as usize);
    }
    targets
}

/// Named ids: those dead right now are targets; the others are skipped unless `force` (then
/// their kind is `kind`, outbox when not given).
pub fn select_ids(
    listing: &DlqListing,
    ids: &[String],
    force: bool,
    kind: Option<EventKind>,
) -> (Vec<Target>, Vec<(String, String)>) {
    let by_id: HashMap<&str, &DlqItem> = listing
        .items
        .iter()
        .map(|i| (i.event_id.as_str(), i))
        .collect();
    let mut targets = Vec::new();
    let mut skipped = Vec::new();
    for id in ids {
        match by_id.get(id.as_str()).and_then(|i| target_of(i)) {
            Some(t) => targets.push(t),
            None if force => targets.push(Target {
                id: id.clone(),
                kind: kind.unwrap_or(EventKind::Outbox),
                event_type: None,
            }),
            None => skipped.push((
                id.clone(),
                "not dead right now (not in the DLQ listing): replaying it would send it again; --force to do it anyway".to_string(),
            )),
        }
    }
    (targets, skipped)
}

/// How one event ended in this invocation.
#[derive(Clone, Debug, Serialize)]
pub struct EventResult {
    pub id: String,
    pub kind: EventKind,
    pub result: Disposition,
    pub detail: String,
    pub attempts: u32,
}

/// Spacing POSTs so the app's sliding one-minute window never sees more than `rate`.
pub struct Pacer {
    spacing: Duration,
    next: Instant,
}

impl Pacer {
    pub fn new(rate_per_minute: u32) -> Pacer {
        // A little slack: the server's window and our clock do not start at the same instant.
        let spacing = Duration::from_secs_f64(60.0 / f64::from(rate_per_minute.max(1)) * 1.05);
        Pacer {
            spacing,
            next: Instant::now(),
        }
    }

    pub fn spacing(&self) -> Duration {
        self.spacing
    }

    /// Wait for the next slot, and take it.
    pub async fn slot(&mut self) {
        let now = Instant::now();
        if self.next > now {
            tokio::time::sleep(self.next - now).await;
        }
        self.next = Instant::now() + self.spacing;
    }

    /// After a 429: keep off for a while (the app says nothing about how long).
    pub fn back_off(&mut self, attempt: u32) {
        let wait = (self.spacing * 2u32.pow(attempt.min(5))).min(Duration::from_secs(60));
        self.next = Instant::now() + wait;
    }
}

/// Why a run stopped early.
pub enum Stop {
    Interrupted,
    Aborted(anyhow::Error),
}

/// Replays a fixed set of events, journaling each step.
pub struct Runner<'a> {
    pub client: &'a Client,
    pub journal: &'a mut Journal,
    pub run_id: String,
    pub pacer: Pacer,
    pub stop: Arc<AtomicBool>,
    /// Called after each event (the progress bar).
    pub on_event: &'a mut dyn FnMut(&EventResult),
}

impl Runner<'_> {
    pub async fn run(
        &mut self,
        targets: &[Target],
    ) -> Result<Vec<EventResult>, (Vec<EventResult>, Stop)> {
        let mut results = Vec::new();
        for t in targets {
            if self.stop.load(Ordering::Relaxed) {
                return Err((results, Stop::Interrupted));
            }
            match self.one(t).await {
                Ok(r) => {
                    (self.on_event)(&r);
                    results.push(r);
                }
                Err(stop) => return Err((results, stop)),
            }
        }
        Ok(results)
    }

    fn record(&mut self, r: Record) -> Result<(), Stop> {
        self.journal.append(&r).map_err(Stop::Aborted)
    }

    async fn one(&mut self, t: &Target) -> Result<EventResult, Stop> {
        let key = key(&self.run_id, &t.id);
        let correlation = correlation(&self.run_id);
        let mut in_flight = 0;
        let mut last = String::new();
        let mut attempt = 0;
        let (result, detail) = loop {
            if attempt >= MAX_ATTEMPTS {
                break (
                    Disposition::Unknown,
                    format!("gave up after {attempt} attempts: {last}"),
                );
            }
            if attempt > 0 && self.stop.load(Ordering::Relaxed) {
                // Leave it in doubt: a resume posts it again with the same key.
                return Err(Stop::Interrupted);
            }
            attempt += 1;
            self.pacer.slot().await;
            self.record(Record::Intent {
                id: t.id.clone(),
                key: key.clone(),
                attempt,
                at: clock::rfc3339(time::OffsetDateTime::now_utc()),
            })?;
            let resp = match self.client.replay(t.kind, &t.id, &key, &correlation).await {
                Ok(r) => r,
                Err(e) => match exit_of(&e) {
                    // Lost connection, timeout, cut-off body: the same key makes a retry safe.
                    Exit::Unreachable | Exit::Unexpected => {
                        last = format!("{e:#}");
                        continue;
                    }
                    _ => return Err(Stop::Aborted(e)),
                },
            };
            match Answer::of(&resp) {
                Answer::Done => break (Disposition::Replayed, String::new()),
                Answer::AlreadyDone => {
                    break (
                        Disposition::AlreadyDone,
                        "an earlier POST of this run had gone through".into(),
                    );
                }
                Answer::DeliveryFailed(code) => {
                    break (
                        Disposition::Failed,
                        format!("delivered and failed again: {code}"),
                    );
                }
                Answer::InFlight(wait) => {
                    in_flight += 1;
                    last = "409 in flight (empty body, Retry-After)".into();
                    if in_flight >= IN_FLIGHT_TRIES {
                        break (
                            Disposition::NotRecorded,
                            format!(
                                "the server never recorded the replay: {in_flight} answers of 409 with an empty body and Retry-After (the running upstream code does this for every keyed replay)"
                            ),
                        );
                    }
                    tokio::time::sleep(wait).await;
                }
                Answer::Conflict(why) => {
                    break (Disposition::Failed, format!("idempotency conflict: {why}"));
                }
                Answer::Gone => {
                    break (Disposition::Gone, "404: the event no longer exists".into());
                }
                Answer::RateLimited => {
                    last = "429 rate limited".into();
                    self.pacer.back_off(attempt);
                }
                Answer::ServerError(why) => last = format!("server error: {why}"),
                Answer::ReadOnly => {
                    return Err(Stop::Aborted(
                        Failure::new(Exit::Unhealthy, "the app is in read-only mode (ADMIN_READ_ONLY): no replay can go through")
                            .into(),
                    ));
                }
                Answer::Refused(why) => {
                    return Err(Stop::Aborted(
                        anyhow::anyhow!(why).context(Failure::new(Exit::Auth, "replay refused")),
                    ));
                }
                Answer::Rejected(why) => break (Disposition::Failed, why),
            }
        };
        self.record(Record::Outcome {
            id: t.id.clone(),
            key,
            result,
            detail: detail.clone(),
            at: clock::rfc3339(time::OffsetDateTime::now_utc()),
        })?;
        Ok(EventResult {
            id: t.id.clone(),
            kind: t.kind,
            result,
            detail,
            attempts: attempt,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::client::Response;

    fn resp(status: u16, headers: &[(&'static str, &str)], body: &str) -> Response {
        let mut h = reqwest::header::HeaderMap::new();
        for (k, v) in headers {
            h.insert(*k, v.parse().unwrap());
        }
        Response {
            status: reqwest::StatusCode::from_u16(status).unwrap(),
            headers: h,
            body: body.as_bytes().to_vec(),
            latency: Duration::ZERO,
            date: None,
            method: reqwest::Method::POST,
            path: "/x".into(),
        }
    }

    #[test]
    fn answers_are_read_one_by_one() {
        assert_eq!(
            Answer::of(&resp(202, &[], r#"{"event_id":"a","status":"pending"}"#)),
            Answer::Done
        );
        assert_eq!(
            Answer::of(&resp(202, &[("idempotency-key", "k")], "{}")),
            Answer::AlreadyDone
        );
        assert_eq!(
            Answer::of(&resp(
                202,
                &[],
                r#"{"event_id":"a","success":false,"last_error_code":"status_502"}"#
            )),
            Answer::DeliveryFailed("status_502".into())
        );
        assert_eq!(
            Answer::of(&resp(409, &[("retry-after", "1")], "")),
            Answer::InFlight(Duration::from_secs(1))
        );
        assert!(matches!(
            Answer::of(&resp(
                409,
                &[],
                r#"{"title":"Idempotency conflict","detail":"Idempotency-Key has already been used with a different payload"}"#
            )),
            Answer::Conflict(_)
        ));
        assert_eq!(
            Answer::of(&resp(
                404,
                &[],
                r#"{"title":"Outbox event not found","detail":"Outbox event not found"}"#
            )),
            Answer::Gone
        );
        assert_eq!(
            Answer::of(&resp(
                429,
                &[],
                r#"{"detail":"Rate limit exceeded for this action"}"#
            )),
            Answer::RateLimited
        );
        assert!(matches!(
            Answer::of(&resp(500, &[], "")),
            Answer::ServerError(_)
        ));
        assert_eq!(
            Answer::of(&resp(
                409,
                &[],
                r#"{"title":"Admin writes temporarily disabled","detail":"Admin writes temporarily disabled"}"#
            )),
            Answer::ReadOnly
        );
    }

    #[test]
    fn keys_are_per_run_and_event_and_short_enough() {
        let k = key(
            "20261128T170305Z-3f9c",
            "5b0c0d7e-0000-4000-8000-000000000001",
        );
        assert_eq!(
            k,
            "cleanops-20261128T170305Z-3f9c-5b0c0d7e-0000-4000-8000-000000000001"
        );
        assert!(key("r", &"x".repeat(500)).len() <= 128);
        assert_ne!(key("r", "a"), key("r", "b"));
    }

    /// On a paused clock: N slots at rate R never put more than R POSTs in any 60 s window.
    #[tokio::test(start_paused = true)]
    async fn pacing_holds_the_rate() {
        let mut p = Pacer::new(5);
        let start = tokio::time::Instant::now();
        let mut slots = Vec::new();
        for _ in 0..12 {
            p.slot().await;
            slots.push(tokio::time::Instant::now() - start);
        }
        for (i, t) in slots.iter().enumerate() {
            let in_window = slots[i..]
                .iter()
                .filter(|u| **u - *t < Duration::from_secs(60))
                .count();
            assert!(
                in_window <= 5,
                "{in_window} slots in the minute after {t:?}"
            );
        }
        // ... and it does not dawdle: 12 slots in about 11 spacings.
        assert!(slots[11] < Duration::from_secs(11 * 13));
        // A 429 keeps the next slot off for longer.
        let before = tokio::time::Instant::now();
        p.back_off(2);
        p.slot().await;
        assert!(tokio::time::Instant::now() - before >= p.spacing() * 4);
    }

    #[test]
    fn pacing_spacing_stays_under_the_rate() {
        let p = Pacer::new(5);
        assert!(p.spacing() >= Duration::from_secs(12));
        assert!(p.spacing() < Duration::from_secs(13));
    }
}
