//! The command line: one enum of subcommands, global options that every subcommand takes.

use std::path::PathBuf;
use std::time::Duration;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueHint};

use crate::render::ColorChoice;

/// The exit-code table every `--help` ends with.
macro_rules! exit_codes {
    () => {
        "Exit codes:
  0    OK: healthy, or the action succeeded and was verified
  1    Unhealthy: a check found a problem, or an action's verification failed
  2    Usage or configuration error
  3    Unreachable: the API or the Docker engine could not be reached in time
  4    Authentication or authorization refused (401/403), with the server's reason
  5    Unexpected answer (HTML from a proxy, malformed JSON, unknown shape)
  6    Refused: a mutating command needed confirmation (no TTY and no --yes), or another replay holds the lock
  7    Local: cleanops could not write its output, journal or lock (disk full, closed stdout)
  130  Interrupted"
    };
}

/// `Examples:` with one invocation a line, then the exit codes.
macro_rules! help {
    ($($example:literal),+ $(,)?) => {
        concat!("Examples:\n", $("  ", $example, "\n",)+ "\n", exit_codes!())
    };
}

#[derive(Debug, Parser)]
#[command(
    name = "cleanops",
    version = crate::VERSION,
    about = "The CleanWithSnapshot \"Job Scheduler Stale/Failing\" runbook, one subcommand per step",
    long_about = "The CleanWithSnapshot \"Job Scheduler Stale/Failing\" runbook, one subcommand per step.\n\n\
        cleanops talks to the app's readiness and admin API, and reads the deployment's .env. \
        It follows what the app really answers, not what the runbook assumes: it reads /readyz \
        on 503 too, falls back when the DLQ listing answers 500 on PostgreSQL, and sends the \
        headers admin calls need.",
    after_help = help!("cleanops status", "cleanops heartbeat --json", "cleanops dlq --kind outbox --limit 100", "cleanops sim serve --scenario stale-heartbeat", "cleanops config show"),
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// The options every command takes. Under their own heading, so a command's `--help` shows
/// its own options first and these after them.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Profile of the config file to use [env: CLEANOPS_PROFILE]
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]
    #[arg(long, global = true, value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub config: Option<PathBuf>,
    /// Base URL of the app's API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]
    #[arg(long, global = true, value_name = "URL", value_hint = ValueHint::Url)]
    pub api_url: Option<String>,
    /// Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]
    #[arg(long, global = true, value_name = "NAME")]
    pub user: Option<String>,
    /// File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]
    #[arg(long, global = true, value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub password_file: Option<PathBuf>,
    /// Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)
    #[arg(long, global = true)]
    pub no_mfa_header: bool,
    /// Allow sending credentials over plain http:// to a host that is not loopback
    #[arg(long, global = true)]
    pub allow_insecure_http: bool,
    /// Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)
    #[arg(long, global = true, value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub cacert: Option<PathBuf>,
    /// The deployment's directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]
    #[arg(long, global = true, value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub project_dir: Option<PathBuf>,
    /// The deployment's env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]
    #[arg(long, global = true, value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub env_file: Option<PathBuf>,
    /// Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory's name]
    #[arg(long, global = true, value_name = "NAME")]
    pub project_name: Option<String>,
    /// Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)
    #[arg(long, global = true, value_name = "URL", value_hint = ValueHint::Url)]
    pub docker_host: Option<String>,
    /// One JSON document on stdout, no colour, no prompts
    #[arg(long, global = true)]
    pub json: bool,
    /// When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    /// Print each request on stderr (credentials never)
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The whole quick diagnosis in one pass: every read-only check, the likely cause, the next command
    #[command(after_help = help!(
        "cleanops diagnose",
        "cleanops diagnose --markdown   # paste into the incident channel",
        "cleanops diagnose --json | jq '.verdict.causes[0]'",
        "cleanops diagnose --check heartbeat --check jobs-container",
        "cleanops diagnose --deep --deadline 30s",
        "cleanops diagnose --watch 30s   # redraws in place; Ctrl-C ends it (exit 130)",
        "cleanops diagnose --watch 10s --rounds 6 --json > rounds.jsonl   # one JSON line a round"
    ))]
    Diagnose(DiagnoseArgs),
    /// The diagnosis against a simulated deployment, with nothing to set up
    #[cfg(feature = "sim")]
    #[command(after_help = help!(
        "cleanops demo",
        "cleanops demo --scenario crash-loop",
        "cleanops demo --list-scenarios"
    ))]
    Demo(DemoArgs),
    /// Readiness of the app: every /readyz check, read on 200 and on 503
    #[command(
        after_help = help!("cleanops status", "cleanops status --json | jq '.checks[] | select(.name==\"jobs\")'", "cleanops status --wait-ready --timeout 5m")
    )]
    Status(StatusArgs),
    /// The jobs heartbeat (fresh, late, stale, missing, disabled), each job's last run, and clock drift
    #[command(
        after_help = help!("cleanops heartbeat", "cleanops heartbeat --json", "cleanops heartbeat --wait-fresh --timeout 5m")
    )]
    Heartbeat(HeartbeatArgs),
    /// The dead-letter queue: counts and items (outbox and export)
    #[command(
        after_help = help!("cleanops dlq", "cleanops dlq --kind outbox --limit 200", "cleanops dlq --all --json", "cleanops dlq --max 10   # exit 1 when more than 10 are dead", "cleanops dlq --via db   # when the API cannot list outbox events (PostgreSQL)")
    )]
    Dlq(DlqArgs),
    /// Logs of the services (default: jobs), merged in time order and read: a JSON record as time, level, message and key fields, a traceback as its exception
    #[command(after_help = help!(
        "cleanops logs                      # the last 500 lines of jobs",
        "cleanops logs api --level error    # the api's errors: each record, and its exception's line",
        "cleanops logs api --since 15m --grep req-5f2c --full   # one request, whole tracebacks",
        "cleanops logs jobs api --since 15m --grep 'job_failed|Traceback|OperationalError'",
        "cleanops logs -f jobs              # keeps following across restarts and re-creations",
        "cleanops logs api --raw --tail 20 | jq -R 'fromjson? | .exception'   # lines as stored",
        "cleanops logs --tail 200 --timestamps"
    ))]
    Logs(LogsArgs),
    /// Restart a service's container (default: jobs) and verify it stays up
    #[command(after_help = help!(
        "cleanops restart jobs --wait-heartbeat",
        "cleanops restart jobs --dry-run",
        "cleanops restart api --yes -t 30"
    ))]
    Restart(RestartArgs),
    /// Check the deployment's env file (JOBS_ENABLED, heartbeat settings, DATABASE_URL) and its drift from the running jobs container
    #[command(name = "env-check", after_help = help!(
        "cleanops env-check",
        "cleanops env-check --env-file /etc/cleaning/cleaning.env --json"
    ))]
    EnvCheck(EnvCheckArgs),
    /// Check the database from inside the jobs container (or with pg_isready in db)
    #[command(name = "db-check", after_help = help!(
        "cleanops db-check",
        "cleanops db-check --via db",
        "cleanops db-check --limit 30s --json"
    ))]
    DbCheck(DbCheckArgs),
    /// Run one loop of the jobs runner inside the jobs container (python -m app.jobs.run --once)
    #[command(name = "run-once", after_help = help!(
        "cleanops run-once --job outbox-delivery",
        "cleanops run-once --job email-dlq --job outbox-delivery --yes",
        "cleanops run-once --dry-run"
    ))]
    RunOnce(RunOnceArgs),
    /// Replay dead events safely: only dead ones, paced under the app's limit, idempotent, resumable
    #[command(after_help = help!(
        "cleanops replay --from-dlq --dry-run",
        "cleanops replay --from-dlq --kind outbox --event-type email --limit 20 --yes",
        "cleanops replay 5b0c0d7e-0000-4000-8000-000000000001 --yes",
        "cleanops replay --resume 20261128T170000Z-3f9c --yes",
        "cleanops replay --from-dlq --via db --dry-run   # the SQL, when the API cannot replay",
        "cleanops replay --list-runs"
    ))]
    Replay(ReplayArgs),
    /// The runbook's safe remediation, step by step, only where the diagnosis justifies it
    #[command(after_help = help!(
        "cleanops remediate --dry-run   # the plan",
        "cleanops remediate             # asks before each step",
        "cleanops remediate --yes --until-ready --timeout 10m",
        "cleanops remediate --yes --until-ready --escalate-after 15m --timeout 30m"
    ))]
    Remediate(RemediateArgs),
    /// The runbook's rollback: git reset to a good commit and deploy (dry run unless --yes)
    #[command(after_help = help!(
        "cleanops rollback --to 3f9c2a1",
        "cleanops rollback --to 3f9c2a1 --yes"
    ))]
    Rollback(RollbackArgs),
    /// Page the runbook's next escalation role with the diagnosis attached (PagerDuty, Slack); --ack, --resolve
    #[command(after_help = help!(
        "cleanops escalate --dry-run   # the exact event, nothing sent",
        "cleanops escalate             # the next role after the last one paged in this incident",
        "cleanops escalate secondary --note 'restarts do not help; runner tracebacks in app.jobs'",
        "cleanops escalate --ack       # someone is on it",
        "cleanops escalate --resolve   # only when /readyz is ready (or --force)",
        "cleanops escalate --yes --json"
    ))]
    Escalate(EscalateArgs),
    /// Post the diagnosis (or the timeline) to the incident channel's Slack webhook
    #[command(after_help = help!(
        "cleanops notify --dry-run     # the exact message, nothing sent",
        "cleanops notify",
        "cleanops notify --timeline --since 6h --yes",
        "cleanops notify --note 'secondary paged, restart did not help'"
    ))]
    Notify(NotifyArgs),
    /// The incident's actions and diagnoses, from the audit file, for the postmortem
    #[command(after_help = help!(
        "cleanops timeline",
        "cleanops timeline --since 6h --markdown"
    ))]
    Timeline(TimelineArgs),
    /// Show the resolved configuration and where each value came from
    #[command(
        subcommand,
        after_help = help!("cleanops config show", "cleanops --profile staging config show --json")
    )]
    Config(ConfigCommand),
    /// The built-in simulator of the app, for trying cleanops and for tests
    #[cfg(feature = "sim")]
    #[command(subcommand, after_help = help!(
        "cleanops sim serve --scenario stale-heartbeat --listen 127.0.0.1:8000",
        "cleanops sim serve --list-scenarios"
    ))]
    Sim(SimCommand),
    /// Shell completions (bash, zsh, fish, PowerShell, elvish), generated from this definition
    #[command(after_help = help!(
        "cleanops completions bash > ~/.local/share/bash-completion/completions/cleanops",
        "cleanops completions zsh > ~/.zfunc/_cleanops   # with fpath+=(~/.zfunc) before compinit",
        "cleanops completions fish > ~/.config/fish/completions/cleanops.fish",
        "cleanops completions --write completions/   # regenerate the checked-in files"
    ))]
    Completions(CompletionsArgs),
    /// Man pages, one per subcommand (cleanops.1, cleanops-restart.1, ...), generated from this definition
    #[command(after_help = help!(
        "cleanops man | man -l -",
        "cleanops man sim serve | man -l -",
        "cleanops man --dir ~/.local/share/man/man1",
        "cleanops man --dir docs/man/   # regenerate the checked-in pages"
    ))]
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub struct DiagnoseArgs {
    #[command(flatten)]
    pub timeout: TimeoutArg,
    /// The whole pass ends by then, whatever hangs; what did not finish shows as timed out
    #[arg(long, value_parser = parse_nonzero_duration, default_value = "10s", value_name = "DURATION")]
    pub deadline: Duration,
    /// A paste-ready incident note (times in UTC)
    #[arg(long, conflicts_with = "json")]
    pub markdown: bool,
    /// List the checks and exit
    #[arg(long)]
    pub list_checks: bool,
    /// Run only this check (repeatable)
    #[arg(long, value_name = "NAME", value_parser = check_names())]
    pub check: Vec<String>,
    /// Skip this check (repeatable; the names of --check)
    #[arg(long, value_name = "NAME", value_parser = check_names(), hide_possible_values = true)]
    pub skip: Vec<String>,
    /// Also check the database from inside the jobs container (an exec)
    #[arg(long)]
    pub deep: bool,
    /// Diagnose again every INTERVAL (start to start), redrawing in place on a terminal, one
    /// report a round otherwise; never faster than the app's rate limit allows (30 admin calls a
    /// minute per client IP, 2 a round): a shorter INTERVAL is stretched, with a message.
    /// Ctrl-C ends it with exit 130
    #[arg(long, value_name = "INTERVAL", value_parser = parse_nonzero_duration, conflicts_with = "list_checks")]
    pub watch: Option<Duration>,
    /// With --watch: stop after N rounds, exiting with the last round's code
    #[arg(long, value_name = "N", requires = "watch", value_parser = clap::value_parser!(u64).range(1..))]
    pub rounds: Option<u64>,
}

#[cfg(feature = "sim")]
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Which simulated incident
    #[arg(long, default_value = "jobs-oom", value_name = "NAME", value_parser = demo_scenarios())]
    pub scenario: String,
    /// List the scenarios and exit
    #[arg(long)]
    pub list_scenarios: bool,
    /// A paste-ready incident note instead of the screen
    #[arg(long, conflicts_with = "json")]
    pub markdown: bool,
}

/// `--timeout` of commands that call the API.
#[derive(Debug, Args, Clone, Copy)]
pub struct TimeoutArg {
    /// How long each API call may take, retries included (e.g. 5s, 500ms) [env: CLEANOPS_TIMEOUT] [default: 5s]
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub timeout: Option<Duration>,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub timeout: TimeoutArg,
    /// Only the API's readiness, not the containers (no Docker engine needed)
    #[arg(long)]
    pub api_only: bool,
    /// Poll until /readyz is ready (for scripts after a restart); --timeout bounds the wait
    #[arg(long)]
    pub wait_ready: bool,
    /// Time between polls with --wait-ready (at least 500ms)
    #[arg(long, value_parser = parse_interval, default_value = "2s", value_name = "DURATION")]
    pub interval: Duration,
}

#[derive(Debug, Args)]
pub struct HeartbeatArgs {
    #[command(flatten)]
    pub timeout: TimeoutArg,
    /// A heartbeat older than this (but within the threshold) is late [default: half the threshold]
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub late_after: Option<Duration>,
    /// Clock drift above this is a finding
    #[arg(long, value_parser = parse_duration, default_value = "5s", value_name = "DURATION")]
    pub max_drift: Duration,
    /// Skip the per-job table (GET /v1/admin/jobs/status needs admin credentials)
    #[arg(long)]
    pub no_jobs: bool,
    /// List every job in the table, not only those that need a look
    #[arg(long)]
    pub all_jobs: bool,
    /// Poll until the heartbeat is fresh (after a remediation); --timeout bounds the wait
    #[arg(long)]
    pub wait_fresh: bool,
    /// Time between polls with --wait-fresh (at least 500ms)
    #[arg(long, value_parser = parse_interval, default_value = "2s", value_name = "DURATION")]
    pub interval: Duration,
}

#[derive(Debug, Args)]
pub struct DlqArgs {
    #[command(flatten)]
    pub timeout: TimeoutArg,
    /// Which dead letters: outbox events (e-mails, webhooks), export events, or both
    #[arg(long, value_enum, default_value_t = DlqKind::All)]
    pub kind: DlqKind,
    /// How many items to list (pages through the server's 100 per request when larger)
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub limit: u64,
    /// List every item (up to 2000)
    #[arg(long, conflicts_with = "limit")]
    pub all: bool,
    /// Exit 1 when more than N events are dead (for scripts)
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub max: u64,
    /// Show e-mail addresses in summaries instead of masking them
    #[arg(long)]
    pub show_pii: bool,
    /// Where to read it: the admin API, or PostgreSQL in the db container (psql, read-only)
    /// [default: the API, and the database for a kind the API cannot list]
    #[arg(long, value_enum, value_name = "WAY")]
    pub via: Option<QueueVia>,
}

/// Where the dead-letter queue is read or replayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum QueueVia {
    /// The app's admin API
    Api,
    /// psql inside the db container, as the env file's POSTGRES_USER on POSTGRES_DB
    Db,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Services to show: api, jobs, db, or any service of the compose project (default: jobs)
    #[arg(value_name = "SERVICE", value_parser = Suggest::new(SERVICES.iter().copied()), hide_possible_values = true)]
    pub services: Vec<String>,
    /// Lines from the end of each container's log [default: 500, or all with --since]
    #[arg(long, value_name = "N")]
    pub tail: Option<u64>,
    /// Only lines since: RFC 3339 or a duration ago (15m, 2h)
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Only lines until: RFC 3339 or a duration ago
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,
    /// Only lines matching REGEX (case-insensitive; repeat for any of several), each line matched as stored (a JSON record with all its fields); matching lines are shown one by one
    #[arg(long, value_name = "REGEX")]
    pub grep: Vec<String>,
    /// Only records at LEVEL or above; lines without a level are kept, except those that continue a lower record; every line of a traceback counts as error
    #[arg(long, value_name = "LEVEL", ignore_case = true)]
    pub level: Option<crate::logs::Level>,
    /// Show everything: a JSON record's every field and whole exception, a traceback's every line
    #[arg(long, conflicts_with = "raw")]
    pub full: bool,
    /// Prefix each line with its time (RFC 3339, UTC, from the engine; a JSON record's own time is then left out)
    #[arg(long)]
    pub timestamps: bool,
    /// Keep following, across restarts and re-creations of the container
    #[arg(short, long)]
    pub follow: bool,
    /// Print log lines exactly as stored: no reading or reformatting, control characters included (on a terminal they are shown escaped by default)
    #[arg(long)]
    pub raw: bool,
    #[command(flatten)]
    pub timeout: TimeoutArg,
}

/// What every mutating command takes.
#[derive(Debug, Args, Clone, Copy)]
pub struct MutateArgs {
    /// Do it without asking (needed when not on a terminal)
    #[arg(short, long)]
    pub yes: bool,
    /// Print the exact Docker API calls and HTTP requests instead of making them
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct RestartArgs {
    /// The service to restart: api, jobs, db, or any service of the compose project
    #[arg(default_value = "jobs", value_name = "SERVICE", value_parser = Suggest::new(SERVICES.iter().copied()), hide_possible_values = true)]
    pub service: String,
    #[command(flatten)]
    pub mutate: MutateArgs,
    /// Seconds the container gets to stop before it is killed
    #[arg(
        short = 't',
        long = "timeout",
        default_value_t = 10,
        value_name = "SECONDS"
    )]
    pub stop_timeout: u32,
    /// After the restart, wait until the /readyz jobs heartbeat is fresh (jobs only)
    #[arg(long)]
    pub wait_heartbeat: bool,
    /// How long --wait-heartbeat waits [default: the heartbeat threshold plus one loop]
    #[arg(long, value_parser = parse_nonzero_duration, value_name = "DURATION")]
    pub wait_limit: Option<Duration>,
    /// How long the restart count must hold still to call the container stable
    #[arg(long, value_parser = parse_duration, default_value = "3s", value_name = "DURATION")]
    pub settle: Duration,
}

#[derive(Debug, Args)]
pub struct EnvCheckArgs {
    /// Skip the comparison with the running jobs container (no Docker engine needed)
    #[arg(long)]
    pub no_drift: bool,
    #[command(flatten)]
    pub timeout: TimeoutArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DbCheckVia {
    /// The app's own database code inside the jobs container
    Jobs,
    /// pg_isready inside the db container
    Db,
}

#[derive(Debug, Args)]
pub struct DbCheckArgs {
    /// Where to check from
    #[arg(long, value_enum, default_value_t = DbCheckVia::Jobs)]
    pub via: DbCheckVia,
    /// How long the check may run inside the container
    #[arg(long, value_parser = parse_nonzero_duration, default_value = "20s", value_name = "DURATION")]
    pub limit: Duration,
    #[command(flatten)]
    pub timeout: TimeoutArg,
}

#[derive(Debug, Args)]
pub struct RunOnceArgs {
    /// Only this job (repeatable); without it, all 23 jobs run next to the live loop
    #[arg(long = "job", value_name = "NAME", value_parser = Suggest::new(job_names()), hide_possible_values = true)]
    pub jobs: Vec<String>,
    #[command(flatten)]
    pub mutate: MutateArgs,
    /// How long the loop may run
    #[arg(long, value_parser = parse_nonzero_duration, default_value = "5m", value_name = "DURATION")]
    pub limit: Duration,
    #[command(flatten)]
    pub timeout: TimeoutArg,
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// Event ids to replay (their kind is looked up in the DLQ)
    #[arg(value_name = "EVENT_ID")]
    pub ids: Vec<String>,
    /// Replay what the DLQ holds (with the filters below)
    #[arg(long, conflicts_with_all = ["ids", "resume"])]
    pub from_dlq: bool,
    /// Only this kind of dead event
    #[arg(long, value_enum)]
    pub kind: Option<ReplayKind>,
    /// Only events of this type (email, webhook, export, ...)
    #[arg(long, value_name = "TYPE")]
    pub event_type: Option<String>,
    /// Only events whose last error contains this text
    #[arg(long, value_name = "TEXT")]
    pub error: Option<String>,
    /// Only events dead for longer than this (e.g. 1h)
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub older_than: Option<Duration>,
    /// At most N events (with --batch: the server's batch size, 1..100)
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,
    /// Replay even events that are not dead right now (a sent event is sent again)
    #[arg(long)]
    pub force: bool,
    /// Replays a minute (the app allows 5 a minute per org, shared by everyone) [default: 5, or the resumed run's]
    #[arg(long, value_name = "N")]
    pub rate: Option<u32>,
    /// Use the server's batch replay (POST /v1/admin/queue/dlq/replay?confirm=true)
    #[arg(long, conflicts_with_all = ["ids", "from_dlq", "resume"])]
    pub batch: bool,
    /// Carry on with an interrupted run, re-posting only where the outcome is unknown
    #[arg(long, value_name = "RUN_ID")]
    pub resume: Option<String>,
    /// List the runs in the journal and exit
    #[arg(long)]
    pub list_runs: bool,
    /// After the run, wait for the runner's next loop and report which events are dead again
    /// (--via db: until the events leave pending)
    #[arg(long)]
    pub verify: bool,
    /// How to replay: through the admin API (paced, one idempotency key per event), or in the
    /// database (outbox events only: reset to pending where still dead, one transaction per 50)
    #[arg(long, value_enum, default_value_t = QueueVia::Api, value_name = "WAY", conflicts_with = "batch")]
    pub via: QueueVia,
    #[command(flatten)]
    pub mutate: MutateArgs,
    #[command(flatten)]
    pub timeout: TimeoutArg,
}

#[derive(Debug, Args)]
pub struct RemediateArgs {
    #[command(flatten)]
    pub mutate: MutateArgs,
    /// After the steps, keep waiting until /readyz is ready (bounded by --timeout)
    #[arg(long)]
    pub until_ready: bool,
    /// How long the whole remediation may take
    #[arg(long, value_parser = parse_nonzero_duration, default_value = "10m", value_name = "DURATION")]
    pub timeout: Duration,
    /// Escalate by itself, once (cleanops escalate: the next role), when /readyz is still not
    /// ready this long after the walk began, or when the walk stops without readiness (a
    /// manual step, a failed step)
    #[arg(long, value_parser = parse_nonzero_duration, value_name = "DURATION")]
    pub escalate_after: Option<Duration>,
}

/// The roles of the runbook's chain, offered by completions (a profile may name others).
pub const ROLES: &[&str] = &["primary", "secondary", "tertiary"];

#[derive(Debug, Args)]
pub struct EscalateArgs {
    /// The role to page: an id of the chain (primary, secondary, tertiary, or the profile's)
    /// [default: the next role after the last one paged in this incident]; with --ack or
    /// --resolve, only this role
    #[arg(value_name = "ROLE", value_parser = Suggest::new(ROLES.iter().copied()), hide_possible_values = true)]
    pub role: Option<String>,
    /// Acknowledge the incident's alert (someone is on it) instead of paging
    #[arg(long, conflicts_with = "resolve")]
    pub ack: bool,
    /// Resolve the incident's alert; refused unless /readyz is ready (see --force)
    #[arg(long)]
    pub resolve: bool,
    /// With --resolve: resolve even when /readyz is not ready or cannot be read
    #[arg(long, requires = "resolve")]
    pub force: bool,
    /// The engineer's words, sent along (PagerDuty custom_details.note, the Slack message) and kept in the audit file
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    /// Send the last diagnosis of this deployment when it is at most this old (0s: always diagnose anew)
    #[arg(long, value_parser = parse_duration, default_value = "5m", value_name = "DURATION")]
    pub max_age: Duration,
    /// How long a new diagnosis may take
    #[arg(long, value_parser = parse_nonzero_duration, default_value = "10s", value_name = "DURATION")]
    pub deadline: Duration,
    #[command(flatten)]
    pub mutate: MutateArgs,
    #[command(flatten)]
    pub timeout: TimeoutArg,
}

#[derive(Debug, Args)]
pub struct NotifyArgs {
    /// Post the incident timeline (the audit file's last --since) instead of the diagnosis
    #[arg(long)]
    pub timeline: bool,
    /// With --timeline: how far back
    #[arg(long, value_parser = parse_duration, default_value = "2h", value_name = "DURATION", requires = "timeline")]
    pub since: Duration,
    /// The engineer's words, posted with it
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    /// Post the last diagnosis of this deployment when it is at most this old (0s: always diagnose anew)
    #[arg(long, value_parser = parse_duration, default_value = "5m", value_name = "DURATION")]
    pub max_age: Duration,
    /// How long a new diagnosis may take
    #[arg(long, value_parser = parse_nonzero_duration, default_value = "10s", value_name = "DURATION")]
    pub deadline: Duration,
    #[command(flatten)]
    pub mutate: MutateArgs,
    #[command(flatten)]
    pub timeout: TimeoutArg,
}

#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The good commit to go back to
    #[arg(long, value_name = "SHA")]
    pub to: String,
    /// Run it (without --yes it only prints what it would do)
    #[arg(short, long)]
    pub yes: bool,
    /// The deploy script, relative to the project directory
    #[arg(long, default_value = "ops/deploy.sh", value_name = "PATH")]
    pub deploy: String,
    /// How long to wait for readiness after the deploy
    #[arg(long, value_parser = parse_nonzero_duration, default_value = "5m", value_name = "DURATION")]
    pub wait: Duration,
}

#[derive(Debug, Args)]
pub struct TimelineArgs {
    /// How far back
    #[arg(long, value_parser = parse_duration, default_value = "2h", value_name = "DURATION")]
    pub since: Duration,
    /// A paste-ready table for the postmortem
    #[arg(long, conflicts_with = "json")]
    pub markdown: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReplayKind {
    Outbox,
    Export,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DlqKind {
    All,
    Outbox,
    Export,
}

impl DlqKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DlqKind::All => "all",
            DlqKind::Outbox => "outbox",
            DlqKind::Export => "export",
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Each resolved setting, its value (secrets masked) and its source
    #[command(
        after_help = help!("cleanops config show", "cleanops --profile staging config show --json")
    )]
    Show,
}

#[cfg(feature = "sim")]
#[derive(Debug, Subcommand)]
pub enum SimCommand {
    /// Serve the simulated app (readyz, jobs status, DLQ, replay, auth, rate limits, /_sim/ control)
    #[command(
        after_help = help!("cleanops sim serve --scenario stale-heartbeat", "cleanops sim serve --listen 127.0.0.1:0   # prints the port it got", "cleanops sim serve --list-scenarios")
    )]
    Serve(cleanops_sim::ServeArgs),
    /// Run the jobs runner as its own process (`python -m app.jobs.run`), reporting its loops to a simulator
    #[command(after_help = help!(
        "cleanops sim worker --api http://127.0.0.1:8000 --interval 5",
        "cleanops sim worker --once --job outbox-delivery"
    ))]
    Worker(cleanops_sim::WorkerArgs),
    /// Idle stand-in for the db service of the Docker test stack (exits 0 on SIGTERM)
    #[command(hide = true)]
    Db(cleanops_sim::DbArgs),
}

pub fn parse_duration(s: &str) -> Result<Duration, String> {
    crate::clock::parse_duration(s).map_err(|e| e.to_string())
}

/// A bound that must leave time for something to happen: zero would fail every run at once.
pub fn parse_nonzero_duration(s: &str) -> Result<Duration, String> {
    match parse_duration(s)? {
        d if d.is_zero() => Err("must be more than zero (e.g. 10s)".into()),
        d => Ok(d),
    }
}

/// Time between two polls of the app: each is a request, so not faster than twice a second.
pub const MIN_POLL_INTERVAL: Duration = Duration::from_millis(500);

pub fn parse_interval(s: &str) -> Result<Duration, String> {
    match parse_duration(s)? {
        d if d < MIN_POLL_INTERVAL => {
            Err("must be at least 500ms: every poll is a request to the app".into())
        }
        d => Ok(d),
    }
}

// ---------------------------------------------------------------------------------------------
// Completions and man pages, and the values shells complete.

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to print the completions of (with --write: write only its file)
    #[arg(value_enum, required_unless_present = "write", value_name = "SHELL")]
    pub shell: Option<clap_complete::Shell>,
    /// Write the files into DIR instead of printing: cleanops.bash, _cleanops (zsh), cleanops.fish, _cleanops.ps1, cleanops.elv
    #[arg(long, value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub write: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Without --dir, print the page of this subcommand (e.g. `restart`, `sim serve`) [default: the main page]
    #[arg(value_name = "SUBCOMMAND", conflicts_with = "dir")]
    pub command: Vec<String>,
    /// Write every page into DIR instead of printing one: cleanops.1, cleanops-restart.1, cleanops-sim-serve.1, ...
    #[arg(long, value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub dir: Option<PathBuf>,
}

/// The compose services of the deployment, offered by completions (any other name is accepted).
pub const SERVICES: &[&str] = &crate::docker::compose::WATCHED_SERVICES;

/// The runner's job names, for `run-once --job` (checked by the command, with a suggestion).
fn job_names() -> Vec<&'static str> {
    crate::api::jobs::DEFAULT_JOBS
        .iter()
        .chain(crate::api::jobs::EXTRA_JOBS.iter())
        .copied()
        .collect()
}

/// `diagnose --check`/`--skip`: the checks of `cleanops diagnose --list-checks`, nothing else.
fn check_names() -> PossibleValuesParser {
    PossibleValuesParser::new(
        crate::checks::all()
            .into_iter()
            .map(|c| PossibleValue::new(c.id).help(c.about)),
    )
}

/// `demo --scenario`: the scenarios of `cleanops demo --list-scenarios`.
#[cfg(feature = "sim")]
fn demo_scenarios() -> PossibleValuesParser {
    PossibleValuesParser::new(
        cleanops_sim::demo::SCENARIOS
            .iter()
            .map(|s| PossibleValue::new(s.name).help(s.about)),
    )
}

/// A free-form value with suggestions: any value parses (as a `String`), and the known ones
/// are the possible values that completions and man pages offer.
#[derive(Clone, Debug)]
pub struct Suggest(Vec<&'static str>);

impl Suggest {
    pub fn new(known: impl IntoIterator<Item = &'static str>) -> Suggest {
        Suggest(known.into_iter().collect())
    }
}

impl TypedValueParser for Suggest {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(self.0.iter().map(|v| PossibleValue::new(*v))))
    }
}
