//! Finding a compose project's service containers by their labels (never by guessed names), and
//! reading a container's state the way an engineer needs it: up how long, restarted how often,
//! exited with what, killed by the OOM killer, crash-looping.

use std::collections::{BTreeSet, HashMap};

use anyhow::Result;
use bollard::models::ContainerInspectResponse;
use bollard::query_parameters::{InspectContainerOptions, ListContainersOptions};
use serde::Serialize;
use time::OffsetDateTime;

use super::engine::Engine;
use crate::clock::parse_rfc3339;
use crate::error::{Exit, Failure};

pub const LABEL_PROJECT: &str = "com.docker.compose.project";
pub const LABEL_SERVICE: &str = "com.docker.compose.service";
pub const LABEL_ONEOFF: &str = "com.docker.compose.oneoff";
pub const LABEL_NUMBER: &str = "com.docker.compose.container-number";

/// A container's state, read from an inspect.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Container {
    pub id: String,
    pub short_id: String,
    pub name: String,
    pub service: String,
    pub number: Option<u32>,
    /// created, running, paused, restarting, removing, exited, dead.
    pub status: String,
    pub running: bool,
    pub restarting: bool,
    /// `healthy`, `unhealthy`, `starting`; `None` without a healthcheck.
    pub health: Option<String>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub uptime_seconds: Option<f64>,
    pub exit_code: Option<i64>,
    pub oom_killed: bool,
    pub restart_count: i64,
    pub error: Option<String>,
    pub crash_loop: bool,
    /// Up again after restarts, with a heartbeat written since its current start: the runner
    /// got past whatever killed it (see [`Container::judge_recovery`]).
    pub recovered: bool,
    pub hostname: Option<String>,
    /// The command the container runs (entrypoint and cmd as the engine reports them).
    pub command: Vec<String>,
    /// `NAME=value` pairs; never printed as such (secrets), read by env-check.
    #[serde(skip)]
    pub env: Vec<String>,
}

/// Docker's zero time for "never": `0001-01-01T00:00:00Z`.
fn real_time(t: Option<&String>) -> Option<OffsetDateTime> {
    t.and_then(|s| parse_rfc3339(s).ok())
        .filter(|t| t.year() > 1)
}

impl Container {
    pub fn from_inspect(c: &ContainerInspectResponse, now: OffsetDateTime) -> Container {
        let id = c.id.clone().unwrap_or_default();
        let labels = c
            .config
            .as_ref()
            .and_then(|c| c.labels.clone())
            .unwrap_or_default();
        let state = c.state.clone().unwrap_or_default();
        let status = state
            .status
            .map(|s| s.to_string())
            .unwrap_or_else(|| "unknown".into());
        let running = state.running.unwrap_or(false);
        let restarting = state.restarting.unwrap_or(false);
        let started = real_time(state.started_at.as_ref());
        let uptime = started
            .filter(|_| running)
            .map(|s| (now - s).as_seconds_f64());
        let restart_count = c.restart_count.unwrap_or(0);
        // A crash loop is judged on what happens now, not on the lifetime restart count: the
        // engine is restarting it right now, or it has restarted several times and its current
        // run is younger than CRASH_WINDOW (or it died within it). A runner up for longer has
        // got past its start: recovered, whatever its count says.
        let finished = real_time(state.finished_at.as_ref());
        // Exits that are no crash: a clean one, SIGTERM, and SIGKILL without OOM (stopped by
        // the engine after the grace period, as the runner ignores SIGTERM as PID 1 (docs/app-contract.md
        // §13), or killed by hand).
        let deliberate = matches!(state.exit_code, Some(0) | Some(143))
            || (state.exit_code == Some(137) && state.oom_killed != Some(true));
        let died_recently = !running
            && !deliberate
            && finished.is_some_and(|f| (now - f).as_seconds_f64() < CRASH_WINDOW);
        let crash_loop = restarting
            || (restart_count >= 3 && (uptime.is_some_and(|u| u < CRASH_WINDOW) || died_recently));
        let health = state
            .health
            .as_ref()
            .and_then(|h| h.status)
            .map(|s| s.to_string())
            .filter(|s| !s.is_empty() && s != "none");
        let mut command: Vec<String> = c.path.iter().cloned().collect();
        command.extend(c.args.clone().unwrap_or_default());
        Container {
            short_id: id.chars().take(12).collect(),
            id,
            name: c
                .name
                .clone()
                .unwrap_or_default()
                .trim_start_matches('/')
                .to_string(),
            service: labels.get(LABEL_SERVICE).cloned().unwrap_or_default(),
            number: labels.get(LABEL_NUMBER).and_then(|n| n.parse().ok()),
            status,
            running,
            restarting,
            health,
            started_at: started.map(crate::clock::rfc3339),
            finished_at: finished.map(crate::clock::rfc3339),
            uptime_seconds: uptime,
            // While it runs, the engine's exit code is that of no run at all: leave it out.
            exit_code: state.exit_code.filter(|_| !running || restarting),
            oom_killed: state.oom_killed.unwrap_or(false),
            restart_count,
            error: state.error.filter(|e| !e.is_empty()),
            crash_loop,
            recovered: false,
            hostname: c.config.as_ref().and_then(|c| c.hostname.clone()),
            command,
            env: c
                .config
                .as_ref()
                .and_then(|c| c.env.clone())
                .unwrap_or_default(),
        }
    }

    /// The runner's container seen with its heartbeat: one written after the container's
    /// current start (`last_heartbeat`, given only while the heartbeat is fresh) proves a whole
    /// loop ran since, so restarts before it are history, however recent: not a crash loop, but
    /// "recovered" (for an hour after the start; an older restart count is just a count).
    pub fn judge_recovery(&mut self, last_heartbeat: Option<OffsetDateTime>) {
        let started = self
            .started_at
            .as_deref()
            .and_then(|t| parse_rfc3339(t).ok());
        let proven = matches!((started, last_heartbeat), (Some(s), Some(hb)) if hb > s);
        if !(proven && self.running && !self.restarting && self.restart_count > 0) {
            return;
        }
        self.crash_loop = false;
        self.recovered = self.uptime_seconds.is_some_and(|u| u < RECOVERY_NOTE);
    }

    /// The container's environment as a map (later duplicates win, as in the engine).
    pub fn env_map(&self) -> HashMap<String, String> {
        self.env
            .iter()
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// One line: "running, up 3m12s, healthy, 0 restarts" or "exited 137 (OOM-killed) 14m ago".
    pub fn summary(&self, now: OffsetDateTime) -> String {
        use crate::clock::human;
        let mut parts = Vec::new();
        if self.crash_loop {
            parts.push(format!(
                "CRASH LOOP: {} ({} restarts)",
                if self.restarting {
                    "restarting now"
                } else {
                    "keeps dying"
                },
                self.restart_count
            ));
        }
        match self.status.as_str() {
            "running" if self.recovered => parts.push(format!(
                "running, recovered: up {} after {} restarts",
                human(self.uptime_seconds.unwrap_or(0.0)),
                self.restart_count
            )),
            "running" => parts.push(match self.uptime_seconds {
                Some(u) => format!("running, up {}", human(u)),
                None => "running".into(),
            }),
            "exited" | "dead" => {
                let code = self
                    .exit_code
                    .map(|c| format!(" {c}{}", exit_meaning(c)))
                    .unwrap_or_default();
                let when = self
                    .finished_at
                    .as_deref()
                    .and_then(|t| parse_rfc3339(t).ok())
                    .map(|t| format!(" {} ago", human((now - t).as_seconds_f64())))
                    .unwrap_or_default();
                parts.push(format!("{}{code}{when}", self.status));
            }
            // "restarting" is already said by the crash loop.
            "restarting" if self.crash_loop => {}
            other => parts.push(other.to_string()),
        }
        if self.oom_killed {
            parts.push("OOM-killed".into());
        }
        if let Some(h) = &self.health {
            parts.push(h.clone());
        }
        if !self.crash_loop && !self.recovered && self.restart_count > 0 {
            parts.push(format!("{} restart(s)", self.restart_count));
        }
        if let Some(e) = &self.error {
            parts.push(format!("error: {e}"));
        }
        parts.join(", ")
    }

    /// Needs action: not running, unhealthy, crash-looping.
    pub fn is_problem(&self) -> bool {
        !self.running || self.crash_loop || self.health.as_deref() == Some("unhealthy")
    }
}

/// `pg_isready` as the db container's own healthcheck runs it: with the user and database
/// the container was given (docs/app-contract.md §7).
pub fn pg_isready_command(db: &Container) -> Vec<String> {
    let env = db.env_map();
    let mut cmd = vec!["pg_isready".to_string()];
    if let Some(u) = env.get("POSTGRES_USER") {
        cmd.extend(["-U".to_string(), u.clone()]);
    }
    if let Some(d) = env.get("POSTGRES_DB") {
        cmd.extend(["-d".to_string(), d.clone()]);
    }
    cmd
}

/// The compose command this host has, for the commands cleanops prints: `docker compose` where
/// the CLI plugin is installed, `docker-compose` (v1) where only that is, where `docker compose
/// up -d` fails with "unknown shorthand flag: 'd'" (docs/app-contract.md §13).
pub fn cli() -> &'static str {
    static CLI: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();
    CLI.get_or_init(|| {
        let home = std::env::var_os("DOCKER_CONFIG")
            .map(std::path::PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".docker")));
        let plugin_dirs = home.map(|h| h.join("cli-plugins")).into_iter().chain(
            [
                "/usr/local/lib/docker/cli-plugins",
                "/usr/local/libexec/docker/cli-plugins",
                "/usr/lib/docker/cli-plugins",
                "/usr/libexec/docker/cli-plugins",
            ]
            .map(std::path::PathBuf::from),
        );
        let on_path = |name: &str| {
            std::env::var_os("PATH")
                .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
        };
        let mut dirs = plugin_dirs;
        if dirs.any(|d| d.join("docker-compose").is_file()) || !on_path("docker-compose") {
            "docker compose"
        } else {
            "docker-compose"
        }
    })
}

/// A run younger than this, after several restarts, is still part of a crash loop. The engine
/// resets its restart backoff after 10 s of running; a runner that dies on its start (the
/// database gone) dies within a few seconds.
pub const CRASH_WINDOW: f64 = 30.0;

/// How long after its start a runner that restarts before is said to have "recovered".
pub const RECOVERY_NOTE: f64 = 3600.0;

/// What an exit code usually means in a container.
pub fn exit_meaning(code: i64) -> &'static str {
    match code {
        0 => "",
        137 => " (SIGKILL: OOM, docker kill, or a stop whose SIGTERM was ignored)",
        143 => " (SIGTERM: stopped)",
        139 => " (SIGSEGV)",
        1 => " (error: see its logs)",
        2 => " (usage error)",
        _ => "",
    }
}

fn filters(pairs: &[(&str, String)]) -> HashMap<String, Vec<String>> {
    let mut f: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in pairs {
        f.entry((*k).to_string()).or_default().push(v.clone());
    }
    f
}

/// The containers of one service of a project, one-off (`compose run`) containers left out,
/// replicas in their order, each inspected.
pub async fn service_containers(
    engine: &Engine,
    project: &str,
    service: &str,
) -> Result<Vec<Container>> {
    let opts = ListContainersOptions {
        all: true,
        filters: Some(filters(&[
            ("label", format!("{LABEL_PROJECT}={project}")),
            ("label", format!("{LABEL_SERVICE}={service}")),
        ])),
        ..Default::default()
    };
    let list = engine
        .call(
            "list containers",
            engine.docker().list_containers(Some(opts)),
        )
        .await?;
    let now = crate::clock::now()?;
    let mut out = Vec::new();
    for summary in list {
        let labels = summary.labels.clone().unwrap_or_default();
        if labels
            .get(LABEL_ONEOFF)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        {
            continue;
        }
        let Some(id) = summary.id else { continue };
        match engine
            .call(
                "inspect container",
                engine
                    .docker()
                    .inspect_container(&id, None::<InspectContainerOptions>),
            )
            .await
        {
            Ok(c) => out.push(Container::from_inspect(&c, now)),
            // Removed between the list and the inspect (a re-creation in progress): skip it.
            Err(e) if crate::docker::engine::is_not_found(&e) => continue,
            Err(e) => return Err(e),
        }
    }
    out.sort_by_key(|c| (c.number.unwrap_or(0), c.name.clone()));
    Ok(out)
}

/// The compose projects on this engine that have a container for `service`: suggestions for
/// `--project-name` when the configured project has none.
pub async fn projects_with_service(engine: &Engine, service: &str) -> Result<Vec<String>> {
    let opts = ListContainersOptions {
        all: true,
        filters: Some(filters(&[("label", format!("{LABEL_SERVICE}={service}"))])),
        ..Default::default()
    };
    let list = engine
        .call(
            "list containers",
            engine.docker().list_containers(Some(opts)),
        )
        .await?;
    let projects: BTreeSet<String> = list
        .iter()
        .filter_map(|c| c.labels.as_ref()?.get(LABEL_PROJECT).cloned())
        .collect();
    Ok(projects.into_iter().collect())
}

/// The containers of `service`, or an error that says which project was looked in and which
/// projects on the engine do have that service.
pub async fn require_service(
    engine: &Engine,
    project: &str,
    service: &str,
) -> Result<Vec<Container>> {
    let found = service_containers(engine, project, service).await?;
    if !found.is_empty() {
        return Ok(found);
    }
    Err(no_such_service(engine, project, service).await.into())
}

pub async fn no_such_service(engine: &Engine, project: &str, service: &str) -> Failure {
    let others: Vec<String> = projects_with_service(engine, service)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|p| p != project)
        .collect();
    let mut f = Failure::new(
        Exit::Unhealthy,
        format!(
            "no container of service {service:?} in compose project {project:?} on {}",
            engine.target.label()
        ),
    );
    if others.is_empty() {
        f = f.hint(format!(
            "the service is not created: `{} up -d {service}` in the project directory",
            cli()
        ));
    } else {
        f = f.hint(format!(
            "projects on this engine with a {service:?} service: {} (pass --project-name {})",
            others.join(", "),
            others[0]
        ));
    }
    f
}

/// The services of the deployment that cleanops watches, in the order it shows them (and
/// offers them in completions).
pub const WATCHED_SERVICES: [&str; 3] = ["api", "jobs", "db"];

/// One service and its containers (none: not created, or removed).
#[derive(Clone, Debug, Serialize)]
pub struct ServiceState {
    pub service: String,
    pub containers: Vec<Container>,
}

impl ServiceState {
    pub fn is_problem(&self) -> bool {
        self.containers.is_empty() || self.containers.iter().any(Container::is_problem)
    }
}

/// Every watched service of the project, looked up concurrently.
pub async fn overview(
    engine: &Engine,
    project: &str,
    services: &[&str],
) -> Result<Vec<ServiceState>> {
    let lookups = services.iter().map(|s| async move {
        service_containers(engine, project, s)
            .await
            .map(|containers| ServiceState {
                service: s.to_string(),
                containers,
            })
    });
    futures_util::future::try_join_all(lookups).await
}

/// Every container of the project (one-offs included), as listed: for the set of its services.
pub async fn project_containers(
    engine: &Engine,
    project: &str,
) -> Result<Vec<bollard::models::ContainerSummary>> {
    let opts = ListContainersOptions {
        all: true,
        filters: Some(filters(&[("label", format!("{LABEL_PROJECT}={project}"))])),
        ..Default::default()
    };
    engine
        .call(
            "list containers",
            engine.docker().list_containers(Some(opts)),
        )
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::{ContainerConfig, ContainerState, ContainerStateStatusEnum};

    fn inspect(
        status: ContainerStateStatusEnum,
        running: bool,
        restarting: bool,
        restarts: i64,
        exit: i64,
        oom: bool,
    ) -> ContainerInspectResponse {
        ContainerInspectResponse {
            id: Some("0123456789abcdef0123".into()),
            name: Some("/cleaning_jobs_1".into()),
            restart_count: Some(restarts),
            path: Some("python".into()),
            args: Some(vec![
                "-m".into(),
                "app.jobs.run".into(),
                "--interval".into(),
                "60".into(),
            ]),
            state: Some(ContainerState {
                status: Some(status),
                running: Some(running),
                restarting: Some(restarting),
                oom_killed: Some(oom),
                exit_code: Some(exit),
                started_at: Some("2026-04-05T20:29:30Z".into()),
                finished_at: Some("2026-04-05T20:16:00Z".into()),
                ..Default::default()
            }),
            config: Some(ContainerConfig {
                labels: Some([(LABEL_SERVICE.to_string(), "jobs".to_string())].into()),
                env: Some(vec!["JOBS_ENABLED=true".into(), "A=b=c".into()]),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn states_read_as_an_engineer_needs_them() {
        let now = parse_rfc3339("2026-04-05T20:30:00Z").unwrap();
        let oom = Container::from_inspect(
            &inspect(ContainerStateStatusEnum::EXITED, false, false, 0, 137, true),
            now,
        );
        assert_eq!(
            oom.summary(now),
            "exited 137 (SIGKILL: OOM, docker kill, or a stop whose SIGTERM was ignored) 14m ago, OOM-killed"
        );
        // `docker stop jobs`: the runner ignores SIGTERM, the engine kills it after the grace
        // period; a container that restarted often before is not crash-looping for that.
        let mut stopped = inspect(
            ContainerStateStatusEnum::EXITED,
            false,
            false,
            5,
            137,
            false,
        );
        if let Some(state) = stopped.state.as_mut() {
            state.finished_at = Some("2026-04-05T20:29:40Z".into());
        }
        let stopped = Container::from_inspect(&stopped, now);
        assert!(!stopped.crash_loop, "{}", stopped.summary(now));
        assert!(stopped.is_problem());
        assert!(oom.is_problem() && !oom.crash_loop);
        assert_eq!(oom.service, "jobs");
        assert_eq!(oom.name, "cleaning_jobs_1");
        assert_eq!(
            oom.command,
            ["python", "-m", "app.jobs.run", "--interval", "60"]
        );

        let looping = Container::from_inspect(
            &inspect(
                ContainerStateStatusEnum::RESTARTING,
                false,
                true,
                7,
                1,
                false,
            ),
            now,
        );
        assert!(looping.crash_loop);
        assert!(
            looping
                .summary(now)
                .starts_with("CRASH LOOP: restarting now (7 restarts)")
        );

        // Judged on now, not on the lifetime count: 10 s into its fifth run it is still a
        // crash loop; 30 s in, it has recovered.
        let early = parse_rfc3339("2026-04-05T20:29:40Z").unwrap();
        let flapping = Container::from_inspect(
            &inspect(ContainerStateStatusEnum::RUNNING, true, false, 4, 0, false),
            early,
        );
        assert!(flapping.crash_loop, "up 10 s after 4 restarts");
        assert_eq!(flapping.exit_code, None);
        let recovered = Container::from_inspect(
            &inspect(ContainerStateStatusEnum::RUNNING, true, false, 4, 0, false),
            now,
        );
        assert!(
            !recovered.crash_loop && !recovered.is_problem(),
            "up 30 s after 4 restarts"
        );
        assert_eq!(recovered.summary(now), "running, up 30s, 4 restart(s)");

        // A heartbeat written since the current start: recovered at once, whatever the window.
        let mut back = flapping.clone();
        back.judge_recovery(parse_rfc3339("2026-04-05T20:29:35Z").ok());
        assert!(!back.crash_loop && back.recovered && !back.is_problem());
        assert_eq!(
            back.summary(early),
            "running, recovered: up 10s after 4 restarts"
        );
        // One from before the start proves nothing.
        let mut not_yet = flapping.clone();
        not_yet.judge_recovery(parse_rfc3339("2026-04-05T20:29:00Z").ok());
        assert!(not_yet.crash_loop && !not_yet.recovered);

        let fine = Container::from_inspect(
            &inspect(ContainerStateStatusEnum::RUNNING, true, false, 0, 0, false),
            now,
        );
        assert!(!fine.is_problem());
        assert_eq!(fine.summary(now), "running, up 30s");
        assert_eq!(fine.env_map()["A"], "b=c");
    }
}
