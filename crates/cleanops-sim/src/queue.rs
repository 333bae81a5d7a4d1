//! Reads and replays of the dead-letter queues and the heartbeat table (docs/app-contract.md §2–§4):
//! the bodies the admin endpoints answer, built from the world's tables.

use std::cmp::Reverse;

use serde_json::{Value, json};
use time::Duration;

use super::clock::pydantic_z;
use super::state::{DEFAULT_ORG_ID, ExportEvent, OutboxEvent, OutboxStatus, World};

/// The `kind` query parameter of `GET /v1/admin/queue/dlq`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DlqKind {
    Outbox,
    Export,
    All,
}

impl DlqKind {
    pub(crate) fn parse(s: &str) -> Option<DlqKind> {
        match s {
            "outbox" => Some(DlqKind::Outbox),
            "export" => Some(DlqKind::Export),
            "all" => Some(DlqKind::All),
            _ => None,
        }
    }
}

/// Errors of the synchronous export replay, each a problem+json of its own.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ExportReplayError {
    NotFound,
    PayloadUnavailable,
    TargetMissing,
}

// Settings of the auto-replay job, at their defaults.
const AUTO_REPLAY_MIN_AGE: Duration = Duration::minutes(60);
const AUTO_REPLAY_OUTBOX_ATTEMPT_CEILING: i64 = 7;
const AUTO_REPLAY_EXPORT_REPLAY_LIMIT: i64 = 2;
const AUTO_REPLAY_EXPORT_COOLDOWN: Duration = Duration::minutes(120);
const AUTO_REPLAY_FAILURE_STREAK_LIMIT: u32 = 3;
/// `EXPORT_WEBHOOK_MAX_RETRIES`: attempts of one synchronous export send that keeps failing.
const EXPORT_MAX_RETRIES: i64 = 3;

/// Python's `s[:n]`: the first `n` characters (not bytes).
fn first_chars(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

fn payload_str<'a>(payload: &'a Value, key: &str) -> &'a str {
    payload.get(key).and_then(Value::as_str).unwrap_or("None")
}

/// `payload_summary` of an outbox DLQ item. Not redacted, whatever `docs/DLQ_RUNBOOK.md` says.
fn outbox_summary(event: &OutboxEvent) -> String {
    let p = &event.payload;
    match event.kind.as_str() {
        "email" => format!(
            "Email to {}: {}",
            payload_str(p, "recipient"),
            first_chars(payload_str(p, "subject"), 50)
        ),
        "webhook" => format!("Webhook to {}", payload_str(p, "url")),
        "export" => format!("Export: {}", payload_str(p, "export_type")),
        // The app renders Python's str(payload); JSON text is close enough for a fallback.
        kind => format!("{kind}: {}", first_chars(&p.to_string(), 50)),
    }
}

fn outbox_dlq_item(e: &OutboxEvent) -> Value {
    json!({
        "event_id": e.event_id,
        "kind": "outbox",
        "event_type": e.kind,
        "org_id": e.org_id,
        "status": e.status.as_str(),
        "attempts": e.attempts,
        "last_error": e.last_error,
        "created_at": pydantic_z(e.created_at),
        "payload_summary": outbox_summary(e),
        "quick_actions": [
            {"label": "Replay", "target": format!("/v1/admin/outbox/{}/replay", e.event_id), "method": "POST"},
            {"label": "View Details", "target": format!("/v1/admin/outbox/{}", e.event_id), "method": "GET"},
        ],
    })
}

fn export_dlq_item(e: &ExportEvent) -> Value {
    let code = e.last_error_code.as_deref().unwrap_or("");
    json!({
        "event_id": e.event_id,
        "kind": "export",
        "event_type": e.mode,
        "org_id": e.org_id,
        "status": format!("error_{code}"),
        "attempts": e.attempts,
        "last_error": e.last_error_code,
        "created_at": pydantic_z(e.created_at),
        "payload_summary": format!(
            "Lead export ({}): {}",
            e.mode,
            e.target_url_host.as_deref().unwrap_or("unknown")
        ),
        "quick_actions": [
            {"label": "Replay", "target": format!("/v1/admin/export-dead-letter/{}/replay", e.event_id), "method": "POST"},
            {"label": "View Details", "target": format!("/v1/admin/export-dead-letter/{}", e.event_id), "method": "GET"},
        ],
    })
}

fn export_item(e: &ExportEvent) -> Value {
    json!({
        "event_id": e.event_id,
        "lead_id": e.lead_id,
        "mode": e.mode,
        "target_url": e.target_url,
        "target_url_host": e.target_url_host,
        "payload": e.payload,
        "attempts": e.attempts,
        "last_error_code": e.last_error_code,
        "created_at": pydantic_z(e.created_at),
        "replay_count": e.replay_count,
        "last_replayed_at": e.last_replayed_at.map(pydantic_z),
        "last_replayed_by": e.last_replayed_by,
    })
}

impl World {
    fn org_outbox(&self) -> impl Iterator<Item = &OutboxEvent> {
        self.outbox.iter().filter(|e| e.org_id == DEFAULT_ORG_ID)
    }

    fn org_exports(&self) -> impl Iterator<Item = &ExportEvent> {
        self.exports.iter().filter(|e| e.org_id == DEFAULT_ORG_ID)
    }

    pub(crate) fn outbox_dead_count(&self) -> usize {
        self.org_outbox()
            .filter(|e| e.status == OutboxStatus::Dead)
            .count()
    }

    fn export_dead_count(&self) -> usize {
        self.org_exports()
            .filter(|e| e.last_error_code.is_some())
            .count()
    }

    /// `GET /v1/admin/queue/dlq`: newest first over the chosen sources, offset paging, both
    /// dead counts always global.
    pub(crate) fn dlq_page(&self, kind: DlqKind, limit: usize, offset: usize) -> Value {
        let mut rows: Vec<(time::OffsetDateTime, Value)> = Vec::new();
        if kind != DlqKind::Export {
            rows.extend(
                self.org_outbox()
                    .filter(|e| e.status == OutboxStatus::Dead)
                    .map(|e| (e.created_at, outbox_dlq_item(e))),
            );
        }
        if kind != DlqKind::Outbox {
            rows.extend(
                self.org_exports()
                    .filter(|e| e.last_error_code.is_some())
                    .map(|e| (e.created_at, export_dlq_item(e))),
            );
        }
        // The app has no tie-breaker; a stable sort keeps ours deterministic.
        rows.sort_by_key(|row| Reverse(row.0));
        let outbox_dead = self.outbox_dead_count();
        let export_dead = self.export_dead_count();
        let total = match kind {
            DlqKind::Outbox => outbox_dead,
            DlqKind::Export => export_dead,
            DlqKind::All => outbox_dead + export_dead,
        };
        let items: Vec<Value> = rows
            .into_iter()
            .skip(offset)
            .take(limit)
            .map(|(_, v)| v)
            .collect();
        json!({
            "items": items,
            "total": total,
            "outbox_dead_count": outbox_dead,
            "export_dead_count": export_dead,
        })
    }

    /// `GET /v1/admin/outbox/dead-letter`: a bare array, newest first, no offset.
    pub(crate) fn outbox_dead_letter(&self, limit: usize) -> Value {
        let mut dead: Vec<&OutboxEvent> = self
            .org_outbox()
            .filter(|e| e.status == OutboxStatus::Dead)
            .collect();
        dead.sort_by_key(|e| Reverse(e.created_at));
        let items: Vec<Value> = dead
            .into_iter()
            .take(limit)
            .map(|e| {
                json!({
                    "event_id": e.event_id,
                    "kind": e.kind,
                    "status": e.status.as_str(),
                    "attempts": e.attempts,
                    "last_error": e.last_error,
                    "next_attempt_at": e.next_attempt_at.map(pydantic_z),
                    "created_at": pydantic_z(e.created_at),
                    "dedupe_key": e.dedupe_key,
                })
            })
            .collect();
        Value::Array(items)
    }

    /// `GET /v1/admin/export-dead-letter`: every export event of the org, failed or not.
    pub(crate) fn export_list(&self, limit: usize, offset: usize) -> Value {
        let mut all: Vec<&ExportEvent> = self.org_exports().collect();
        all.sort_by_key(|e| Reverse(e.created_at));
        let total = all.len();
        let items: Vec<Value> = all
            .into_iter()
            .skip(offset)
            .take(limit)
            .map(export_item)
            .collect();
        json!({"items": items, "total": total})
    }

    /// `GET /v1/admin/jobs/status`: every row ever written, by name.
    pub(crate) fn job_statuses(&self) -> Value {
        let rows: Vec<Value> = self
            .heartbeats
            .iter()
            .map(|(name, r)| {
                json!({
                    "name": name,
                    "last_heartbeat": pydantic_z(r.last_heartbeat),
                    "runner_id": r.runner_id,
                    "last_success_at": r.last_success_at.map(pydantic_z),
                    "last_error": r.last_error,
                    "last_error_at": r.last_error_at.map(pydantic_z),
                    "consecutive_failures": r.consecutive_failures,
                })
            })
            .collect();
        Value::Array(rows)
    }

    /// `POST /v1/admin/outbox/{id}/replay` after the gates: reset the row whatever its status
    /// (a `sent` event will be sent again), leaving delivery to the runner. `None` = 404.
    pub(crate) fn replay_outbox(&mut self, event_id: &str) -> Option<Value> {
        let now = self.now();
        let event = self
            .outbox
            .iter_mut()
            .find(|e| e.event_id == event_id && e.org_id == DEFAULT_ORG_ID)?;
        event.status = OutboxStatus::Pending;
        event.attempts = 0;
        event.last_error = None;
        event.next_attempt_at = Some(now);
        Some(json!({
            "event_id": event.event_id,
            "status": "pending",
            "next_attempt_at": pydantic_z(now),
            "attempts": 0,
            "last_error": null,
        }))
    }

    /// `POST /v1/admin/export-dead-letter/{id}/replay` after the gates: the webhook is sent
    /// inside the request; the answer is a 202 whether it worked or not.
    pub(crate) fn replay_export(
        &mut self,
        event_id: &str,
        replayed_by: &str,
    ) -> Result<Value, ExportReplayError> {
        let now = self.now();
        let fail = self.fail_delivery;
        let event = self
            .exports
            .iter_mut()
            .find(|e| e.event_id == event_id && e.org_id == DEFAULT_ORG_ID)
            .ok_or(ExportReplayError::NotFound)?;
        if event.payload.is_none() {
            return Err(ExportReplayError::PayloadUnavailable);
        }
        if event.target_url.is_none() {
            return Err(ExportReplayError::TargetMissing);
        }
        let success = !fail;
        event.attempts = if success { 1 } else { EXPORT_MAX_RETRIES };
        if success {
            event.last_error_code = None;
        } else if event.last_error_code.is_none() {
            event.last_error_code = Some("status_502".to_owned());
        }
        event.replay_count += 1;
        event.last_replayed_at = Some(now);
        event.last_replayed_by = Some(replayed_by.to_owned());
        let body = json!({
            "event_id": event.event_id,
            "success": success,
            "attempts": event.attempts,
            "last_error_code": event.last_error_code,
            "last_replayed_at": pydantic_z(now),
            "last_replayed_by": replayed_by,
        });
        if success {
            let id = event.event_id.clone();
            *self.deliveries.entry(id).or_insert(0) += 1;
        }
        Ok(body)
    }

    /// `POST /v1/admin/queue/dlq/replay` after the gates: the `dlq-auto-replay` job run
    /// synchronously. A no-op unless auto replay is enabled (with every kind and mode allowed).
    pub(crate) fn replay_batch(&mut self, limit: usize, correlation_id: &str) -> Value {
        if !self.auto_replay_enabled {
            return json!({
                "processed": 0, "sent": 0, "failed": 0, "skipped": 1,
                "correlation_id": correlation_id,
            });
        }
        let now = self.now();
        let fail = self.fail_delivery;

        let mut outbox: Vec<usize> = (0..self.outbox.len())
            .filter(|&i| {
                let e = &self.outbox[i];
                e.org_id == DEFAULT_ORG_ID
                    && e.status == OutboxStatus::Dead
                    && e.created_at <= now - AUTO_REPLAY_MIN_AGE
                    && e.attempts < AUTO_REPLAY_OUTBOX_ATTEMPT_CEILING
            })
            .collect();
        outbox.sort_by_key(|&i| self.outbox[i].created_at);
        let mut exports: Vec<usize> = (0..self.exports.len())
            .filter(|&i| {
                let e = &self.exports[i];
                e.org_id == DEFAULT_ORG_ID
                    && e.last_error_code.is_some()
                    && e.replay_count < AUTO_REPLAY_EXPORT_REPLAY_LIMIT
                    && e.last_replayed_at
                        .is_none_or(|t| t <= now - AUTO_REPLAY_EXPORT_COOLDOWN)
            })
            .collect();
        exports.sort_by_key(|&i| self.exports[i].created_at);

        let (mut processed, mut sent, mut failed, mut streak) = (0usize, 0usize, 0usize, 0u32);
        let budget_left = |processed: usize, streak: u32| {
            processed < limit && streak < AUTO_REPLAY_FAILURE_STREAK_LIMIT
        };
        for i in outbox {
            if !budget_left(processed, streak) {
                break;
            }
            let e = &mut self.outbox[i];
            // Unlike the single replay, attempts go up instead of being reset.
            e.attempts += 1;
            processed += 1;
            if fail {
                e.last_error = Some("send_failed".to_owned());
                failed += 1;
                streak += 1;
            } else {
                e.status = OutboxStatus::Sent;
                e.last_error = None;
                *self.deliveries.entry(e.event_id.clone()).or_insert(0) += 1;
                sent += 1;
                streak = 0;
            }
        }
        for i in exports {
            if !budget_left(processed, streak) {
                break;
            }
            let e = &mut self.exports[i];
            e.replay_count += 1;
            e.last_replayed_at = Some(now);
            e.last_replayed_by = Some("dlq-auto-replay".to_owned());
            processed += 1;
            if fail {
                failed += 1;
                streak += 1;
            } else {
                e.last_error_code = None;
                *self.deliveries.entry(e.event_id.clone()).or_insert(0) += 1;
                sent += 1;
                streak = 0;
            }
        }
        json!({
            "processed": processed, "sent": sent, "failed": failed, "skipped": 0,
            "correlation_id": correlation_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Seed;
    use crate::{Scenario, SimOptions};
    use time::macros::datetime;

    fn world(s: Scenario) -> World {
        World::build(
            s,
            &SimOptions {
                scenario: s,
                fixed_now: Some(datetime!(2026-04-05 20:11:19 UTC)),
                ..SimOptions::default()
            },
        )
    }

    fn created(v: &Value) -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["created_at"].as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn dlq_is_newest_first_and_pages_by_offset() {
        let w = world(Scenario::DlqBacklog);
        let all = w.dlq_page(DlqKind::All, 100, 0);
        assert_eq!(all["total"], 40);
        assert_eq!(all["outbox_dead_count"], 37);
        assert_eq!(all["export_dead_count"], 3);
        let dates = created(&all);
        assert_eq!(dates.len(), 40);
        // Same-format UTC timestamps compare like the times they spell, fraction aside;
        // compare parsed values to be exact.
        let parse = |s: &str| {
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).unwrap()
        };
        assert!(dates.windows(2).all(|p| parse(&p[0]) >= parse(&p[1])));

        let page = w.dlq_page(DlqKind::All, 10, 35);
        assert_eq!(page["items"].as_array().unwrap().len(), 5);
        assert_eq!(
            page["total"], 40,
            "total is the full count, not the page size"
        );
        assert_eq!(created(&page), dates[35..].to_vec());

        let outbox = w.dlq_page(DlqKind::Outbox, 1, 0);
        assert_eq!(outbox["total"], 37);
        assert_eq!(
            outbox["export_dead_count"], 3,
            "both counts are always there"
        );
        let export = w.dlq_page(DlqKind::Export, 50, 0);
        assert_eq!(export["total"], 3);
        let item = &export["items"][0];
        assert_eq!(item["kind"], "export");
        assert!(item["status"].as_str().unwrap().starts_with("error_"));
        assert_eq!(
            item["payload_summary"],
            "Lead export (webhook): hooks.example.com"
        );
        // The export list is not the DLQ: successful accounting exports are in it.
        assert_eq!(w.export_list(100, 0)["total"], 5);
    }

    #[test]
    fn outbox_items_match_the_contract() {
        let w = world(Scenario::DlqBacklog);
        let page = w.dlq_page(DlqKind::Outbox, 100, 0);
        let items = page["items"].as_array().unwrap();
        let item = &items[0];
        let id = item["event_id"].as_str().unwrap();
        assert_eq!(item["status"], "dead");
        assert_eq!(item["event_type"], "email");
        assert_eq!(item["attempts"], 5);
        assert_eq!(item["last_error"], "send_failed");
        assert_eq!(item["org_id"], DEFAULT_ORG_ID);
        assert_eq!(
            item["quick_actions"][0]["target"],
            format!("/v1/admin/outbox/{id}/replay")
        );
        assert_eq!(item["quick_actions"][1]["method"], "GET");
        assert!(
            item["payload_summary"]
                .as_str()
                .unwrap()
                .starts_with("Email to alice.martin@example.com: ")
        );
        // The long subject is cut at 50 characters, not bytes.
        let long = items
            .iter()
            .map(|i| i["payload_summary"].as_str().unwrap())
            .find(|s| s.contains("Receipt"))
            .unwrap();
        let subject = long.split_once(": ").unwrap().1;
        assert_eq!(subject.chars().count(), 50);
        assert_eq!(
            item.as_object().unwrap().len(),
            10,
            "all keys, always present"
        );
    }

    #[test]
    fn replay_resets_any_status_and_reports_not_found() {
        let mut w = world(Scenario::Healthy);
        w.add_sent_outbox(1);
        let id = w.outbox[0].event_id.clone();
        let body = w.replay_outbox(&id).unwrap();
        assert_eq!(body["status"], "pending");
        assert_eq!(body["attempts"], 0);
        assert_eq!(body["last_error"], Value::Null);
        assert_eq!(body["next_attempt_at"], "2026-04-05T20:11:19Z");
        assert_eq!(w.outbox[0].status, OutboxStatus::Pending);
        assert!(
            w.replay_outbox("00000000-0000-4000-8000-00000000ffff")
                .is_none()
        );
    }

    #[test]
    fn export_replay_is_synchronous() {
        let mut w = world(Scenario::DlqBacklog);
        let id = w
            .exports
            .iter()
            .find(|e| e.last_error_code.is_some())
            .unwrap()
            .event_id
            .clone();
        w.fail_delivery = true;
        let body = w.replay_export(&id, "admin").unwrap();
        assert_eq!(body["success"], false);
        assert_eq!(body["attempts"], 3);
        w.fail_delivery = false;
        let body = w.replay_export(&id, "admin").unwrap();
        assert_eq!(body["success"], true);
        assert_eq!(body["last_error_code"], Value::Null);
        assert_eq!(body["last_replayed_by"], "admin");
        assert_eq!(w.deliveries[&id], 1);
        let e = w.exports.iter().find(|e| e.event_id == id).unwrap();
        assert_eq!(e.replay_count, 2);
        assert_eq!(
            w.replay_export("nope", "admin"),
            Err(ExportReplayError::NotFound)
        );
    }

    #[test]
    fn batch_replay_is_a_noop_unless_enabled() {
        let mut w = world(Scenario::DlqBacklog);
        let body = w.replay_batch(10, "cid");
        assert_eq!(body["skipped"], 1);
        assert_eq!(body["processed"], 0);
        assert_eq!(w.outbox_dead_count(), 37);

        w.auto_replay_enabled = true;
        let body = w.replay_batch(10, "cid");
        assert_eq!(body["processed"], 10);
        assert_eq!(body["sent"], 10);
        assert_eq!(body["skipped"], 0);
        assert_eq!(w.outbox_dead_count(), 27);

        // Failures: the row stays dead with one more attempt; a streak of 3 stops the run.
        w.fail_delivery = true;
        let before: i64 = w.outbox.iter().map(|e| e.attempts).sum();
        let body = w.replay_batch(10, "cid");
        assert_eq!(body["processed"], 3);
        assert_eq!(body["failed"], 3);
        let after: i64 = w.outbox.iter().map(|e| e.attempts).sum();
        assert_eq!(after, before + 3);
        assert_eq!(w.outbox_dead_count(), 27);
    }

    #[test]
    fn recent_events_are_not_auto_replayed() {
        let mut w = world(Scenario::Healthy);
        w.add_dead_outbox(&Seed {
            count: 2,
            event_type: Some("webhook".into()),
            last_error: Some("status_500".into()),
            age_seconds: 60.0,
        });
        w.auto_replay_enabled = true;
        assert_eq!(w.replay_batch(10, "c")["processed"], 0);
        let item = &w.dlq_page(DlqKind::Outbox, 1, 0)["items"][0];
        assert_eq!(item["event_type"], "webhook");
        assert!(
            item["payload_summary"]
                .as_str()
                .unwrap()
                .starts_with("Webhook to https://")
        );
    }
}
