//! `clock`: the server's `Date` against our clock; heartbeats written in the future.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;

use super::{Outcome, Sources, Status};
use crate::clock::human;
use crate::ops::heartbeat::read_clock;

/// Drift worth a finding (the `Date` header has whole seconds).
pub const MAX_DRIFT: Duration = Duration::from_secs(5);

pub async fn run(s: Arc<Sources>) -> Result<Outcome> {
    let snap = match s.readiness().await {
        Ok(snap) => snap,
        Err(f) => {
            return Ok(Outcome::new(
                Status::Skipped,
                format!("no answer: {}", f.message),
            ));
        }
    };
    let hb = super::heartbeat::heartbeat_of(&s)
        .await
        .unwrap_or_else(crate::api::readiness::Heartbeat::absent);
    let c = read_clock(snap.server_date, &hb, s.now, MAX_DRIFT);
    let mut o = match c.drift_seconds {
        None => Outcome::new(Status::Warning, "the server sent no Date header"),
        Some(d) if !c.drift_ok => Outcome::new(
            Status::Failed,
            format!(
                "the server's clock is {} {} ours",
                human(d.abs()),
                if d > 0.0 { "ahead of" } else { "behind" }
            ),
        ),
        Some(d) => Outcome::new(
            Status::Ok,
            format!("server and local agree (drift {:+}s)", d.round() as i64),
        ),
    };
    if let Some(ahead) = c.heartbeat_in_future_seconds {
        o.status = Status::Failed;
        o = o.evidence(format!(
            "the last heartbeat is {} in the future",
            human(ahead)
        ));
    }
    if let Some(d) = &c.server_date {
        o = o.evidence(format!("server Date {d}, local {}", c.local_time));
    }
    Ok(o)
}
