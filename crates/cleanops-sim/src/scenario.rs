//! The initial states of the scenarios, and the seeding helpers the control API reuses.
//!
//! Ids come from a counter and times are relative to the simulated clock, so with a frozen
//! clock a scenario renders byte-identical answers on every run.

use serde_json::json;
use time::OffsetDateTime;

use super::clock;
use super::state::{
    DEFAULT_JOBS, DEFAULT_ORG_ID, ExportEvent, OutboxEvent, OutboxStatus, RUNNER_ROW, World,
};
use super::{Scenario, SimOptions};

/// Id spaces of the simulated tables (the first group of the UUID).
const OUTBOX_TAG: u32 = 0x0b0c;
const EXPORT_TAG: u32 = 0x0e0e;
const LEAD_TAG: u32 = 0x1ead;

/// Heartbeat age of a healthy runner (the contract's example).
const FRESH_AGE: f64 = 42.7;
/// Heartbeat age of the stale scenario (the contract's example 503).
const STALE_AGE: f64 = 1278.4;
/// When the runner of the db-down scenario last finished a loop before crashing.
const CRASHED_AGE: f64 = 415.2;
/// Simulated duration of one job inside a loop, so job rows are a little older than the
/// loop heartbeat written after them.
const JOB_SECONDS: f64 = 0.137;

const RECIPIENTS: [&str; 12] = [
    "alice.martin",
    "bob.nguyen",
    "carla.rossi",
    "dmitri.ivanov",
    "emma.schmidt",
    "farah.khan",
    "george.li",
    "hana.sato",
    "ivan.petrov",
    "julia.costa",
    "kwame.mensah",
    "lucia.fernandez",
];

/// One subject is longer than 50 characters (with a non-ASCII one before the cut) to exercise
/// the app's `subject[:50]`.
const SUBJECTS: [&str; 6] = [
    "Your booking is confirmed",
    "Reminder: your cleaning is tomorrow at 09:00",
    "Invoice INV-2026-0412 is due",
    "How did we do? Rate your cleaning",
    "Your cleaner is on the way",
    "Receipt for your payment — thank you for choosing CleanWithSnapshot",
];

const EXPORT_ERRORS: [&str; 3] = ["status_502", "status_503", "ConnectTimeout"];

/// Options of `add_dead` / `add_sent`.
#[derive(Clone, Debug)]
pub(crate) struct Seed {
    pub count: u32,
    pub event_type: Option<String>,
    pub last_error: Option<String>,
    /// Age of the newest seeded event; each further one is a minute older.
    pub age_seconds: f64,
}

impl World {
    pub(crate) fn build(scenario: Scenario, opts: &SimOptions) -> World {
        let mut w = World::blank(scenario, opts);
        match scenario {
            Scenario::Healthy => w.seed_healthy(),
            Scenario::StaleHeartbeat => w.seed_job_rows(STALE_AGE),
            Scenario::HeartbeatMissing => {}
            Scenario::DbDown => {
                w.seed_job_rows(CRASHED_AGE);
                w.db_down = true;
                w.crashes = 1;
            }
            Scenario::DlqBacklog => {
                w.seed_healthy();
                w.seed_backlog();
            }
            Scenario::ClockDrift => {
                // Set before seeding, so the heartbeat is fresh on the server's clock.
                w.clock_offset_seconds = 90.0;
                w.seed_healthy();
            }
            Scenario::SlowApi => {
                w.latency_ms = 1500;
                w.seed_healthy();
            }
            Scenario::UpstreamDefects => {
                w.seed_healthy();
                w.upstream_defects = true;
                w.add_dead_outbox(&Seed {
                    count: 5,
                    event_type: None,
                    last_error: None,
                    age_seconds: 1800.0,
                });
            }
        }
        w
    }

    /// A runner in the middle of its sleep after a successful loop.
    fn seed_healthy(&mut self) {
        self.seed_job_rows(FRESH_AGE);
        self.runner_running = true;
        self.runner_sleep_first = true;
    }

    /// All 23 job rows plus `jobs-runner`, as left by a successful loop that ended `age` ago.
    pub(crate) fn seed_job_rows(&mut self, age: f64) {
        let end = self.now() - clock::seconds(age);
        let jobs = DEFAULT_JOBS.len() as f64;
        for (i, name) in DEFAULT_JOBS.iter().enumerate() {
            let at = end - clock::seconds((jobs - i as f64) * JOB_SECONDS);
            self.put_success_row(name, at);
        }
        self.put_success_row(RUNNER_ROW, end);
    }

    /// The dlq-backlog tables: 37 dead e-mails spread over the last hours, 3 dead lead
    /// exports, and 2 successful accounting exports that `/export-dead-letter` also lists.
    fn seed_backlog(&mut self) {
        let now = self.now();
        for i in 0..37u32 {
            let age = 1200.0 + f64::from(i) * 547.3;
            let created_at = now - clock::seconds(age);
            let event = self.email_event(i, created_at, OutboxStatus::Dead, "send_failed");
            self.outbox.push(event);
        }
        for i in 0..3u32 {
            let created_at = now - clock::seconds(2700.0 + f64::from(i) * 3900.5);
            let event = self.lead_export(i, created_at, Some(EXPORT_ERRORS[i as usize % 3]));
            self.exports.push(event);
        }
        for i in 0..2u32 {
            let created_at = now - clock::seconds(86_400.0 * f64::from(i + 1));
            let event = self.accounting_export(created_at);
            self.exports.push(event);
        }
    }

    /// `add_dead` of kind outbox.
    pub(crate) fn add_dead_outbox(&mut self, seed: &Seed) {
        let now = self.now();
        let error = seed.last_error.as_deref().unwrap_or("send_failed");
        for i in 0..seed.count {
            let created_at = now - clock::seconds(seed.age_seconds + 60.0 * f64::from(i));
            let index = self.outbox.len() as u32;
            let mut event = match seed.event_type.as_deref() {
                None | Some("email") => {
                    self.email_event(index, created_at, OutboxStatus::Dead, error)
                }
                Some(kind) => self.other_event(kind, index, created_at, error),
            };
            event.attempts = 5;
            self.outbox.push(event);
        }
    }

    /// `add_sent`: e-mails already delivered once (their delivery is counted).
    pub(crate) fn add_sent_outbox(&mut self, count: u32) {
        let now = self.now();
        for i in 0..count {
            let created_at = now - clock::seconds(900.0 + 60.0 * f64::from(i));
            let index = self.outbox.len() as u32;
            let mut event = self.email_event(index, created_at, OutboxStatus::Sent, "");
            event.attempts = 1;
            event.last_error = None;
            event.next_attempt_at = None;
            *self.deliveries.entry(event.event_id.clone()).or_insert(0) += 1;
            self.outbox.push(event);
        }
    }

    /// `add_dead` of kind export.
    pub(crate) fn add_dead_export(&mut self, seed: &Seed) {
        let now = self.now();
        for i in 0..seed.count {
            let created_at = now - clock::seconds(seed.age_seconds + 60.0 * f64::from(i));
            let index = self.exports.len() as u32;
            let code = seed.last_error.as_deref().unwrap_or("status_502");
            let mut event = self.lead_export(index, created_at, Some(code));
            if let Some(mode) = &seed.event_type {
                event.mode = mode.clone();
            }
            self.exports.push(event);
        }
    }

    fn email_event(
        &mut self,
        index: u32,
        created_at: OffsetDateTime,
        status: OutboxStatus,
        error: &str,
    ) -> OutboxEvent {
        let recipient = RECIPIENTS[index as usize % RECIPIENTS.len()];
        let subject = SUBJECTS[index as usize % SUBJECTS.len()];
        let event_id = self.new_id(OUTBOX_TAG);
        OutboxEvent {
            dedupe_key: format!("email:{}:{}", recipient, &event_id[24..]),
            event_id,
            org_id: DEFAULT_ORG_ID.to_owned(),
            kind: "email".to_owned(),
            payload: json!({
                "recipient": format!("{recipient}@example.com"),
                "subject": subject,
                "template": "booking_notification",
            }),
            status,
            attempts: 5,
            last_error: Some(error.to_owned()),
            next_attempt_at: None,
            created_at,
        }
    }

    fn other_event(
        &mut self,
        kind: &str,
        index: u32,
        created_at: OffsetDateTime,
        error: &str,
    ) -> OutboxEvent {
        let payload = match kind {
            "webhook" => json!({"url": format!("https://hooks.example.com/events/{index}")}),
            "export" => json!({"export_type": "leads_csv"}),
            _ => json!({"note": format!("simulated {kind} event {index}")}),
        };
        let event_id = self.new_id(OUTBOX_TAG);
        OutboxEvent {
            dedupe_key: format!("{kind}:{}", &event_id[24..]),
            event_id,
            org_id: DEFAULT_ORG_ID.to_owned(),
            kind: kind.to_owned(),
            payload,
            status: OutboxStatus::Dead,
            attempts: 5,
            last_error: Some(error.to_owned()),
            next_attempt_at: None,
            created_at,
        }
    }

    fn lead_export(
        &mut self,
        index: u32,
        created_at: OffsetDateTime,
        error: Option<&str>,
    ) -> ExportEvent {
        let lead_id = self.new_id(LEAD_TAG);
        let recipient = RECIPIENTS[(index as usize + 5) % RECIPIENTS.len()];
        ExportEvent {
            event_id: self.new_id(EXPORT_TAG),
            org_id: DEFAULT_ORG_ID.to_owned(),
            payload: Some(json!({
                "lead_id": lead_id,
                "email": format!("{recipient}@example.com"),
                "source": "website",
            })),
            lead_id: Some(lead_id),
            mode: "webhook".to_owned(),
            target_url: Some("https://hooks.example.com/crm/leads".to_owned()),
            target_url_host: Some("hooks.example.com".to_owned()),
            attempts: 3,
            last_error_code: error.map(str::to_owned),
            created_at,
            replay_count: 0,
            last_replayed_at: None,
            last_replayed_by: None,
        }
    }

    /// A row written by the `accounting-export` job: not an error, but listed by
    /// `/v1/admin/export-dead-letter` all the same.
    fn accounting_export(&mut self, created_at: OffsetDateTime) -> ExportEvent {
        let period = format!(
            "{:04}-{:02}",
            created_at.year(),
            u8::from(created_at.month())
        );
        ExportEvent {
            event_id: self.new_id(EXPORT_TAG),
            org_id: DEFAULT_ORG_ID.to_owned(),
            lead_id: None,
            mode: "accounting_csv".to_owned(),
            target_url: None,
            target_url_host: None,
            payload: Some(json!({"period": period, "rows": 42})),
            attempts: 1,
            last_error_code: None,
            created_at,
            replay_count: 0,
            last_replayed_at: None,
            last_replayed_by: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::DbView;
    use time::macros::datetime;

    fn opts(scenario: Scenario) -> SimOptions {
        SimOptions {
            scenario,
            fixed_now: Some(datetime!(2026-04-05 20:11:19.123456 UTC)),
            ..SimOptions::default()
        }
    }

    #[test]
    fn every_scenario_builds_deterministically() {
        for &s in Scenario::ALL {
            let a = World::build(s, &opts(s)).snapshot();
            let b = World::build(s, &opts(s)).snapshot();
            assert_eq!(a, b, "{}", s.name());
        }
    }

    #[test]
    fn scenario_shapes() {
        let w = World::build(Scenario::Healthy, &opts(Scenario::Healthy));
        assert_eq!(w.heartbeats.len(), 24);
        assert!(w.runner_running);
        assert!(w.outbox.is_empty());

        let w = World::build(Scenario::StaleHeartbeat, &opts(Scenario::StaleHeartbeat));
        assert!(!w.runner_running);
        let row = &w.heartbeats[RUNNER_ROW];
        assert_eq!(clock::age_seconds(w.now(), row.last_heartbeat), 1278.4);

        let w = World::build(
            Scenario::HeartbeatMissing,
            &opts(Scenario::HeartbeatMissing),
        );
        assert!(w.heartbeats.is_empty());

        let w = World::build(Scenario::DbDown, &opts(Scenario::DbDown));
        assert_eq!(w.db_view(), DbView::Failed);
        assert!(!w.runner_running);
        assert_eq!(w.crashes, 1);

        let w = World::build(Scenario::DlqBacklog, &opts(Scenario::DlqBacklog));
        assert_eq!(
            w.outbox
                .iter()
                .filter(|e| e.status == OutboxStatus::Dead)
                .count(),
            37
        );
        assert_eq!(
            w.exports
                .iter()
                .filter(|e| e.last_error_code.is_some())
                .count(),
            3
        );

        let w = World::build(Scenario::ClockDrift, &opts(Scenario::ClockDrift));
        let row = &w.heartbeats[RUNNER_ROW];
        assert_eq!(clock::age_seconds(w.now(), row.last_heartbeat), 42.7);
        let client_now = datetime!(2026-04-05 20:11:19.123456 UTC);
        assert!(row.last_heartbeat > client_now, "ahead of the client");

        let w = World::build(Scenario::UpstreamDefects, &opts(Scenario::UpstreamDefects));
        assert!(w.upstream_defects);
        assert_eq!(w.outbox.len(), 5);
    }
}
