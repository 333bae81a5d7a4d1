//! Replaying dead outbox events in the app's database (`replay --via db`), for deployments whose
//! replay endpoint cannot do it (docs/app-contract.md): each batch is one transaction that does
//! what the app's replay does, only to rows still dead (`crate::appdb`). Journaled like an API
//! run. No idempotency key is needed: the `status = 'dead'` guard makes a repeated batch reset
//! nothing twice, so a resumed run simply runs its unsettled batches again.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use super::journal::{Disposition, Journal, Record, Target};
use super::{EventResult, Progress, Stop};
use crate::appdb::{AppDb, REPLAY_BATCH};
use crate::cancel::Cancel;
use crate::clock;
use crate::docker::Engine;

/// What the journal records as the "key" of a database replay: there is none; the run is the
/// unit, and the guard in the UPDATE is what makes a retry safe.
pub fn key(run_id: &str) -> String {
    format!("db:{run_id}")
}

pub struct DbRunner<'a> {
    pub engine: &'a Engine,
    pub db: &'a AppDb,
    pub journal: &'a mut Journal,
    pub run_id: String,
    pub cancel: Cancel,
    pub on_progress: &'a mut dyn FnMut(Progress<'_>),
}

impl DbRunner<'_> {
    /// Reset the targets batch by batch; every event ends `replayed` (it was dead and is now
    /// pending) or `not_dead` (it was not dead when its batch ran, and was left alone).
    pub async fn run(
        &mut self,
        targets: &[Target],
    ) -> Result<Vec<EventResult>, (Vec<EventResult>, Stop)> {
        let mut results = Vec::new();
        let now = || clock::rfc3339(time::OffsetDateTime::now_utc());
        for batch in targets.chunks(REPLAY_BATCH) {
            if self.cancel.is_cancelled() {
                return Err((results, Stop::Interrupted));
            }
            for t in batch {
                let intent = Record::Intent {
                    id: t.id.clone(),
                    key: key(&self.run_id),
                    attempt: 1,
                    at: now(),
                };
                if let Err(e) = self.journal.append(&intent) {
                    return Err((results, Stop::Aborted(e)));
                }
            }
            let ids: Vec<String> = batch.iter().map(|t| t.id.clone()).collect();
            // An error leaves the batch in doubt in the journal: psql stops at the first error
            // and the transaction is rolled back, or it committed and the answer was lost; a
            // resume runs the batch again and the guard sorts the two out.
            let reset: HashSet<String> = match self.db.replay(self.engine, &ids).await {
                Ok(reset) => reset
                    .into_iter()
                    .map(|id| id.to_ascii_lowercase())
                    .collect(),
                Err(e) => return Err((results, Stop::Aborted(e))),
            };
            for t in batch {
                let (result, detail) = if reset.contains(&t.id.to_ascii_lowercase()) {
                    (
                        Disposition::Replayed,
                        "reset to pending in the database".to_string(),
                    )
                } else {
                    (
                        Disposition::NotDead,
                        "not dead when its batch ran (replayed or delivered meanwhile): left alone"
                            .to_string(),
                    )
                };
                let outcome = Record::Outcome {
                    id: t.id.clone(),
                    key: key(&self.run_id),
                    result,
                    detail: detail.clone(),
                    at: now(),
                };
                if let Err(e) = self.journal.append(&outcome) {
                    return Err((results, Stop::Aborted(e)));
                }
                let r = EventResult {
                    id: t.id.clone(),
                    kind: t.kind,
                    result,
                    detail,
                    attempts: 1,
                };
                (self.on_progress)(Progress::Event(&r));
                results.push(r);
            }
        }
        Ok(results)
    }
}

/// Where the replayed events stand after the runner had its turns.
#[derive(Debug, Default)]
pub struct Settled {
    pub sent: Vec<String>,
    /// Delivered, failed, and waiting for another attempt.
    pub retry: Vec<String>,
    pub dead_again: Vec<String>,
    /// Still waiting for the runner when the wait ended.
    pub pending: Vec<String>,
}

/// Watch the replayed events leave `pending` (the runner's `outbox-delivery` takes 50 due rows a
/// loop), polling every `every`, for at most `limit`.
pub async fn watch(
    engine: &Engine,
    db: &AppDb,
    ids: &[String],
    limit: Duration,
    every: Duration,
    cancel: &Cancel,
    on_progress: &mut dyn FnMut(Progress<'_>),
) -> Result<Settled, String> {
    let started = Instant::now();
    let mut said_pending = None;
    loop {
        let statuses = db
            .outbox_statuses(engine, ids)
            .await
            .map_err(|e| format!("{e:#}"))?;
        let mut settled = Settled::default();
        for id in ids {
            let status = statuses.get(&id.to_ascii_lowercase()).map(String::as_str);
            match status {
                Some("sent") => settled.sent.push(id.clone()),
                Some("retry") => settled.retry.push(id.clone()),
                Some("dead") => settled.dead_again.push(id.clone()),
                // Pending, or gone from the table: still the runner's.
                _ => settled.pending.push(id.clone()),
            }
        }
        if settled.pending.is_empty() || started.elapsed() + every > limit {
            return Ok(settled);
        }
        // A line when the count moves, not every poll.
        if said_pending != Some(settled.pending.len()) {
            said_pending = Some(settled.pending.len());
            on_progress(Progress::Note(format!(
                "waiting for the runner to deliver {} pending event(s)",
                settled.pending.len()
            )));
        }
        if !cancel.sleep(every).await {
            return Err("interrupted before the runner delivered them".into());
        }
    }
}
