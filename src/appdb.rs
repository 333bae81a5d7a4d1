//! The app's dead-letter queue through its own PostgreSQL, for deployments whose admin API cannot
//! serve it: on PostgreSQL no endpoint lists dead outbox events once one exists, and every keyed
//! replay answers 409 forever (docs/app-contract.md). cleanops runs `psql` inside the `db`
//! container (an exec, like `db-check --via db`), as the env file's `POSTGRES_USER` on
//! `POSTGRES_DB` over the container's local socket, the way the deployment's own tools do.
//!
//! - Listing is one read-only transaction that returns one JSON object a row, in the shape of
//!   the API's DLQ items, for the org the admin API shows (`DEFAULT_ORG_ID`).
//! - A replay is what the app's replay does to an outbox row (`status='pending'`, `attempts=0`,
//!   `next_attempt_at=now()`, `last_error=NULL`), guarded by `status='dead'` so that a sent or
//!   pending event is never reset (the endpoint resets anything), one transaction per batch.
//! - Export events cannot be replayed this way: the app sends an export's webhook inside the
//!   replay request, and no job re-sends a failed export by itself.
//!
//! Every value put into SQL is a checked UUID; nothing else from outside reaches a statement.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::Result;
use serde::Deserialize;

use crate::api::dlq::DlqListing;
use crate::api::replay::{EventKind, is_uuid};
use crate::api::types::DlqItem;
use crate::docker::{Container, Engine};
use crate::error::{Exit, Failure};

/// The app's `DEFAULT_ORG_ID` when the env file does not set it: the org every Basic- or
/// proxy-authenticated admin call acts on.
pub const DEFAULT_ORG_ID: &str = "00000000-0000-0000-0000-000000000001";
/// Outbox rows reset in one transaction: the runner's `outbox-delivery` sends 50 due rows a run
/// (`JOB_OUTBOX_BATCH_SIZE`), so a batch is what one loop delivers.
pub const REPLAY_BATCH: usize = 50;
/// How long one psql run may take.
const PSQL_LIMIT: Duration = Duration::from_secs(30);

/// The psql session cleanops opens in the db container.
#[derive(Clone, Debug)]
pub struct AppDb {
    pub container: Container,
    pub user: String,
    pub database: String,
    pub org: String,
}

impl AppDb {
    /// Who to connect as: the env file's `POSTGRES_USER`/`POSTGRES_DB` (what the deployment
    /// set up), else the container's own, else `postgres`; the org from `DEFAULT_ORG_ID`.
    pub fn new(container: Container, env_file: &crate::config::EnvFile) -> Result<AppDb> {
        let from_container = container.env_map();
        let pick = |name: &str| {
            env_file
                .get(name)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
                .or_else(|| from_container.get(name).cloned())
        };
        let user = pick("POSTGRES_USER").unwrap_or_else(|| "postgres".into());
        let database = pick("POSTGRES_DB").unwrap_or_else(|| user.clone());
        let org = env_file
            .get("DEFAULT_ORG_ID")
            .filter(|v| !v.is_empty())
            .unwrap_or(DEFAULT_ORG_ID)
            .to_string();
        if !is_uuid(&org) {
            return Err(Failure::usage(format!(
                "DEFAULT_ORG_ID in the env file is not a UUID ({}): cannot scope the database DLQ to the app's org",
                crate::render::shown(&org)
            ))
            .into());
        }
        Ok(AppDb {
            container,
            user,
            database,
            org: org.to_ascii_lowercase(),
        })
    }

    /// The exact command run in the container for these statements (each its own `-c`, in one
    /// session; `-q -A -t`: rows only, unaligned; stop at the first error).
    pub fn psql(&self, statements: &[String]) -> Vec<String> {
        let mut argv: Vec<String> = [
            "psql",
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-U",
            &self.user,
            "-d",
            &self.database,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for s in statements {
            argv.push("-c".into());
            argv.push(s.clone());
        }
        argv
    }

    /// Run the statements; the rows they print (one a line), at most `max_rows`.
    async fn rows(
        &self,
        engine: &Engine,
        statements: &[String],
        max_rows: usize,
    ) -> Result<Vec<String>> {
        let mut rows = Vec::new();
        let mut errors = Vec::new();
        let outcome = crate::docker::exec::run(
            engine,
            &self.container.id,
            &self.psql(statements),
            PSQL_LIMIT,
            |line| {
                if line.stderr {
                    if errors.len() < 20 {
                        errors.push(line.text.clone());
                    }
                } else if !line.text.is_empty() && rows.len() < max_rows {
                    rows.push(line.text.clone());
                }
            },
        )
        .await?;
        if outcome.exit_code != Some(0) {
            let said = if errors.is_empty() {
                outcome.output_tail.join(" | ")
            } else {
                errors.join(" | ")
            };
            return Err(Failure::new(
                Exit::Unhealthy,
                format!(
                    "psql in {} {}: {}",
                    crate::render::shown(&self.container.name),
                    match (outcome.timed_out, outcome.exit_code) {
                        (true, _) => format!("did not finish within {}", crate::clock::human(PSQL_LIMIT.as_secs_f64())),
                        (false, Some(c)) => format!("exited {c}"),
                        (false, None) => "ended without an exit code".into(),
                    },
                    crate::render::shown_max(&said, 1000)
                ),
            )
            .hint("cleanops db-check --via db: is PostgreSQL up, and are POSTGRES_USER / POSTGRES_DB in the env file the deployment's?")
            .into());
        }
        Ok(rows)
    }

    fn scope(&self) -> String {
        // Export rows are under forced row-level security keyed on this setting: set it, so a
        // role that is not a superuser sees the same rows the app does.
        format!("SET LOCAL app.current_org_id = '{}'", self.org)
    }

    /// The statements of a listing (also what `--dry-run`-like output shows).
    pub fn list_sql(&self, kind: Option<EventKind>, want: u64) -> Vec<String> {
        let org = &self.org;
        let mut selects = vec![format!(
            "SELECT json_build_object('counts', true, \
             'outbox', (SELECT count(*) FROM outbox_events WHERE org_id = '{org}' AND status = 'dead'), \
             'export', (SELECT count(*) FROM export_events WHERE org_id = '{org}' AND last_error_code IS NOT NULL))"
        )];
        let ts = |col: &str| {
            format!("to_char({col} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
        };
        if kind != Some(EventKind::Export) {
            selects.push(format!(
                "SELECT json_build_object('event_id', event_id::text, 'kind', 'outbox', 'event_type', kind, \
                 'status', status, 'attempts', attempts, 'last_error', last_error, 'created_at', {created}, \
                 'payload_summary', CASE kind \
                   WHEN 'email' THEN 'Email to ' || coalesce(payload_json->>'recipient', 'unknown') || ': ' || left(coalesce(payload_json->>'subject', ''), 50) \
                   WHEN 'webhook' THEN 'Webhook to ' || coalesce(payload_json->>'url', 'unknown') \
                   WHEN 'export' THEN 'Export: ' || coalesce(payload_json->>'export_type', 'unknown') \
                   ELSE kind || ': ' || left(payload_json::text, 50) END) \
                 FROM outbox_events WHERE org_id = '{org}' AND status = 'dead' ORDER BY created_at DESC LIMIT {want}",
                created = ts("created_at")
            ));
        }
        if kind != Some(EventKind::Outbox) {
            selects.push(format!(
                "SELECT json_build_object('event_id', event_id::text, 'kind', 'export', 'event_type', mode, \
                 'status', 'error_' || last_error_code, 'attempts', attempts, 'last_error', last_error_code, \
                 'created_at', {created}, \
                 'payload_summary', 'Lead export (' || mode || '): ' || coalesce(target_url_host, 'unknown')) \
                 FROM export_events WHERE org_id = '{org}' AND last_error_code IS NOT NULL ORDER BY created_at DESC LIMIT {want}",
                created = ts("created_at")
            ));
        }
        let mut statements = vec!["BEGIN READ ONLY".to_string(), self.scope()];
        statements.extend(selects);
        statements.push("COMMIT".into());
        statements
    }

    /// The dead events of `kind` (both when `None`), newest first, at most `want` of each kind,
    /// in the API listing's shape, with both dead counts.
    pub async fn list(
        &self,
        engine: &Engine,
        kind: Option<EventKind>,
        want: u64,
    ) -> Result<DlqListing> {
        #[derive(Deserialize)]
        struct Counts {
            outbox: u64,
            export: u64,
        }
        let rows = self
            .rows(engine, &self.list_sql(kind, want), 1 + 2 * want as usize)
            .await?;
        let mut counts: Option<Counts> = None;
        let mut items = Vec::new();
        for row in &rows {
            let value: serde_json::Value = serde_json::from_str(row).map_err(|e| {
                Failure::new(
                    Exit::Unexpected,
                    format!(
                        "psql printed a row that is not JSON ({e}): {}",
                        crate::render::shown(row)
                    ),
                )
            })?;
            if value.get("counts").is_some() {
                counts = Some(serde_json::from_value(value)?);
            } else {
                items.push(serde_json::from_value::<DlqItem>(value)?);
            }
        }
        let counts =
            counts.ok_or_else(|| Failure::new(Exit::Unexpected, "psql printed no counts"))?;
        items.sort_by(|a, b| b.created_at.cmp(&a.created_at));
        let total = match kind {
            Some(EventKind::Outbox) => counts.outbox,
            Some(EventKind::Export) => counts.export,
            None => counts.outbox + counts.export,
        };
        Ok(DlqListing {
            kind: kind.map(EventKind::as_str).unwrap_or("all").into(),
            outbox_dead: Some(counts.outbox),
            export_dead: Some(counts.export),
            total_dead: Some(total),
            truncated: (items.len() as u64) < total,
            items,
            fallback: None,
            unlisted: Vec::new(),
        })
    }

    /// The statements that reset these dead outbox events (checked UUIDs), in one transaction,
    /// printing the ids actually reset.
    pub fn replay_sql(&self, ids: &[String]) -> Result<Vec<String>> {
        if let Some(bad) = ids.iter().find(|id| !is_uuid(id)) {
            return Err(Failure::usage(format!(
                "{} is not an outbox event id (a UUID): not sent to the database",
                crate::render::shown(bad)
            ))
            .into());
        }
        let list = uuid_list(ids.iter());
        Ok(vec![
            "BEGIN".into(),
            format!(
                "UPDATE outbox_events SET status = 'pending', attempts = 0, next_attempt_at = now(), last_error = NULL \
                 WHERE org_id = '{}' AND status = 'dead' AND event_id IN ({list}) RETURNING event_id::text",
                self.org
            ),
            "COMMIT".into(),
        ])
    }

    /// Reset these dead outbox events to pending, in one transaction; the ids that were dead and
    /// are now pending (the others were not dead any more, and were left alone).
    pub async fn replay(&self, engine: &Engine, ids: &[String]) -> Result<Vec<String>> {
        let rows = self.rows(engine, &self.replay_sql(ids)?, ids.len()).await?;
        Ok(rows.into_iter().map(|r| r.trim().to_string()).collect())
    }

    /// The status of each of these outbox events now (`pending`, `retry`, `sent`, `dead`).
    pub async fn outbox_statuses(
        &self,
        engine: &Engine,
        ids: &[String],
    ) -> Result<HashMap<String, String>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let list = uuid_list(ids.iter().filter(|id| is_uuid(id)));
        let sql = vec![
            "BEGIN READ ONLY".to_string(),
            format!(
                "SELECT event_id::text || ' ' || status FROM outbox_events WHERE org_id = '{}' AND event_id IN ({list})",
                self.org
            ),
            "COMMIT".into(),
        ];
        Ok(self
            .rows(engine, &sql, ids.len())
            .await?
            .into_iter()
            .filter_map(|r| {
                let (id, status) = r.trim().split_once(' ')?;
                Some((id.to_string(), status.to_string()))
            })
            .collect())
    }
}

/// The runner's record of its `outbox-delivery` job (table `job_heartbeats`).
#[derive(Clone, Debug, Deserialize)]
pub struct DeliveryJob {
    pub consecutive_failures: i64,
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
    pub last_success_at: Option<String>,
}

impl AppDb {
    /// How the runner's `outbox-delivery` job has been doing; `None` before it ever ran.
    pub async fn delivery_job(&self, engine: &Engine) -> Result<Option<DeliveryJob>> {
        let sql = vec![
            "BEGIN READ ONLY".to_string(),
            "SELECT json_build_object('consecutive_failures', consecutive_failures, 'last_error', last_error, \
             'last_error_at', last_error_at, 'last_success_at', last_success_at) \
             FROM job_heartbeats WHERE name = 'outbox-delivery'"
                .to_string(),
            "COMMIT".into(),
        ];
        match self.rows(engine, &sql, 1).await?.first() {
            Some(row) => Ok(Some(serde_json::from_str(row)?)),
            None => Ok(None),
        }
    }
}

/// Checked UUIDs as an SQL list: `'a', 'b'` (lower case, as PostgreSQL prints a uuid).
fn uuid_list<'a>(ids: impl Iterator<Item = &'a String>) -> String {
    ids.map(|id| format!("'{}'", id.to_ascii_lowercase()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why export events are not replayed through the database.
pub const EXPORTS_NOT_VIA_DB: &str = "export events cannot be replayed through the database: the app sends an export's webhook inside the replay request itself, and no job re-sends a failed export (except dlq-auto-replay when it is enabled), so resetting the row would send nothing";

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> AppDb {
        AppDb {
            container: Container::default(),
            user: "cleaning".into(),
            database: "cleaning".into(),
            org: DEFAULT_ORG_ID.into(),
        }
    }

    #[test]
    fn replays_reset_only_dead_rows_of_checked_ids() {
        let id = "5eed0000-0000-4000-8000-000000000001";
        let sql = db().replay_sql(&[id.to_string()]).unwrap();
        assert_eq!(sql[0], "BEGIN");
        assert!(sql[1].contains(
            "SET status = 'pending', attempts = 0, next_attempt_at = now(), last_error = NULL"
        ));
        assert!(sql[1].contains(
            "AND status = 'dead' AND event_id IN ('5eed0000-0000-4000-8000-000000000001')"
        ));
        assert_eq!(sql[2], "COMMIT");
        for hostile in [
            "x'); DELETE FROM outbox_events; --",
            "",
            "5eed0000-0000-4000-8000-00000000000'",
        ] {
            assert!(
                db().replay_sql(&[hostile.to_string()]).is_err(),
                "{hostile:?}"
            );
        }
    }

    #[test]
    fn listing_is_read_only_and_scoped_to_the_org() {
        let sql = db().list_sql(None, 100);
        assert_eq!(sql.first().map(String::as_str), Some("BEGIN READ ONLY"));
        assert_eq!(sql.last().map(String::as_str), Some("COMMIT"));
        assert!(sql[1].starts_with("SET LOCAL app.current_org_id"));
        assert!(
            sql.iter()
                .skip(2)
                .take(3)
                .all(|s| s.contains(&format!("org_id = '{DEFAULT_ORG_ID}'")))
        );
        let argv = db().psql(&sql);
        assert_eq!(&argv[..3], ["psql", "-X", "-q"]);
        assert!(argv.windows(2).any(|w| w == ["-U", "cleaning"]));
    }
}
