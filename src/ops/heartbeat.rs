//! The runner's heartbeat: waiting until `/readyz` shows a fresh one, and the server's clock
//! read against ours.

use std::time::{Duration, SystemTime};

use anyhow::Result;
use serde::Serialize;
use time::OffsetDateTime;

use crate::api::Client;
use crate::api::client::ReadySnapshot;
use crate::api::readiness::{Heartbeat, HeartbeatClass};
use crate::clock::{self, parse_rfc3339};
use crate::render::Ui;

/// The jobs check of a readiness answer, as a heartbeat (`late_after`: seconds after which a
/// fresh one reads as late).
pub fn of(snap: &ReadySnapshot, late_after: Option<f64>) -> Heartbeat {
    match snap.readiness.check("jobs") {
        Some(c) => Heartbeat::from_check(c, late_after),
        None => Heartbeat::absent(),
    }
}

/// Poll `/readyz` every `interval` until the heartbeat is fresh, at most `limit`; the answer
/// that showed it and how long it took. `ui` carries only the waiting spinner.
pub async fn wait_fresh(
    client: &Client,
    ui: &Ui,
    limit: Duration,
    interval: Duration,
    late_after: Option<f64>,
) -> Result<(ReadySnapshot, Duration)> {
    crate::wait::until(
        client,
        ui,
        limit,
        interval,
        "a fresh jobs heartbeat",
        |s| of(s, late_after).class == HeartbeatClass::Fresh,
        |s| crate::render::shown(&of(s, late_after).reading()).into_owned(),
    )
    .await
}

/// The server's clock against ours.
#[derive(Debug, Serialize)]
pub struct ClockReading {
    pub local_time: String,
    pub server_date: Option<String>,
    /// Server minus local, seconds (the `Date` header has whole seconds: ±1 s is noise).
    pub drift_seconds: Option<f64>,
    pub max_drift_seconds: f64,
    pub drift_ok: bool,
    /// How far the last heartbeat lies ahead of our clock, when it does.
    pub heartbeat_in_future_seconds: Option<f64>,
}

pub fn read_clock(
    snap_date: Option<SystemTime>,
    hb: &Heartbeat,
    now: OffsetDateTime,
    max_drift: Duration,
) -> ClockReading {
    let server = snap_date.map(OffsetDateTime::from);
    let drift = server.map(|s| (s - now).as_seconds_f64());
    let max = max_drift.as_secs_f64();
    // A heartbeat ahead of our clock by more than the tolerated drift, or a negative age from
    // the server itself (its DB and its clock disagree).
    let ahead = hb
        .last_heartbeat
        .as_deref()
        .and_then(|t| parse_rfc3339(t).ok())
        .map(|t| (t - now).as_seconds_f64())
        .filter(|ahead| *ahead > max)
        .or(hb.age_seconds.filter(|a| *a < -1.0).map(|a| -a));
    ClockReading {
        local_time: clock::rfc3339(now),
        server_date: server.map(clock::rfc3339),
        drift_seconds: drift,
        max_drift_seconds: max,
        drift_ok: drift.is_none_or(|d| d.abs() <= max),
        heartbeat_in_future_seconds: ahead,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::types::ReadyCheck;
    use serde_json::json;

    fn hb(last: &str, age: f64) -> Heartbeat {
        let c = ReadyCheck {
            name: "jobs".into(),
            ok: true,
            ms: None,
            detail: json!({"enabled":true,"last_heartbeat":last,"runner_id":"r","age_seconds":age,"threshold_seconds":180,"jobs_enabled":true})
                .as_object()
                .unwrap()
                .clone(),
        };
        Heartbeat::from_check(&c, None)
    }

    #[test]
    fn drift_and_future_heartbeats() {
        let now = parse_rfc3339("2026-04-05T20:00:00Z").unwrap();
        let server = SystemTime::from(now + time::Duration::seconds(90));
        let c = read_clock(
            Some(server),
            &hb("2026-04-05T20:01:10+00:00", 20.0),
            now,
            Duration::from_secs(5),
        );
        assert_eq!(c.drift_seconds, Some(90.0));
        assert!(!c.drift_ok);
        assert_eq!(c.heartbeat_in_future_seconds, Some(70.0));

        let same = SystemTime::from(now);
        let c = read_clock(
            Some(same),
            &hb("2026-04-05T19:59:30+00:00", 30.0),
            now,
            Duration::from_secs(5),
        );
        assert!(c.drift_ok && c.heartbeat_in_future_seconds.is_none());
    }
}
