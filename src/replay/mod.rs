//! Draining the dead-letter queue safely: a fixed set of events, only dead ones, paced under
//! the app's per-org limit, each posted with one idempotency key for all its retries, every
//! step journaled so a killed run resumes without a double send.

pub mod journal;

pub mod db;
pub mod lock;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use tokio::time::Instant;

use anyhow::Result;
use serde::Serialize;

use crate::api::Client;
use crate::api::dlq::{ALL_CAP, DlqListing};
use crate::api::replay::{Answer, EventKind};
use crate::api::types::DlqItem;
use crate::cancel::Cancel;
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

/// The item as a target, or why it cannot be one: an unknown kind, or an id the app would not
/// issue for it (a hostile or broken listing), which never reaches a URL.
fn target_of(item: &DlqItem) -> Result<Target, String> {
    let kind = EventKind::parse(&item.kind)
        .ok_or_else(|| format!("unknown kind {:?}: not replayed", item.kind))?;
    if !kind.is_valid_id(&item.event_id) {
        return Err(format!(
            "the listing gave an id that is not an {} event id the app issues: refused, nothing sent",
            kind.as_str()
        ));
    }
    Ok(Target {
        id: item.event_id.clone(),
        kind,
        event_type: Some(item.event_type.clone()),
    })
}

/// The events `--from-dlq` replays, oldest first (they have waited longest), fixed up front;
/// and the listed items refused as targets, with why.
pub fn select_from(
    listing: &DlqListing,
    filters: &Filters,
    now: time::OffsetDateTime,
) -> (Vec<Target>, Vec<(String, String)>) {
    let mut items: Vec<&DlqItem> = listing
        .items
        .iter()
        .filter(|i| filters.matches(i, now))
        .collect();
    items.sort_by(|a, b| a.created_at.cmp(&b.created_at));
    let mut targets = Vec::new();
    let mut refused = Vec::new();
    for item in items {
        match target_of(item) {
            Ok(t) => targets.push(t),
            Err(why) => refused.push((item.event_id.clone(), why)),
        }
    }
    if let Some(limit) = filters.limit {
        targets.truncate(limit as usize);
    }
    (targets, refused)
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
    // "Not in the listing" only means "not dead" when the listing was whole.
    let not_listed = if listing.unlisted.is_empty() {
        "not dead right now (not in the DLQ listing): replaying it would send it again; --force to do it anyway".to_string()
    } else {
        let kinds: Vec<&str> = listing.unlisted.iter().map(|u| u.kind.as_str()).collect();
        format!(
            "cannot tell whether it is dead: the API could not list {} events; replay outbox events through the database (--via db)",
            kinds.join(" and ")
        )
    };
    for id in ids {
        match by_id.get(id.as_str()).map(|i| target_of(i)) {
            Some(Ok(t)) => targets.push(t),
            Some(Err(why)) => skipped.push((id.clone(), why)),
            None if force => {
                let kind = kind.unwrap_or(EventKind::Outbox);
                if kind.is_valid_id(id) {
                    targets.push(Target {
                        id: id.clone(),
                        kind,
                        event_type: None,
                    });
                } else {
                    skipped.push((
                        id.clone(),
                        format!(
                            "not an {} event id the app issues: refused, nothing sent",
                            kind.as_str()
                        ),
                    ));
                }
            }
            None => skipped.push((id.clone(), not_listed.clone())),
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

    /// How long until the next slot.
    pub fn until_next(&self) -> Duration {
        self.next.saturating_duration_since(Instant::now())
    }

    /// Wait for the next slot, and take it; false when cancelled while waiting.
    pub async fn slot(&mut self, cancel: &Cancel) -> bool {
        let wait = self.until_next();
        if !wait.is_zero() && !cancel.sleep(wait).await {
            return false;
        }
        self.next = Instant::now() + self.spacing;
        true
    }

    /// After a 429: keep off for what the server asked (`Retry-After`, already capped), else
    /// for a growing multiple of the spacing, at most a minute. Returns the wait.
    pub fn back_off(&mut self, attempt: u32, asked: Option<Duration>) -> Duration {
        // Never less than the pace itself: a Retry-After of 0 or in the past is no licence to
        // go faster than --rate.
        let wait = asked.map(|a| a.max(self.spacing)).unwrap_or_else(|| {
            (self.spacing * 2u32.pow(attempt.min(5))).min(Duration::from_secs(60))
        });
        self.next = Instant::now() + wait;
        wait
    }
}

/// Why a run stopped early.
pub enum Stop {
    Interrupted,
    Aborted(anyhow::Error),
    /// The server answered an event with the 409 loop of the upstream code (it never records a
    /// keyed replay): every other event would spend the same minutes for nothing.
    NeverRecorded,
}

/// What a run tells its caller as it goes (the progress bar, or a line on stderr).
pub enum Progress<'e> {
    /// One event settled.
    Event(&'e EventResult),
    /// A wait longer than a moment: why, and how long.
    Waiting(String, Duration),
    /// Something worth a line once (the DLQ cannot be re-checked, say).
    Note(String),
}

/// Replays a fixed set of events, journaling each step.
pub struct Runner<'a> {
    pub client: &'a Client,
    pub journal: &'a mut Journal,
    pub run_id: String,
    pub pacer: Pacer,
    pub cancel: Cancel,
    /// Look at the DLQ just before each first POST and skip what is no longer dead (off with
    /// --force, which replays events whatever their state).
    pub recheck: bool,
    /// Events posted before in this run (a resume): re-posted with their key, not re-checked.
    pub posted_before: HashSet<String>,
    pub on_progress: &'a mut dyn FnMut(Progress<'_>),
    /// A note about the last look was given (once a run is enough).
    pub noted: bool,
}

/// Waits shorter than this are not worth a line.
const QUIET_WAIT: Duration = Duration::from_secs(2);

impl Runner<'_> {
    pub async fn run(
        &mut self,
        targets: &[Target],
    ) -> Result<Vec<EventResult>, (Vec<EventResult>, Stop)> {
        let mut results = Vec::new();
        for t in targets {
            if self.cancel.is_cancelled() {
                return Err((results, Stop::Interrupted));
            }
            match self.one(t).await {
                Ok(r) => {
                    (self.on_progress)(Progress::Event(&r));
                    let never = r.result == Disposition::NotRecorded;
                    results.push(r);
                    if never {
                        return Err((results, Stop::NeverRecorded));
                    }
                }
                Err(stop) => return Err((results, stop)),
            }
        }
        Ok(results)
    }

    fn record(&mut self, r: Record) -> Result<(), Stop> {
        self.journal.append(&r).map_err(Stop::Aborted)
    }

    /// Sleep, saying so when it is long; Err when cancelled meanwhile.
    async fn wait(&mut self, why: &str, d: Duration) -> Result<(), Stop> {
        if d >= QUIET_WAIT {
            (self.on_progress)(Progress::Waiting(why.to_string(), d));
        }
        if self.cancel.sleep(d).await {
            Ok(())
        } else {
            Err(Stop::Interrupted)
        }
    }

    /// The last look: is the event still dead? `None` when the DLQ cannot say (the listing
    /// failed); then the run goes on without looking, and says so once.
    async fn still_dead(&mut self, t: &Target) -> Option<bool> {
        match dead_now(self.client, Some(t.kind)).await {
            Ok(listing) if listing.truncated => {
                self.note_once(
                    "the DLQ holds more than cleanops lists at once: events beyond the listing are posted without the last look".into(),
                );
                None
            }
            Ok(listing) => Some(listing.items.iter().any(|i| i.event_id == t.id)),
            // The app's listing defect does not go away within a run: stop asking.
            Err(e) if crate::error::kind_of(&e).is_server_error() => {
                self.recheck = false;
                self.note_once(format!(
                    "cannot re-check the DLQ before each replay ({e:#}); going on without the last look"
                ));
                None
            }
            // A rate limit or a lost answer passes: this event goes without the look, the
            // next ones are looked at again.
            Err(e) => {
                self.note_once(format!(
                    "the last look before a replay failed ({e:#}); that event goes without it"
                ));
                None
            }
        }
    }

    fn note_once(&mut self, text: String) {
        if !self.noted {
            self.noted = true;
            (self.on_progress)(Progress::Note(text));
        }
    }

    fn settle(
        &mut self,
        t: &Target,
        key: String,
        result: Disposition,
        detail: String,
        attempts: u32,
    ) -> Result<EventResult, Stop> {
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
            attempts,
        })
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
            if self.cancel.is_cancelled() {
                // Leave it as it is: a resume posts it (again, with the same key) if needed.
                return Err(Stop::Interrupted);
            }
            attempt += 1;
            let wait = self.pacer.until_next();
            if wait >= QUIET_WAIT {
                (self.on_progress)(Progress::Waiting("the next replay slot".into(), wait));
            }
            if !self.pacer.slot(&self.cancel).await {
                return Err(Stop::Interrupted);
            }
            if attempt == 1
                && self.recheck
                && !self.posted_before.contains(&t.id)
                && self.still_dead(t).await == Some(false)
            {
                return self.settle(
                    t,
                    key,
                    Disposition::NotDead,
                    "no longer dead when its turn came (replayed by someone else?): not posted"
                        .into(),
                    0,
                );
            }
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
            match Answer::of(&resp, &t.id) {
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
                Answer::Undocumented(what) => {
                    break (
                        Disposition::Unknown,
                        format!(
                            "{what}: not counted as replayed (a resume posts it again with the same key)"
                        ),
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
                    self.wait("the server's in-flight replay (409, Retry-After)", wait)
                        .await?;
                }
                Answer::Conflict(why) => {
                    break (Disposition::Failed, format!("idempotency conflict: {why}"));
                }
                Answer::Gone => {
                    break (Disposition::Gone, "404: the event no longer exists".into());
                }
                Answer::RateLimited(asked) => {
                    last = "429 rate limited".into();
                    let wait = self.pacer.back_off(attempt, asked);
                    let why = match asked {
                        Some(_) => "429 rate limited, as the server's Retry-After asks",
                        None => "429 rate limited (no Retry-After), backing off",
                    };
                    if wait >= QUIET_WAIT {
                        (self.on_progress)(Progress::Waiting(why.into(), wait));
                    }
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
        self.settle(t, key, result, detail, attempt)
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
            own_recent_calls: None,
            refused_without_mfa: false,
        }
    }

    #[test]
    fn answers_are_read_one_by_one() {
        let of = |r: &Response| Answer::of(r, "a");
        assert_eq!(
            of(&resp(202, &[], r#"{"event_id":"a","status":"pending"}"#)),
            Answer::Done
        );
        assert_eq!(
            of(&resp(
                202,
                &[("idempotency-key", "k")],
                r#"{"event_id":"a","status":"pending"}"#
            )),
            Answer::AlreadyDone
        );
        // Export ids are strings: another case is another event. UUIDs are one in any case.
        assert!(matches!(
            Answer::of(
                &resp(202, &[], r#"{"event_id":"OK_EXPORT-1","success":true}"#),
                "ok_Export-1"
            ),
            Answer::Undocumented(_)
        ));
        let uuid = "5b0c0d7e-0000-4000-8000-00000000000a";
        assert_eq!(
            Answer::of(
                &resp(
                    202,
                    &[],
                    &format!(
                        r#"{{"event_id":"{}","status":"pending"}}"#,
                        uuid.to_uppercase()
                    )
                ),
                uuid
            ),
            Answer::Done
        );
        // Only the documented 202 with this event in its body counts.
        for (status, body) in [
            (200, r#"{"event_id":"a","status":"pending"}"#),
            (202, r#"{"event_id":"b","status":"pending"}"#),
            (202, "{}"),
            (202, "<html>ok</html>"),
            (204, ""),
        ] {
            assert!(
                matches!(of(&resp(status, &[], body)), Answer::Undocumented(_)),
                "{status} {body}"
            );
        }
        assert_eq!(
            of(&resp(
                202,
                &[],
                r#"{"event_id":"a","success":false,"last_error_code":"status_502"}"#
            )),
            Answer::DeliveryFailed("status_502".into())
        );
        assert_eq!(
            of(&resp(409, &[("retry-after", "1")], "")),
            Answer::InFlight(Duration::from_secs(1))
        );
        assert!(matches!(
            of(&resp(
                409,
                &[],
                r#"{"title":"Idempotency conflict","detail":"Idempotency-Key has already been used with a different payload"}"#
            )),
            Answer::Conflict(_)
        ));
        assert_eq!(
            of(&resp(
                404,
                &[],
                r#"{"title":"Outbox event not found","detail":"Outbox event not found"}"#
            )),
            Answer::Gone
        );
        assert_eq!(
            of(&resp(
                429,
                &[],
                r#"{"detail":"Rate limit exceeded for this action"}"#
            )),
            Answer::RateLimited(None)
        );
        assert_eq!(
            of(&resp(429, &[("retry-after", "20")], "")),
            Answer::RateLimited(Some(Duration::from_secs(20)))
        );
        assert!(matches!(of(&resp(500, &[], "")), Answer::ServerError(_)));
        assert_eq!(
            of(&resp(
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
        let cancel = Cancel::default();
        let start = tokio::time::Instant::now();
        let mut slots = Vec::new();
        for _ in 0..12 {
            assert!(p.slot(&cancel).await);
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
        p.back_off(2, None);
        assert!(p.slot(&cancel).await);
        assert!(tokio::time::Instant::now() - before >= p.spacing() * 4);
        // ... or for what the server asked.
        let before = tokio::time::Instant::now();
        p.back_off(1, Some(Duration::from_secs(30)));
        assert!(p.slot(&cancel).await);
        let waited = tokio::time::Instant::now() - before;
        assert!(
            waited >= Duration::from_secs(30) && waited < Duration::from_secs(31),
            "{waited:?}"
        );
        // A Retry-After of zero (or in the past) does not beat the pace.
        assert_eq!(p.back_off(1, Some(Duration::ZERO)), p.spacing());
        // A cancel ends a wait for a slot at once.
        p.back_off(5, None);
        cancel.cancel();
        let before = tokio::time::Instant::now();
        assert!(!p.slot(&cancel).await);
        assert!(tokio::time::Instant::now() - before < Duration::from_secs(1));
    }

    #[test]
    fn pacing_spacing_stays_under_the_rate() {
        let p = Pacer::new(5);
        assert!(p.spacing() >= Duration::from_secs(12));
        assert!(p.spacing() < Duration::from_secs(13));
    }
}
