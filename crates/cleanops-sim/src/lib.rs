//! A simulator of CleanWithSnapshot's HTTP API, for the tests and the demo of cleanops.
//!
//! A crate of its own, which knows nothing of cleanops: what it knows of the app (job names,
//! settings, texts, answers) it keeps itself (`app`, `python`, the modules below), written from
//! the app's behaviour, so a wrong belief of the client about the app fails a test instead of
//! agreeing with itself. cleanops uses it behind its default feature `sim`.
//!
//! It answers like the real app as described in `docs/app-contract.md` (status codes, JSON keys, content
//! types, headers, the order of checks), including the upstream defects of its section 12 when
//! asked to, and it keeps a small world that behaves: a jobs runner that writes heartbeats,
//! outbox and export events that replays move, rate limits, idempotency keys. Tests steer it
//! through scenarios and the control API (`POST /_sim/control`, [`Sim::control`]) and read the
//! effects back from `GET /_sim/state` ([`Sim::state`]).
//!
//! Layout: `app` (facts of the app), `state` (the world), `scenario` (initial worlds), `runner` (the jobs runner),
//! `queue` (DLQ reads and replays), `health` (`/readyz`), `auth`, `limits` (rate windows and
//! idempotency), `control`, `routes` and `admin` (HTTP), `respond` (body formats), `faults`,
//! `clock` (time formats).
//!
//! The Docker test stack (`tests/stack/`) also needs the processes around the API as processes
//! of their own: `worker` (`cleanops sim worker`, the jobs runner), `db` (`cleanops sim db`),
//! `multicall` (the `cleanops-sim` binary, answering as `python` and `pg_isready` inside the
//! test images), with `cli` (their arguments), `remote` (their client of the simulator),
//! `python` (the texts they print) and `signals`. `engine` is the Docker engine of the demo.
//!
//! Request gates return `Err(Response)`: the answer to send at once. `Response` is large for an
//! error type, but it is built at most once per request, so boxing it would buy nothing.
#![allow(clippy::result_large_err)]

mod admin;
pub mod app;
mod auth;
mod cli;
mod clock;
mod conn;
mod control;
mod db;
pub mod demo;
pub mod engine;
mod faults;
mod health;
mod limits;
pub mod multicall;
pub mod python;
mod queue;
mod remote;
mod respond;
mod routes;
mod runner;
mod scenario;
mod signals;
mod state;
mod worker;

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use serde::{Deserialize, Deserializer};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use auth::PROXY_AUTH_SECRET;
pub use cli::{ServeArgs, parse_duration};
pub use control::{AddDead, Control, DeadKind, SpendLimit};
pub use db::{DbArgs, db};
pub use state::{DbCheck, Fault, MigrationsCheck};
pub use worker::{WorkerArgs, worker};

use state::Shared;

/// How long `shutdown` waits for in-flight requests before cutting them off.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A starting state of the simulated deployment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scenario {
    Healthy,
    StaleHeartbeat,
    HeartbeatMissing,
    DbDown,
    DlqBacklog,
    ClockDrift,
    SlowApi,
    UpstreamDefects,
}

impl Scenario {
    pub const ALL: &'static [Scenario] = &[
        Scenario::Healthy,
        Scenario::StaleHeartbeat,
        Scenario::HeartbeatMissing,
        Scenario::DbDown,
        Scenario::DlqBacklog,
        Scenario::ClockDrift,
        Scenario::SlowApi,
        Scenario::UpstreamDefects,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scenario::Healthy => "healthy",
            Scenario::StaleHeartbeat => "stale-heartbeat",
            Scenario::HeartbeatMissing => "heartbeat-missing",
            Scenario::DbDown => "db-down",
            Scenario::DlqBacklog => "dlq-backlog",
            Scenario::ClockDrift => "clock-drift",
            Scenario::SlowApi => "slow-api",
            Scenario::UpstreamDefects => "upstream-defects",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Scenario::Healthy => {
                "runner alive, heartbeat 42.7 s old, all 24 job rows fine, DLQ empty"
            }
            Scenario::StaleHeartbeat => {
                "runner stopped, heartbeat 1278.4 s old (runner 3f9c2a1b7d4e), DB fine: /readyz 503"
            }
            Scenario::HeartbeatMissing => {
                "runner never finished a loop: no jobs-runner row, jobs/status is []"
            }
            Scenario::DbDown => {
                "database unreachable: db and jobs checks fail, migrations read as pending, runner crashed"
            }
            Scenario::DlqBacklog => {
                "healthy runner, 37 dead outbox e-mails and 3 dead lead exports in the DLQ"
            }
            Scenario::ClockDrift => {
                "server clock 90 s ahead of the client, heartbeat fresh on the server's clock"
            }
            Scenario::SlowApi => "healthy, but every response takes 1.5 s",
            Scenario::UpstreamDefects => {
                "the running upstream's defects: kind=all/outbox DLQ 500s, keyed replays answer an empty 409"
            }
        }
    }

    pub fn from_name(name: &str) -> Option<Scenario> {
        Scenario::ALL.iter().copied().find(|s| s.name() == name)
    }
}

impl<'de> Deserialize<'de> for Scenario {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Scenario, D::Error> {
        let name = String::deserialize(d)?;
        Scenario::from_name(&name).ok_or_else(|| {
            let names: Vec<&str> = Scenario::ALL.iter().map(|s| s.name()).collect();
            serde::de::Error::custom(format!(
                "unknown scenario `{name}`, expected one of: {}",
                names.join(", ")
            ))
        })
    }
}

/// How to start a simulator.
#[derive(Clone, Debug)]
pub struct SimOptions {
    pub scenario: Scenario,
    /// Frozen clock for deterministic tests; `None` = real time.
    pub fixed_now: Option<time::OffsetDateTime>,
    /// `RATE_LIMIT_PER_MINUTE`, per client IP.
    pub global_limit_per_minute: u32,
    /// `ADMIN_ACTION_RATE_LIMIT_PER_MINUTE`, per org and action.
    pub action_limit_per_minute: u32,
    /// Sleep between two loops of the simulated runner (`--interval`).
    pub runner_interval: Duration,
    pub admin_user: String,
    pub admin_password: String,
    /// A user with the viewer role.
    pub viewer_user: String,
    pub viewer_password: String,
    /// Peers trusted as the admin proxy (`TRUSTED_PROXY_IPS`/`_CIDRS`), IPs or CIDRs: loopback
    /// by default; a `scenario` reset keeps them.
    pub trusted_proxies: Vec<String>,
    /// The app's own settings as `cleanops sim serve` read them from its environment
    /// (`JOBS_ENABLED`, `JOB_HEARTBEAT_REQUIRED`, `JOB_HEARTBEAT_TTL_SECONDS`), as the real api
    /// reads them at start-up (docs/app-contract.md §1, §13): unset ones keep the scenario's.
    /// A `scenario` reset keeps them too.
    pub app_settings: AppSettings,
    /// `host:port` of the `db` container (the Docker test stack): the simulated database is down
    /// whenever that address stops answering, so stopping, pausing or freezing the container is
    /// a real outage. `None`: the database is only what `db_down` says.
    pub db_addr: Option<String>,
}

/// Settings the app reads from its environment when it starts; `None` = not set there.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AppSettings {
    pub jobs_enabled: Option<bool>,
    pub heartbeat_required: Option<bool>,
    pub threshold_seconds: Option<i64>,
}

impl AppSettings {
    /// From the process environment. A value the app would reject at start-up is left unset
    /// here (the simulator keeps its default) rather than refusing to start.
    pub fn from_env() -> AppSettings {
        let get = |name: &str| std::env::var(name).ok().map(|v| v.trim().to_owned());
        AppSettings {
            jobs_enabled: get("JOBS_ENABLED").and_then(|v| crate::app::env_bool(&v)),
            heartbeat_required: get("JOB_HEARTBEAT_REQUIRED")
                .and_then(|v| crate::app::env_bool(&v)),
            threshold_seconds: get("JOB_HEARTBEAT_TTL_SECONDS")
                .and_then(|v| v.parse::<i64>().ok())
                .filter(|t| (0..=1_000_000_000).contains(t)),
        }
    }
}

/// `host:port` of the database container for `cleanops sim serve` (see [`SimOptions::db_addr`]).
pub const DB_ADDR_ENV: &str = "CLEANOPS_SIM_DB_ADDR";

impl Default for SimOptions {
    fn default() -> SimOptions {
        SimOptions {
            scenario: Scenario::Healthy,
            fixed_now: None,
            global_limit_per_minute: 30,
            action_limit_per_minute: 5,
            runner_interval: Duration::from_secs(60),
            admin_user: "admin".to_owned(),
            admin_password: "sim-admin-password".to_owned(),
            viewer_user: "viewer".to_owned(),
            viewer_password: "sim-viewer-password".to_owned(),
            trusted_proxies: vec!["127.0.0.1".to_owned(), "::1".to_owned()],
            app_settings: AppSettings::default(),
            db_addr: None,
        }
    }
}

/// Extra trusted proxies for `cleanops sim serve`, comma-separated IPs or CIDRs. The Docker test
/// stack sets it: there the host's requests reach the simulator from the bridge network's
/// gateway (Docker's port forwarding), which stands where Caddy stands in production.
pub const TRUSTED_PROXIES_ENV: &str = "CLEANOPS_SIM_TRUSTED_PROXIES";

/// A running simulator. Dropping it stops it too (without waiting); prefer [`Sim::shutdown`].
pub struct Sim {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown_tx: watch::Sender<bool>,
    server: Option<JoinHandle<()>>,
    runner: Option<JoinHandle<()>>,
}

impl Sim {
    /// Serves on an already-bound listener (tests bind 127.0.0.1:0) and starts the simulated
    /// runner; returns at once.
    pub async fn start(listener: TcpListener, opts: SimOptions) -> anyhow::Result<Sim> {
        let addr = listener
            .local_addr()
            .context("the simulator's listener has no local address")?;
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let shared = Shared::new(opts, shutdown_rx.clone());
        let app = routes::router(shared.clone());
        let mut signal = shutdown_rx;
        let server = tokio::spawn(async move {
            let service = app.into_make_service_with_connect_info::<conn::Peer>();
            let served = axum::serve(conn::SimListener(listener), service)
                .with_graceful_shutdown(async move {
                    // Also ends when the `Sim` is dropped (the sender goes away).
                    let _ = signal.wait_for(|&down| down).await;
                })
                .await;
            if let Err(e) = served {
                eprintln!("cleanops simulator: server error: {e}");
            }
        });
        let runner = tokio::spawn(runner::run(shared.clone()));
        if let Some(addr) = shared.opts.db_addr.clone() {
            tokio::spawn(db::watch_database(addr, shared.clone()));
        }
        Ok(Sim {
            addr,
            shared,
            shutdown_tx,
            server: Some(server),
            runner: Some(runner),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Same effect as `POST /_sim/control`; on error nothing changed.
    pub fn control(&self, c: Control) -> anyhow::Result<()> {
        self.shared
            .apply_control(c)
            .map_err(|e| anyhow::anyhow!("invalid control: {e}"))
    }

    /// The same document as `GET /_sim/state`.
    pub fn state(&self) -> serde_json::Value {
        self.shared.world().snapshot()
    }

    /// Stops accepting, lets in-flight requests finish (hanging ones are released), and stops
    /// the runner.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown_tx.send(true);
        if let Some(mut server) = self.server.take()
            && tokio::time::timeout(SHUTDOWN_GRACE, &mut server)
                .await
                .is_err()
        {
            server.abort();
        }
        if let Some(runner) = self.runner.take() {
            runner.abort();
            let _ = runner.await;
        }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.shutdown_tx.send(true);
        if let Some(runner) = self.runner.take() {
            runner.abort();
        }
    }
}

/// For `cleanops sim serve`: binds `listen`, prints one line
/// `cleanops simulator (scenario NAME) listening on http://ADDR` to stdout (flushed, so a
/// parent process can read the port when `listen` is `127.0.0.1:0`), serves until Ctrl-C or
/// SIGTERM.
pub async fn serve(listen: &str, mut opts: SimOptions) -> anyhow::Result<()> {
    if let Ok(extra) = std::env::var(TRUSTED_PROXIES_ENV) {
        let extra: Vec<String> = extra
            .split(',')
            .map(|e| e.trim().to_owned())
            .filter(|e| !e.is_empty())
            .collect();
        auth::validate_trusted(&extra)
            .map_err(|e| anyhow::anyhow!("{TRUSTED_PROXIES_ENV}: {e}"))?;
        opts.trusted_proxies.extend(extra);
    }
    opts.app_settings = AppSettings::from_env();
    opts.db_addr = std::env::var(DB_ADDR_ENV)
        .ok()
        .map(|a| a.trim().to_owned())
        .filter(|a| !a.is_empty());
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let name = opts.scenario.name();
    let sim = Sim::start(listener, opts).await?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "cleanops simulator (scenario {name}) listening on {}",
            sim.url()
        )
        .and_then(|()| out.flush())
        .context("cannot write to stdout")?;
    }
    wait_for_signal().await;
    sim.shutdown().await;
    Ok(())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests;
