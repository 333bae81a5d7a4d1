//! Secrets never leave cleanops: every subcommand, in every output mode, with `--verbose`, with
//! `--dry-run` and `--yes` where it has them, in success and in failure, with known secrets in
//! the environment, in the deployment's env file and in the containers' environment. None may
//! appear on stdout, on stderr, or in any file cleanops writes under HOME (the replay journal
//! under `$XDG_STATE_HOME/cleanops/replay/`, the audit log `$XDG_STATE_HOME/cleanops/audit.jsonl`,
//! man pages written with `--dir`, whatever comes next).
//!
//! The subcommands are read from `cleanops --help`, so a new one is exercised too (bare, and
//! with the flags its `--help` lists); the table in [`bases`] gives the known ones their
//! arguments. Docker-side commands talk to the in-process simulated engine
//! (`cleanops_sim::engine::FakeEngine`), so no real engine is needed.
//!
//! `SECRETS_DEBUG=1` prints each run's exit code and first lines, and each file checked.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use cleanops_sim::engine::{
    FakeEngine, FakeEngineHandle, FakeState, app_exec, compose_project, db_exec,
};

use crate::{ADMIN_PASSWORD, NOW, TestSim, VIEWER_PASSWORD};

/// A token-like value of the env file (`ADMIN_PROXY_AUTH_SECRET`).
const TOKEN: &str = "tok-5e3b1d9a7c2f40e8b6d1";
/// The same variable as the running containers have it (the file was edited since: drift).
const CONTAINER_TOKEN: &str = "tok-ctr-81f2a6c0d4e97b35";
/// The database password, in `DATABASE_URL` of the file and of the containers.
const DB_PASSWORD: &str = "dbpw-4c8e2a9f1b7d";
/// `AUTH_SECRET_KEY`, the same in the file and the containers.
const AUTH_KEY: &str = "ask-9d0f3b7e25c1a864";
/// Any other secret-looking variable of the containers.
const OTHER_SECRET: &str = "oth-2b6e9c14f07ad853";
/// A password the server refuses (the 401 path).
const WRONG_PASSWORD: &str = "it-wrong-pw-0d93e1";

const SECRETS: [&str; 8] = [
    ADMIN_PASSWORD,
    VIEWER_PASSWORD,
    TOKEN,
    CONTAINER_TOKEN,
    DB_PASSWORD,
    AUTH_KEY,
    OTHER_SECRET,
    WRONG_PASSWORD,
];

fn env_file_text() -> String {
    format!(
        "# the deployment's .env\n\
         APP_ENV=prod\n\
         DATABASE_URL=postgresql+psycopg://cleaning:{DB_PASSWORD}@db:5432/cleaning\n\
         JOBS_ENABLED=true\n\
         JOB_HEARTBEAT_REQUIRED=true\n\
         JOB_HEARTBEAT_TTL_SECONDS=180\n\
         ADMIN_PROXY_AUTH_SECRET={TOKEN}\n\
         AUTH_SECRET_KEY='{AUTH_KEY}'\n\
         ADMIN_BASIC_USERNAME=admin\n\
         ADMIN_BASIC_PASSWORD={ADMIN_PASSWORD}\n"
    )
}

// ---------------------------------------------------------------------------------------------
// The worlds

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum World {
    /// Everything fine.
    Healthy,
    /// 40 dead events: the DLQ and replay have something to show and do.
    DlqBacklog,
    /// The database down: the API's checks fail, the runner crash-loops, execs fail.
    DbDown,
    /// The API refuses connections; the engine answers.
    ApiUnreachable,
    /// Neither the API nor the engine answers.
    NothingAnswers,
    /// The server refuses the password (401).
    WrongPassword,
}

/// Runs at once: most of a run is waiting on a socket.
const THREADS: usize = 8;

const WORLDS: [World; 6] = [
    World::Healthy,
    World::DlqBacklog,
    World::DbDown,
    World::ApiUnreachable,
    World::NothingAnswers,
    World::WrongPassword,
];

/// A simulated deployment: the app (unless unreachable), the engine (unless unreachable), the
/// env file and a password file outside HOME, and a HOME whose files are checked afterwards.
struct Deployment {
    world: World,
    /// Kept for its lifetime: the app answers while the deployment lives.
    _sim: Option<TestSim>,
    engine: Option<(FakeEngineHandle, tokio::runtime::Runtime)>,
    api_url: String,
    docker_host: String,
    /// The env file and the password file: inputs, not checked.
    inputs: tempfile::TempDir,
    /// The commit of the project directory's git repository (for `rollback --to`).
    good_sha: String,
    home: tempfile::TempDir,
}

/// A port nothing listens on (bound a moment ago, then closed).
fn closed_port_url(scheme: &str) -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("{scheme}://127.0.0.1:{port}")
}

/// The simulated engine's compose project, every secret-looking variable of its containers set
/// to one of the known secrets.
fn containers(db_up: bool) -> Vec<cleanops_sim::engine::FakeContainer> {
    let now = cleanops::clock::parse_rfc3339(NOW).unwrap();
    let mut all = compose_project("cleaning", now);
    for c in &mut all {
        c.env = c
            .env
            .iter()
            .map(|kv| {
                let (k, _) = kv.split_once('=').unwrap_or((kv, ""));
                match k {
                    "DATABASE_URL" => format!(
                        "DATABASE_URL=postgresql+psycopg://cleaning:{DB_PASSWORD}@db:5432/cleaning"
                    ),
                    "POSTGRES_PASSWORD" => format!("POSTGRES_PASSWORD={DB_PASSWORD}"),
                    "ADMIN_PROXY_AUTH_SECRET" => format!("{k}={CONTAINER_TOKEN}"),
                    "AUTH_SECRET_KEY" => format!("{k}={AUTH_KEY}"),
                    k if cleanops::envcheck::is_secret(k) => format!("{k}={OTHER_SECRET}"),
                    _ => kv.clone(),
                }
            })
            .collect();
        if c.service != "db" {
            c.env.push(format!("ADMIN_BASIC_PASSWORD={ADMIN_PASSWORD}"));
        }
        if !db_up {
            match c.service.as_str() {
                "db" => {
                    c.exec = Some(db_exec(false));
                    c.state = FakeState::Exited {
                        code: 0,
                        oom_killed: false,
                        started_at: now - time::Duration::hours(2),
                        finished_at: now - time::Duration::minutes(9),
                    };
                }
                _ => c.exec = Some(app_exec(false)),
            }
        }
    }
    all
}

impl Deployment {
    fn up(world: World) -> Deployment {
        let sim = match world {
            World::ApiUnreachable | World::NothingAnswers => None,
            _ => {
                let scenario = match world {
                    World::DlqBacklog => "dlq-backlog",
                    World::DbDown => "db-down",
                    _ => "healthy",
                };
                Some(TestSim::start_with(scenario, |o| {
                    o.global_limit_per_minute = 1_000_000;
                    o.action_limit_per_minute = 1_000_000;
                }))
            }
        };
        let engine = (world != World::NothingAnswers).then(|| {
            let engine = FakeEngine::new(containers(world != World::DbDown));
            engine.set_clock(Some(cleanops::clock::parse_rfc3339(NOW).unwrap()));
            let (handle, runtime) = crate::serve_engine(&engine);
            (handle, runtime)
        });
        let inputs = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(inputs.path().join("cleaning")).unwrap();
        std::fs::write(inputs.path().join("cleaning/.env"), env_file_text()).unwrap();
        let password = if world == World::WrongPassword {
            WRONG_PASSWORD
        } else {
            ADMIN_PASSWORD
        };
        std::fs::write(inputs.path().join("password"), format!("{password}\n")).unwrap();
        let good_sha = project_repository(&inputs.path().join("cleaning"));
        Deployment {
            world,
            api_url: sim
                .as_ref()
                .map(|s| s.url.clone())
                .unwrap_or_else(|| closed_port_url("http")),
            docker_host: engine
                .as_ref()
                .map(|(h, _)| h.host())
                .unwrap_or_else(|| closed_port_url("tcp")),
            _sim: sim,
            engine,
            inputs,
            good_sha,
            home: tempfile::tempdir().unwrap(),
        }
    }

    /// The environment of every run: the secrets where an engineer has them.
    fn env(&self, password_in_env: bool) -> Vec<(String, String)> {
        let mut env = vec![
            ("CLEANOPS_API_URL".to_string(), self.api_url.clone()),
            ("DOCKER_HOST".to_string(), self.docker_host.clone()),
            ("ADMIN_BASIC_USERNAME".to_string(), "admin".to_string()),
            (
                "CLEANOPS_PROJECT_DIR".to_string(),
                self.inputs.path().join("cleaning").display().to_string(),
            ),
            ("COMPOSE_PROJECT_NAME".to_string(), "cleaning".to_string()),
            // git (rollback) never looks above the temporary project directory.
            (
                "GIT_CEILING_DIRECTORIES".to_string(),
                self.inputs.path().display().to_string(),
            ),
            // As on a host where the deployment's secrets are exported.
            ("ADMIN_PROXY_AUTH_SECRET".to_string(), TOKEN.to_string()),
            (
                "DATABASE_URL".to_string(),
                format!("postgresql+psycopg://cleaning:{DB_PASSWORD}@db:5432/cleaning"),
            ),
        ];
        if password_in_env {
            let password = if self.world == World::WrongPassword {
                WRONG_PASSWORD
            } else {
                ADMIN_PASSWORD
            };
            env.push(("ADMIN_BASIC_PASSWORD".to_string(), password.to_string()));
        } else {
            env.push((
                "CLEANOPS_PASSWORD_FILE".to_string(),
                self.inputs.path().join("password").display().to_string(),
            ));
        }
        env
    }
}

/// The project directory as a git checkout with one commit (a deploy script that only says it
/// ran; the env file ignored, as in the real deployment). Returns the commit.
fn project_repository(dir: &Path) -> String {
    std::fs::create_dir_all(dir.join("ops")).unwrap();
    std::fs::write(dir.join(".gitignore"), ".env\n").unwrap();
    let script = dir.join("ops/deploy.sh");
    std::fs::write(&script, "#!/bin/sh\necho deployed\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["-c", "user.name=it", "-c", "user.email=it@example.invalid"])
            .args(args)
            .env("GIT_CEILING_DIRECTORIES", dir.parent().unwrap())
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "good"]);
    git(&["rev-parse", "--short", "HEAD"])
}

impl Drop for Deployment {
    fn drop(&mut self) {
        if let Some((handle, runtime)) = self.engine.take() {
            runtime.block_on(handle.shutdown());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The invocations

/// The subcommands `cleanops --help` (or `cleanops SUB --help`) lists, `help` left out.
fn subcommands(parent: &[&str]) -> Vec<String> {
    let mut args = parent.to_vec();
    args.push("--help");
    let out = Command::new(crate::bin())
        .args(&args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut found = Vec::new();
    let mut in_commands = false;
    for line in text.lines() {
        if line.starts_with("Commands:") {
            in_commands = true;
            continue;
        }
        if in_commands {
            if line.trim().is_empty() || !line.starts_with(' ') {
                break;
            }
            // `  name   description`; continuation lines are indented further.
            if line.starts_with("  ") && !line.starts_with("   ") {
                let name = line.split_whitespace().next().unwrap_or_default();
                if name != "help" {
                    found.push(name.to_string());
                }
            }
        }
    }
    assert!(
        !found.is_empty(),
        "no subcommands in `cleanops {parent:?} --help`:\n{text}"
    );
    found
}

/// The flags of `cleanops PATH... --help`.
fn help_of(path: &[String]) -> String {
    let out = Command::new(crate::bin())
        .args(path)
        .arg("--help")
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// True when `--help` lists `flag` as an option (`      --flag ...` or `  -x, --flag ...`), not
/// merely mentions it.
fn has_flag(help: &str, flag: &str) -> bool {
    help.lines().any(|line| {
        let line = line.trim_start();
        let line = match line.split_once(", ") {
            Some((short, rest)) if short.len() == 2 && short.starts_with('-') => rest,
            _ => line,
        };
        line.split_whitespace().next() == Some(flag)
    })
}

/// The arguments each known subcommand runs with (after its name); a subcommand not listed runs
/// bare, so one that runs until stopped (a server, a watch) needs an entry here that ends.
/// `{sim}` is the simulator's URL, `{home}` the runs' HOME, `{good_sha}` the project's commit.
fn bases(path: &[String]) -> Vec<Vec<String>> {
    let v = |args: &[&str]| args.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    match path
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["diagnose"] => vec![v(&[]), v(&["--deep"])],
        ["status"] => vec![v(&[]), v(&["--api-only"])],
        ["heartbeat"] => vec![v(&["--all-jobs"])],
        ["dlq"] => vec![v(&["--all"])],
        ["logs"] => vec![
            v(&["--tail", "40"]),
            v(&["api", "jobs", "db", "--tail", "10"]),
        ],
        ["restart"] => vec![v(&["jobs", "--settle", "0s"])],
        ["env-check"] => vec![v(&[]), v(&["--no-drift"])],
        ["db-check"] => vec![v(&[]), v(&["--via", "db"])],
        ["run-once"] => vec![v(&["--job", "outbox-delivery"])],
        ["replay"] => vec![v(&["--from-dlq", "--limit", "1"]), v(&["--list-runs"])],
        ["demo"] => vec![v(&["--scenario", "crash-loop"])],
        ["completions"] => vec![v(&["bash"])],
        ["man"] => vec![v(&["restart"]), v(&["--dir", "{home}/man"])],
        ["remediate"] => vec![v(&["--timeout", "5s"])],
        ["rollback"] => vec![v(&["--to", "{good_sha}", "--wait", "1s"])],
        ["timeline"] => vec![v(&[])],
        ["sim", "serve"] => vec![v(&["--list-scenarios"])],
        ["sim", "worker"] => vec![v(&["--once", "--api", "{sim}"])],
        _ => vec![v(&[])],
    }
}

/// Commands whose result does not depend on the deployment: run in the first world only.
fn world_independent(path: &[String]) -> bool {
    matches!(
        path.first().map(String::as_str),
        Some("demo" | "completions" | "man")
    ) || path == ["sim", "serve"]
}

struct Invocation {
    args: Vec<String>,
    password_in_env: bool,
}

/// Every way to run `path`: its bases × the output modes it has × `--verbose` or not, and for
/// mutating commands without a confirmation (refused), with `--dry-run` and with `--yes`.
fn invocations(path: &[String], d: &Deployment) -> Vec<Invocation> {
    let help = help_of(path);
    let mut modes: Vec<Vec<&str>> = vec![vec![], vec!["--json"]];
    if has_flag(&help, "--markdown") {
        modes.push(vec!["--markdown"]);
    }
    let mut confirmations: Vec<Vec<&str>> = vec![vec![]];
    if has_flag(&help, "--dry-run") {
        confirmations.push(vec!["--dry-run"]);
    }
    if has_flag(&help, "--yes") {
        confirmations.push(vec!["--yes"]);
    }
    let sim = d.api_url.clone();
    let home = d.home.path().display().to_string();
    let good_sha = d.good_sha.clone();
    let mut out = Vec::new();
    for base in bases(path) {
        let base: Vec<String> = base
            .iter()
            .map(|a| {
                a.replace("{sim}", &sim)
                    .replace("{home}", &home)
                    .replace("{good_sha}", &good_sha)
            })
            .collect();
        for mode in &modes {
            for confirm in &confirmations {
                for verbose in [false, true] {
                    let mut args = path.to_vec();
                    args.extend(base.iter().cloned());
                    args.extend(mode.iter().map(|s| s.to_string()));
                    args.extend(confirm.iter().map(|s| s.to_string()));
                    if verbose {
                        args.push("--verbose".into());
                    }
                    // Half the runs take the password from a file instead of the environment.
                    let password_in_env = out.len() % 2 == 0;
                    out.push(Invocation {
                        args,
                        password_in_env,
                    });
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Checking

/// Each secret found in `text`, with where.
fn leaks(text: &str, place: &str, out: &mut Vec<String>) {
    for secret in SECRETS {
        if text.contains(secret) {
            let at = text.find(secret).unwrap_or(0);
            let from = text[..at]
                .char_indices()
                .rev()
                .nth(80)
                .map(|(i, _)| i)
                .unwrap_or(0);
            let to = (at + secret.len() + 40).min(text.len());
            let to = (to..=text.len())
                .find(|i| text.is_char_boundary(*i))
                .unwrap_or(text.len());
            out.push(format!("{secret:?} in {place}: …{}…", &text[from..to]));
        }
    }
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            match e.file_type() {
                Ok(t) if t.is_dir() => todo.push(p),
                Ok(t) if t.is_file() => out.push(p),
                _ => {}
            }
        }
    }
    out
}

/// Runs the invocations on `threads` threads; returns every leak, and each run with its time.
fn run_all(
    d: &Deployment,
    all: Vec<Invocation>,
    threads: usize,
) -> (Vec<String>, Vec<(Duration, String)>) {
    let queue = Mutex::new(all);
    let found = Mutex::new(Vec::new());
    let times = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let Some(inv) = queue.lock().unwrap().pop() else {
                        break;
                    };
                    let args: Vec<&str> = inv.args.iter().map(String::as_str).collect();
                    let r = crate::run_env(&args, &d.env(inv.password_in_env), &d.home);
                    // Bounded: nothing here waits for long.
                    assert!(
                        r.elapsed < Duration::from_secs(30),
                        "{:?} {args:?} took {:?}",
                        d.world,
                        r.elapsed
                    );
                    let place = format!("{:?} cleanops {}", d.world, inv.args.join(" "));
                    let mut here = Vec::new();
                    leaks(&r.stdout, &format!("stdout of {place}"), &mut here);
                    leaks(&r.stderr, &format!("stderr of {place}"), &mut here);
                    found.lock().unwrap().extend(here);
                    if std::env::var_os("SECRETS_DEBUG").is_some() {
                        eprintln!(
                            "exit {} {place}\n{}\n{}",
                            r.code,
                            r.stdout.lines().take(3).collect::<Vec<_>>().join("\n"),
                            r.stderr.lines().take(3).collect::<Vec<_>>().join("\n")
                        );
                    }
                    times.lock().unwrap().push((r.elapsed, place));
                }
            });
        }
    });
    (found.into_inner().unwrap(), times.into_inner().unwrap())
}

/// `cleanops sim serve` is a server: started with the admin password in its environment, read
/// until it says where it listens, then stopped.
fn sim_serve_leaks(home: &tempfile::TempDir) -> Vec<String> {
    let mut child = Command::new(crate::bin())
        .args(["sim", "serve", "--listen", "127.0.0.1:0", "--verbose"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env("NO_COLOR", "1")
        .env("CLEANOPS_SIM_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("ADMIN_BASIC_PASSWORD", ADMIN_PASSWORD)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sim serve starts");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    // Long enough to print its banner; then stopped (this test's own child, by its handle).
    std::thread::sleep(Duration::from_millis(700));
    let _ = child.kill();
    let _ = child.wait();
    let (stdout, stderr) = (out.join().unwrap(), err.join().unwrap());
    assert!(
        !stdout.is_empty() || !stderr.is_empty(),
        "sim serve printed nothing"
    );
    let mut found = Vec::new();
    leaks(&stdout, "stdout of cleanops sim serve", &mut found);
    leaks(&stderr, "stderr of cleanops sim serve", &mut found);
    found
}

#[test]
fn no_secret_in_any_output_or_file_of_any_subcommand() {
    let started = Instant::now();
    let top = subcommands(&[]);
    let mut paths: Vec<Vec<String>> = Vec::new();
    for name in &top {
        let help = help_of(std::slice::from_ref(name));
        if help.contains("\nCommands:") {
            for sub in subcommands(&[name.as_str()]) {
                paths.push(vec![name.clone(), sub]);
            }
        } else {
            paths.push(vec![name.clone()]);
        }
    }
    // Checked against the list the README documents, so a subcommand lost from --help shows.
    let names: BTreeSet<&str> = top.iter().map(String::as_str).collect();
    for known in [
        "diagnose",
        "status",
        "heartbeat",
        "dlq",
        "logs",
        "restart",
        "env-check",
        "db-check",
        "run-once",
        "replay",
        "config",
    ] {
        assert!(
            names.contains(known),
            "{known} is missing from --help: {names:?}"
        );
    }

    let mut found = Vec::new();
    let mut runs = Vec::new();
    for (i, world) in WORLDS.into_iter().enumerate() {
        let d = Deployment::up(world);
        let mut all = Vec::new();
        for path in &paths {
            if world_independent(path) && i > 0 {
                continue;
            }
            // The simulated runner waits 10 s for a simulator that is not there: nothing to
            // learn from that wait.
            if *path == ["sim", "worker"] && d._sim.is_none() {
                continue;
            }
            all.extend(invocations(path, &d));
        }
        let (leaked, times) = run_all(&d, all, THREADS);
        found.extend(leaked);
        runs.extend(times);
        for file in files_under(d.home.path()) {
            if std::env::var_os("SECRETS_DEBUG").is_some() {
                eprintln!("file {world:?} {}", file.display());
            }
            let bytes = std::fs::read(&file).unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes);
            let place = format!("{} (written in world {world:?})", file.display());
            leaks(&text, &place, &mut found);
        }
    }
    found.extend(sim_serve_leaks(&tempfile::tempdir().unwrap()));
    runs.sort();
    eprintln!(
        "secrets: {} runs of {} subcommand paths in {} worlds, {:?}; the slowest:",
        runs.len(),
        paths.len(),
        WORLDS.len(),
        started.elapsed()
    );
    for (took, place) in runs.iter().rev().take(8) {
        eprintln!("  {took:?} {place}");
    }
    assert!(
        found.is_empty(),
        "{} leaks:\n{}",
        found.len(),
        found.join("\n")
    );
}

/// A syntax error in the env file on a line that holds a secret: the error names the line, but
/// not the value.
#[test]
fn a_syntax_error_in_the_env_file_does_not_print_the_secret() {
    let inputs = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(inputs.path().join("cleaning")).unwrap();
    std::fs::write(
        inputs.path().join("cleaning/.env"),
        format!("APP_ENV=prod\nADMIN_PROXY_AUTH_SECRET={TOKEN} x\"y\nAUTH_SECRET_KEY=\"{AUTH_KEY}\nJOBS_ENABLED=true\n"),
    )
    .unwrap();
    let env = vec![
        (
            "CLEANOPS_PROJECT_DIR".to_string(),
            inputs.path().join("cleaning").display().to_string(),
        ),
        ("CLEANOPS_API_URL".to_string(), closed_port_url("http")),
        ("DOCKER_HOST".to_string(), closed_port_url("tcp")),
    ];
    let mut found = Vec::new();
    for args in [
        &["env-check", "--no-drift"][..],
        &["env-check", "--no-drift", "--json"],
        &["config", "show"],
        &["config", "show", "--json"],
        &["diagnose", "--check", "env"],
    ] {
        let r = crate::run_env(args, &env, &home);
        leaks(&r.stdout, &format!("stdout of {args:?}"), &mut found);
        leaks(&r.stderr, &format!("stderr of {args:?}"), &mut found);
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}
