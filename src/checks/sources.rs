//! What the checks read, each fetched once however many checks ask (readiness feeds five of
//! them), and each failure kept as a value the checks can show.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::OnceCell;

use crate::api::Client;
use crate::api::client::ReadySnapshot;
use crate::api::dlq::DlqListing;
use crate::api::types::JobRow;
use crate::config::Settings;
use crate::docker::Engine;
use crate::docker::compose::{self, ServiceState, WATCHED_SERVICES};
use crate::docker::logs::{LogLine, LogQuery, container_lines};
use crate::error::{Exit, exit_of};

/// A source that could not be read: the message and the exit code it would have had.
#[derive(Clone, Debug)]
pub struct Fail {
    pub message: String,
    pub exit: Exit,
}

impl From<anyhow::Error> for Fail {
    fn from(e: anyhow::Error) -> Fail {
        Fail {
            message: format!("{e:#}"),
            exit: exit_of(&e),
        }
    }
}

pub type Fetched<T> = Result<T, Fail>;

/// What `pg_isready` said inside the db container.
#[derive(Clone, Debug)]
pub struct DbInside {
    pub answers: bool,
    pub container: String,
    /// Its last line of output (`/var/run/postgresql:5432 - no response`).
    pub said: String,
}

/// How long `pg_isready` in the db container may take (its own default timeout is 3 s).
const DB_INSIDE_LIMIT: Duration = Duration::from_secs(6);

/// How many log lines the log checks read from the end of each log.
pub const LOG_TAIL: u64 = 500;

pub struct Sources {
    pub settings: Settings,
    pub client: Client,
    pub now: time::OffsetDateTime,
    /// Also run checks inside containers (`--deep`).
    pub deep: bool,
    readiness: OnceCell<Fetched<Arc<ReadySnapshot>>>,
    jobs_rows: OnceCell<Fetched<Arc<Vec<JobRow>>>>,
    dlq: OnceCell<Fetched<Arc<DlqListing>>>,
    engine: OnceCell<Fetched<Engine>>,
    services: OnceCell<Fetched<Arc<Vec<ServiceState>>>>,
    jobs_logs: OnceCell<Fetched<Arc<Vec<LogLine>>>>,
    api_logs: OnceCell<Fetched<Arc<Vec<LogLine>>>>,
    other_projects: OnceCell<Vec<String>>,
    db_inside: OnceCell<Option<DbInside>>,
    /// Whether the pass asked the API and the engine at all (an answer that never came is
    /// as unreachable as a refusal).
    asked_api: AtomicBool,
    asked_engine: AtomicBool,
}

impl Sources {
    pub fn new(
        settings: Settings,
        client: Client,
        now: time::OffsetDateTime,
        deep: bool,
    ) -> Sources {
        Sources {
            settings,
            client,
            now,
            deep,
            readiness: OnceCell::new(),
            jobs_rows: OnceCell::new(),
            dlq: OnceCell::new(),
            engine: OnceCell::new(),
            services: OnceCell::new(),
            jobs_logs: OnceCell::new(),
            api_logs: OnceCell::new(),
            other_projects: OnceCell::new(),
            db_inside: OnceCell::new(),
            asked_api: AtomicBool::new(false),
            asked_engine: AtomicBool::new(false),
        }
    }

    pub async fn readiness(&self) -> Fetched<Arc<ReadySnapshot>> {
        self.asked_api.store(true, Ordering::Relaxed);
        self.readiness
            .get_or_init(|| async {
                self.client
                    .readiness()
                    .await
                    .map(Arc::new)
                    .map_err(Fail::from)
            })
            .await
            .clone()
    }

    pub async fn jobs_rows(&self) -> Option<Fetched<Arc<Vec<JobRow>>>> {
        if !self.client.has_credentials() {
            return None;
        }
        Some(
            self.jobs_rows
                .get_or_init(|| async {
                    self.client
                        .jobs_status()
                        .await
                        .map(Arc::new)
                        .map_err(Fail::from)
                })
                .await
                .clone(),
        )
    }

    pub async fn dlq(&self) -> Option<Fetched<Arc<DlqListing>>> {
        if !self.client.has_credentials() {
            return None;
        }
        Some(
            self.dlq
                .get_or_init(|| async {
                    // One admin call: the diagnosis spends at most two (this and jobs status).
                    crate::api::dlq::counts(&self.client, 100)
                        .await
                        .map(Arc::new)
                        .map_err(Fail::from)
                })
                .await
                .clone(),
        )
    }

    pub async fn engine(&self) -> Fetched<Engine> {
        self.asked_engine.store(true, Ordering::Relaxed);
        self.engine
            .get_or_init(|| async {
                Engine::connect(&self.settings, self.settings.timeout.value)
                    .await
                    .map_err(Fail::from)
            })
            .await
            .clone()
    }

    pub async fn services(&self) -> Fetched<Arc<Vec<ServiceState>>> {
        self.services
            .get_or_init(|| async {
                let engine = self.engine().await?;
                compose::overview(
                    &engine,
                    &self.settings.project_name.value,
                    &WATCHED_SERVICES,
                )
                .await
                .map(Arc::new)
                .map_err(Fail::from)
            })
            .await
            .clone()
    }

    /// The service's containers from the overview (empty when it has none).
    pub async fn service(&self, name: &str) -> Fetched<ServiceState> {
        let services = self.services().await?;
        Ok(services
            .iter()
            .find(|s| s.service == name)
            .cloned()
            .unwrap_or(ServiceState {
                service: name.into(),
                containers: Vec::new(),
            }))
    }

    pub async fn jobs_logs(&self) -> Fetched<Arc<Vec<LogLine>>> {
        self.jobs_logs
            .get_or_init(|| self.tail_logs("jobs"))
            .await
            .clone()
    }

    pub async fn api_logs(&self) -> Fetched<Arc<Vec<LogLine>>> {
        self.api_logs
            .get_or_init(|| self.tail_logs("api"))
            .await
            .clone()
    }

    /// The last lines of every container of a service, in time order (bounded: LOG_TAIL each).
    async fn tail_logs(&self, service: &str) -> Fetched<Arc<Vec<LogLine>>> {
        use futures_util::StreamExt;
        let engine = self.engine().await?;
        let state = self.service(service).await?;
        let query = LogQuery {
            tail: Some(LOG_TAIL),
            ..LogQuery::default()
        };
        let mut lines = Vec::new();
        for c in &state.containers {
            let mut stream = container_lines(&engine, &c.id, &query);
            while let Some(line) = stream.next().await {
                lines.push(line.map_err(Fail::from)?);
            }
        }
        lines.sort_by_key(|l| l.ts);
        Ok(Arc::new(lines))
    }

    // What was fetched during the pass, without fetching anything more: the verdict comes
    // after the deadline and must not start a request.

    pub fn cached_readiness(&self) -> Option<Arc<ReadySnapshot>> {
        self.readiness.get()?.as_ref().ok().cloned()
    }

    pub fn cached_services(&self) -> Option<Arc<Vec<ServiceState>>> {
        self.services.get()?.as_ref().ok().cloned()
    }

    pub fn cached_jobs_logs(&self) -> Option<Arc<Vec<LogLine>>> {
        self.jobs_logs.get()?.as_ref().ok().cloned()
    }

    /// The other compose projects on the engine with a `jobs` or `api` service: where the
    /// deployment may be when the configured project shows none of its containers.
    pub async fn other_projects(&self) -> Vec<String> {
        self.other_projects
            .get_or_init(|| async {
                let Ok(engine) = self.engine().await else {
                    return Vec::new();
                };
                let mut found = Vec::new();
                for service in ["jobs", "api"] {
                    for p in compose::projects_with_service(&engine, service)
                        .await
                        .unwrap_or_default()
                    {
                        if p != self.settings.project_name.value && !found.contains(&p) {
                            found.push(p);
                        }
                    }
                }
                found
            })
            .await
            .clone()
    }

    /// `pg_isready` in the running db container, asked only when readiness says the database
    /// is failing (read-only, bounded): whether the database answers where it runs tells a hung
    /// database (restart it) from one the app cannot reach (its address, the network). `None`:
    /// not asked (readiness fine or unknown, no running db container, no engine).
    pub async fn db_inside(&self) -> Option<DbInside> {
        self.db_inside
            .get_or_init(|| async {
                let snap = self.readiness().await.ok()?;
                if snap.readiness.check("db").is_none_or(|c| c.ok) {
                    return None;
                }
                let engine = self.engine().await.ok()?;
                let db = self.service("db").await.ok()?;
                let c = db
                    .containers
                    .into_iter()
                    .find(|c| c.running && !c.restarting)?;
                let cmd = compose::pg_isready_command(&c);
                let limit = DB_INSIDE_LIMIT.min(self.timeout());
                match crate::docker::exec::run(&engine, &c.id, &cmd, limit, |_| {}).await {
                    Ok(out) => Some(DbInside {
                        answers: out.exit_code == Some(0),
                        container: c.name.clone(),
                        said: out.output_tail.last().cloned().unwrap_or_else(|| {
                            if out.timed_out {
                                "no answer in time".into()
                            } else {
                                format!("exit {}", out.exit_code.unwrap_or(-1))
                            }
                        }),
                    }),
                    Err(_) => None,
                }
            })
            .await
            .clone()
    }

    pub fn cached_db_inside(&self) -> Option<DbInside> {
        self.db_inside.get().cloned().flatten()
    }

    pub fn cached_other_projects(&self) -> Vec<String> {
        self.other_projects.get().cloned().unwrap_or_default()
    }

    pub fn cached_dlq(&self) -> Option<Arc<DlqListing>> {
        self.dlq.get()?.as_ref().ok().cloned()
    }

    pub fn cached_jobs_rows(&self) -> Option<Arc<Vec<JobRow>>> {
        self.jobs_rows.get()?.as_ref().ok().cloned()
    }

    /// Whether the API and the engine could each be reached (None: not asked).
    pub fn reached(&self) -> (Option<bool>, Option<bool>) {
        let answered = |asked: &AtomicBool, ok: Option<bool>| {
            asked.load(Ordering::Relaxed).then(|| ok.unwrap_or(false))
        };
        (
            answered(&self.asked_api, self.readiness.get().map(|r| r.is_ok())),
            answered(&self.asked_engine, self.engine.get().map(|e| e.is_ok())),
        )
    }

    /// The heartbeat threshold: the API's, else the env file's TTL, else the app's default.
    pub async fn threshold(&self) -> f64 {
        if let Ok(snap) = self.readiness().await
            && let Some(t) = snap
                .readiness
                .check("jobs")
                .and_then(|c| c.detail.get("threshold_seconds"))
                .and_then(|v| v.as_f64())
        {
            return t;
        }
        self.settings.heartbeat_threshold() as f64
    }

    pub fn timeout(&self) -> Duration {
        self.settings.timeout.value
    }
}
