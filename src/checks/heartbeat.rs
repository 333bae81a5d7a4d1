//! `heartbeat`: the jobs heartbeat against its threshold, and whose it is.

use std::sync::Arc;

use anyhow::Result;

use super::{Outcome, Sources, Status};
use crate::api::readiness::{Heartbeat, HeartbeatClass};

pub async fn heartbeat_of(s: &Sources) -> Option<Heartbeat> {
    let snap = s.readiness().await.ok()?;
    Some(
        snap.readiness
            .check("jobs")
            .map(|c| Heartbeat::from_check(c, None))
            .unwrap_or_else(Heartbeat::absent),
    )
}

/// When the heartbeat is fresh (or late, still within the threshold): its time, for
/// [`crate::docker::Container::judge_recovery`].
pub fn fresh_time(hb: &Heartbeat) -> Option<time::OffsetDateTime> {
    matches!(hb.class, HeartbeatClass::Fresh | HeartbeatClass::Late)
        .then(|| hb.last_heartbeat.as_deref())
        .flatten()
        .and_then(|t| crate::clock::parse_rfc3339(t).ok())
}

pub async fn run(s: Arc<Sources>) -> Result<Outcome> {
    let Some(hb) = heartbeat_of(&s).await else {
        return Ok(Outcome::new(Status::Skipped, "no answer from /readyz"));
    };
    let status = match hb.class {
        HeartbeatClass::Fresh => Status::Ok,
        HeartbeatClass::Late => Status::Warning,
        _ => Status::Failed,
    };
    let mut o = Outcome::new(status, hb.reading());
    if let Some(t) = &hb.last_heartbeat {
        o = o.evidence(format!("last heartbeat {t}"));
    }
    if hb.class == HeartbeatClass::Stale || hb.class == HeartbeatClass::Missing {
        o = o.hint("the runner writes the heartbeat only at the end of a loop of 23 jobs");
    }
    Ok(o)
}
