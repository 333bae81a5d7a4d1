//! `cleanops sim worker`: the jobs runner (`python -m app.jobs.run`) as a process of its own,
//! for the `jobs` container of the Docker test stack.
//!
//! It behaves as the real runner does from the outside (docs/app-contract.md §6, §12): the same flags,
//! `unknown_job:<name>` at startup, one plain-text log line per job on stderr and nothing on
//! stdout, a loop every `--interval` seconds, a traceback and exit 1 when the database is down
//! (a crash loop under `restart: unless-stopped`), 143 on SIGTERM. The simulated database is
//! the API simulator's: before each loop the worker asks it how the world is
//! (`GET /_sim/processes`: database down? which jobs fail?), and after each loop it reports what
//! it ran (`POST /_sim/worker-loop`), which writes the rows and the heartbeat exactly as the
//! simulator's own runner would.

use std::time::Duration;

use super::python::{self, DbTarget, RUNNER_LOGGER};
use super::remote::{self, RemoteError, SimApi};
use super::runner::{LoopReport, ProcessView};
use super::state::{DEFAULT_JOBS, is_known_job};

/// How long the worker waits for an unreachable simulator (at startup, or while it restarts)
/// before it dies as the real runner does when it cannot reach its database.
const API_PATIENCE: Duration = Duration::from_secs(10);
/// Every this many loops (and on the first), a job's outgoing HTTP call shows in the log, as
/// httpx's INFO lines do in the real one.
const HTTPX_EVERY: u64 = 10;

/// Flags of `python -m app.jobs.run` (docs/app-contract.md §6.1), plus where the simulator is.
#[derive(Clone, Debug, PartialEq, clap::Args)]
pub struct WorkerArgs {
    /// Run only this job (repeatable; the names accumulate) [default: the 23 jobs of a loop]
    #[arg(long = "job", value_name = "NAME")]
    pub jobs: Vec<String>,
    /// Seconds to sleep after each loop (at least 1)
    #[arg(
        long,
        default_value_t = 60,
        value_name = "N",
        allow_negative_numbers = true
    )]
    pub interval: i64,
    /// Public base URL for links (accepted; the simulated jobs send nothing)
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Run one loop and exit (0 even when jobs failed)
    #[arg(long)]
    pub once: bool,
    /// The API simulator holding the simulated database [env: CLEANOPS_SIM_API] [default: http://127.0.0.1:8000]
    #[arg(long, value_name = "URL")]
    pub api: Option<String>,
}

impl Default for WorkerArgs {
    fn default() -> WorkerArgs {
        WorkerArgs {
            jobs: Vec::new(),
            interval: 60,
            base_url: None,
            once: false,
            api: None,
        }
    }
}

/// What argparse does with the arguments: the parsed flags, `--help`, or an error (exit 2).
#[derive(Debug, PartialEq)]
pub(crate) enum Parsed {
    Run(Box<WorkerArgs>),
    Help,
    Error(String),
}

/// Parses `python -m app.jobs.run` arguments as its argparse parser does: `--opt VALUE` and
/// `--opt=VALUE`, unique prefixes of long options, `--interval` as an int, every unknown
/// argument collected into one "unrecognized arguments" error.
pub(crate) fn parse_argparse(args: &[String]) -> Parsed {
    const OPTIONS: [&str; 5] = ["--help", "--job", "--interval", "--base-url", "--once"];
    let mut out = WorkerArgs::default();
    let mut unrecognized: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        i += 1;
        if arg == "-h" {
            return Parsed::Help;
        }
        if !arg.starts_with("--") || arg == "--" {
            unrecognized.push(arg);
            continue;
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f, Some(v)),
            None => (arg, None),
        };
        let matches: Vec<&str> = OPTIONS
            .iter()
            .copied()
            .filter(|o| *o == flag || o.starts_with(flag))
            .collect();
        let option = match matches.as_slice() {
            [] => {
                unrecognized.push(arg);
                continue;
            }
            [one] => *one,
            _ if matches.contains(&flag) => flag,
            many => {
                return Parsed::Error(format!(
                    "ambiguous option: {flag} could match {}",
                    many.join(", ")
                ));
            }
        };
        let takes_value = matches!(option, "--job" | "--interval" | "--base-url");
        let value = if !takes_value {
            if inline.is_some() {
                return Parsed::Error(format!(
                    "argument {option}: ignored explicit argument '{}'",
                    inline.unwrap_or_default()
                ));
            }
            None
        } else if let Some(v) = inline {
            Some(v.to_owned())
        } else if let Some(next) = args.get(i).filter(|n| !n.starts_with("--")) {
            i += 1;
            Some(next.clone())
        } else {
            return Parsed::Error(format!("argument {option}: expected one argument"));
        };
        match (option, value) {
            ("--help", _) => return Parsed::Help,
            ("--once", _) => out.once = true,
            ("--job", Some(v)) => out.jobs.push(v),
            ("--base-url", Some(v)) => out.base_url = Some(v),
            ("--interval", Some(v)) => match v.trim().parse::<i64>() {
                Ok(n) => out.interval = n,
                Err(_) => {
                    return Parsed::Error(format!("argument --interval: invalid int value: '{v}'"));
                }
            },
            _ => {}
        }
    }
    if !unrecognized.is_empty() {
        return Parsed::Error(format!(
            "unrecognized arguments: {}",
            unrecognized.join(" ")
        ));
    }
    Parsed::Run(Box::new(out))
}

/// `python -m app.jobs.run ARGS`: argparse, then the runner. Returns the exit code.
pub(crate) async fn python_module_main(args: &[String]) -> i32 {
    match parse_argparse(args) {
        Parsed::Run(args) => match worker(&args).await {
            Ok(code) => code,
            Err(e) => {
                eprintln!("cleanops sim worker: error: {e:#}");
                1
            }
        },
        Parsed::Help => {
            print!("{}", python::runner_help());
            0
        }
        Parsed::Error(message) => {
            eprint!("{}", python::runner_usage_error(&message));
            2
        }
    }
}

/// Runs the simulated runner until `--once` finishes a loop, the database goes down (1) or a
/// signal arrives (SIGTERM 143, SIGINT 130, silently, as the real one). Returns the exit code.
pub async fn worker(args: &WorkerArgs) -> anyhow::Result<i32> {
    // Registered before anything else, so a `docker stop` during startup is honoured too.
    let stop = super::signals::Stop::listen_as_runner()?;
    // As in the real runner, job names are checked at startup, before any loop or heartbeat.
    if let Some(unknown) = args.jobs.iter().find(|name| !is_known_job(name)) {
        eprint!("{}", python::unknown_job_traceback(unknown));
        return Ok(1);
    }
    let runner = Runner {
        api: SimApi::new(remote::api_base(args.api.as_deref()))?,
        jobs: args.jobs.clone(),
        interval: Duration::from_secs(args.interval.max(1).unsigned_abs()),
        once: args.once,
        runner_id: runner_id(),
        db: DbTarget::from_env(),
        heartbeat_url: non_empty_env("BETTER_STACK_HEARTBEAT_URL"),
    };
    tokio::select! {
        code = runner.run() => Ok(code),
        code = stop.wait() => Ok(code),
    }
}

struct Runner {
    api: SimApi,
    /// `--job` names; empty = the default list.
    jobs: Vec<String>,
    interval: Duration,
    once: bool,
    runner_id: String,
    db: DbTarget,
    heartbeat_url: Option<String>,
}

impl Runner {
    async fn run(&self) -> i32 {
        let jobs: Vec<&str> = if self.jobs.is_empty() {
            DEFAULT_JOBS.to_vec()
        } else {
            self.jobs.iter().map(String::as_str).collect()
        };
        let mut loop_no: u64 = 0;
        // Once the simulator has answered, an outage of it is the api's, not the database's:
        // the real runner talks to PostgreSQL, never to the api, and goes on looping while the
        // api is down. So does this one (jobs run as if the database were fine, and the loop is
        // not recorded); only at start-up does it give up after API_PATIENCE.
        let mut reached = false;
        let mut api_down_said = false;
        loop {
            loop_no += 1;
            let view = match remote::patiently(API_PATIENCE, || self.api.processes()).await {
                Ok(view) => {
                    reached = true;
                    api_down_said = false;
                    view
                }
                Err(RemoteError::Unreachable(why)) if reached => {
                    if !api_down_said {
                        self.say_api_down(&why);
                        api_down_said = true;
                    }
                    ProcessView {
                        db_down: false,
                        fail_jobs: Vec::new(),
                        loop_seconds: 0.0,
                    }
                }
                Err(e) => return self.die(&e),
            };
            if view.db_down {
                // The first job fails on the database, then recording that failure raises.
                log("WARNING", RUNNER_LOGGER, "job_failed");
                return self.die(&RemoteError::DbDown);
            }
            let failed = self.run_jobs(&jobs, &view, loop_no).await;
            let report = LoopReport {
                runner_id: Some(self.runner_id.clone()),
                jobs: (!self.jobs.is_empty()).then(|| self.jobs.clone()),
                failed_jobs: failed,
            };
            if !api_down_said {
                match remote::patiently(API_PATIENCE, || self.api.report_loop(&report)).await {
                    Ok(_) => {}
                    Err(RemoteError::Unreachable(why)) if reached => {
                        self.say_api_down(&why);
                        api_down_said = true;
                    }
                    Err(e) => return self.die(&e),
                }
            }
            if let Some(url) = &self.heartbeat_url {
                httpx("POST", url, "200 OK");
            }
            if self.once {
                return 0;
            }
            tokio::time::sleep(self.interval).await;
        }
    }

    /// Not something the real runner prints (it never talks to the api): said once per outage
    /// of the simulator, so a reader of the stack's logs knows why loops went unrecorded.
    fn say_api_down(&self, why: &str) {
        log(
            "WARNING",
            "cleanops.sim",
            &format!(
                "simulator at {} unreachable ({why}): loops are not recorded until it is back",
                self.api.base()
            ),
        );
    }

    /// One loop's jobs: their log lines, spread over the simulated `loop_seconds`. Returns the
    /// names of the jobs that failed.
    async fn run_jobs(&self, jobs: &[&str], view: &ProcessView, loop_no: u64) -> Vec<String> {
        let per_job = Duration::try_from_secs_f64(view.loop_seconds / jobs.len().max(1) as f64)
            .unwrap_or(Duration::ZERO);
        let mut failed = Vec::new();
        for name in jobs {
            if !per_job.is_zero() {
                tokio::time::sleep(per_job).await;
            }
            if view.fail_jobs.iter().any(|f| f == name) {
                log("WARNING", RUNNER_LOGGER, "job_failed");
                failed.push((*name).to_owned());
                continue;
            }
            if *name == "gcal-sync" && (loop_no == 1 || loop_no.is_multiple_of(HTTPX_EVERY)) {
                httpx("POST", "https://oauth2.googleapis.com/token", "200 OK");
            }
            log("INFO", RUNNER_LOGGER, "job_complete");
        }
        failed
    }

    /// The real runner cannot record a result: a traceback and exit 1.
    fn die(&self, why: &RemoteError) -> i32 {
        if !matches!(why, RemoteError::DbDown) {
            // Not something the real runner prints; without it a broken stack would look
            // like a database outage.
            log(
                "WARNING",
                "cleanops.sim",
                &format!("simulator at {} not usable: {why}", self.api.base()),
            );
        }
        eprint!("{}", python::runner_db_traceback(&self.db));
        1
    }
}

fn log(level: &str, logger: &str, message: &str) {
    eprintln!("{}", python::log_line(level, logger, message));
}

/// httpx's INFO line for a request a job made.
fn httpx(method: &str, url: &str, status: &str) {
    log(
        "INFO",
        "httpx",
        &format!("HTTP Request: {method} {url} \"HTTP/1.1 {status}\""),
    );
}

fn non_empty_env(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// `JOB_RUNNER_ID` (stripped) when non-empty, else the hostname, as the real runner picks it
/// (in a container: its short id, which changes when the container is recreated).
pub(crate) fn runner_id() -> String {
    non_empty_env("JOB_RUNNER_ID").unwrap_or_else(hostname)
}

/// `socket.gethostname()`: the UTS name, which `/proc` shows; `/etc/hostname` and `HOSTNAME`
/// are fallbacks for systems without `/proc`.
fn hostname() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .map(|s| s.trim().to_owned())
        .find(|s| !s.is_empty())
        .or_else(|| non_empty_env("HOSTNAME"))
        .unwrap_or_else(|| "localhost".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Parsed {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        parse_argparse(&args)
    }

    fn run(args: &[&str]) -> WorkerArgs {
        match parse(args) {
            Parsed::Run(a) => *a,
            other => panic!("{args:?}: {other:?}"),
        }
    }

    #[test]
    fn argparse_forms() {
        assert_eq!(run(&[]), WorkerArgs::default());
        let a = run(&[
            "--job",
            "email-dlq",
            "--job=outbox-delivery",
            "--interval",
            "5",
            "--once",
        ]);
        assert_eq!(a.jobs, ["email-dlq", "outbox-delivery"]);
        assert_eq!(a.interval, 5);
        assert!(a.once);
        // Unique prefixes work, as in argparse.
        let a = run(&["--int", "-3", "--on", "--base", "https://x"]);
        assert_eq!(a.interval, -3);
        assert!(a.once);
        assert_eq!(a.base_url.as_deref(), Some("https://x"));
        assert_eq!(parse(&["-h"]), Parsed::Help);
        assert_eq!(parse(&["--he"]), Parsed::Help);
    }

    #[test]
    fn argparse_errors() {
        assert_eq!(
            parse(&["--dry-run", "--once", "extra"]),
            Parsed::Error("unrecognized arguments: --dry-run extra".into())
        );
        assert_eq!(
            parse(&["--interval", "abc"]),
            Parsed::Error("argument --interval: invalid int value: 'abc'".into())
        );
        assert_eq!(
            parse(&["--job"]),
            Parsed::Error("argument --job: expected one argument".into())
        );
        assert_eq!(
            parse(&["--once=yes"]),
            Parsed::Error("argument --once: ignored explicit argument 'yes'".into())
        );
    }
}

/// The flags as `cleanops sim worker` and `cleanops-sim worker` parse them.
#[cfg(test)]
mod flags {
    use crate::{DbArgs, WorkerArgs};

    #[derive(Debug, clap::Subcommand)]
    enum SimCommand {
        Worker(WorkerArgs),
        Db(DbArgs),
    }

    #[derive(Debug, clap::Parser)]
    struct Cli {
        #[command(subcommand)]
        sim: SimCommand,
    }

    #[test]
    fn the_flags_parse() {
        use clap::{CommandFactory, Parser};
        Cli::command().debug_assert();
        let cli = Cli::try_parse_from([
            "sim",
            "worker",
            "--job",
            "email-dlq",
            "--interval",
            "-1",
            "--once",
            "--api",
            "http://api:8000",
        ])
        .unwrap();
        let SimCommand::Worker(args) = cli.sim else {
            panic!("{:?}", cli.sim)
        };
        assert_eq!(args.jobs, ["email-dlq"]);
        assert_eq!((args.interval, args.once), (-1, true));
        assert_eq!(args.api.as_deref(), Some("http://api:8000"));
        let cli = Cli::try_parse_from(["sim", "db"]).unwrap();
        assert!(matches!(cli.sim, SimCommand::Db(a) if a == DbArgs::default()));
        // argparse's answer to an unknown flag is exit 2; clap's is too.
        let err = Cli::try_parse_from(["sim", "worker", "--dry-run"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }
}
