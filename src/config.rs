//! Resolution of settings, each with where it came from.
//!
//! Precedence, highest first: flags, environment (`CLEANOPS_*`, the runbook's own
//! `ADMIN_BASIC_USERNAME` / `ADMIN_BASIC_PASSWORD`, Docker's `DOCKER_HOST`), a profile of
//! `$XDG_CONFIG_HOME/cleanops/config.toml`, the deployment's `.env`, and the defaults of the real
//! deployment.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Result;
use serde::Deserialize;

use crate::error::Failure;

pub const DEFAULT_API_URL: &str = "https://api.panidobro.com";
pub const DEFAULT_PROJECT_DIR: &str = "/opt/cleaning";
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// A database check that works against the real app (docs/app-contract.md §7): `app.db` does not exist; the
/// engine is async and private, so open a session from `app.infra.db.get_session_factory`.
pub const DEFAULT_DB_CHECK: [&str; 3] = [
    "python",
    "-c",
    "import asyncio\n\
     from sqlalchemy import text\n\
     from app.infra.db import get_session_factory\n\
     async def main():\n    \
     async with get_session_factory()() as session:\n        \
     await session.execute(text('SELECT 1'))\n\
     asyncio.run(main())\n\
     print('DB OK')",
];

/// One loop of the runner, as the jobs service's own command runs it.
pub const DEFAULT_RUN_ONCE: [&str; 4] = ["python", "-m", "app.jobs.run", "--once"];

/// Where a value came from, as `cleanops config show` prints it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Flag(&'static str),
    Env(String),
    Profile { name: String, file: PathBuf },
    EnvFile(PathBuf),
    Derived(&'static str),
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag(name) => write!(f, "flag {name}"),
            Source::Env(name) => write!(f, "env {name}"),
            Source::Profile { name, file } => write!(f, "profile {name} ({})", file.display()),
            Source::EnvFile(path) => write!(f, "env file {}", path.display()),
            Source::Derived(how) => write!(f, "derived: {how}"),
            Source::Default => f.write_str("default"),
        }
    }
}

/// A value and its source.
#[derive(Clone, Debug)]
pub struct Sourced<T> {
    pub value: T,
    pub source: Source,
}

impl<T> Sourced<T> {
    fn new(value: T, source: Source) -> Self {
        Sourced { value, source }
    }
}

/// A secret: never printed, not even by `{:?}`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("********")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("********")
    }
}

/// What the command line says about configuration (all optional: unset means "ask the next source").
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub profile: Option<String>,
    pub api_url: Option<String>,
    pub user: Option<String>,
    pub password_file: Option<PathBuf>,
    pub timeout: Option<Duration>,
    pub no_mfa_header: bool,
    pub allow_insecure_http: bool,
    pub cacert: Option<PathBuf>,
    pub project_dir: Option<PathBuf>,
    pub env_file: Option<PathBuf>,
    pub project_name: Option<String>,
    pub docker_host: Option<String>,
}

/// One profile of the config file. Unknown keys are an error: a typo must not silently fall back
/// to production defaults.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub api_url: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub password_file: Option<PathBuf>,
    pub timeout: Option<String>,
    pub mfa_header: Option<bool>,
    pub allow_insecure_http: Option<bool>,
    pub cacert: Option<PathBuf>,
    pub project_dir: Option<PathBuf>,
    pub env_file: Option<PathBuf>,
    pub project_name: Option<String>,
    pub docker_host: Option<String>,
    /// The database check run inside the jobs container (argv), for images that differ.
    pub db_check_command: Option<Vec<String>>,
    /// The runner's one-loop command (argv, `--job NAME` is appended per job).
    pub run_once_command: Option<Vec<String>>,
    /// PagerDuty's Events API v2 endpoint for every role of the chain (a role may name its own).
    pub pagerduty_url: Option<String>,
    /// A file whose first line is the incident channel's Slack incoming-webhook URL.
    pub incident_slack_webhook_file: Option<PathBuf>,
    /// The escalation chain, in order (`[[profiles.NAME.escalation]]`).
    pub escalation: Option<Vec<crate::escalation::roles::RoleConfig>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    default_profile: Option<String>,
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

/// The deployment's env file, read once. Missing is normal (a laptop); unreadable is a note.
#[derive(Clone, Debug, Default)]
pub struct EnvFile {
    pub path: PathBuf,
    pub vars: BTreeMap<String, String>,
    /// Why it could not be used, when it could not.
    pub problem: Option<String>,
}

impl EnvFile {
    pub fn read(path: &Path) -> EnvFile {
        let mut file = EnvFile {
            path: path.to_path_buf(),
            ..EnvFile::default()
        };
        // Read bounded (a FIFO or /dev/zero named as the env file must not hang), without a BOM.
        let text = match crate::files::read_text(path) {
            Ok(t) => t,
            Err(e) => {
                file.problem = Some(describe_env_error(&dotenvy::Error::Io(e)));
                return file;
            }
        };
        for item in dotenvy::from_read_iter(text.as_bytes()) {
            match item {
                Ok((k, v)) => {
                    // The app reads env names case-insensitively; so do we.
                    file.vars.insert(k.to_ascii_uppercase(), v);
                }
                Err(e) => {
                    file.problem = Some(match &e {
                        // dotenvy names the line's text, not its number: find it.
                        dotenvy::Error::LineParse(line, _) => {
                            // dotenvy's text starts at the offending line.
                            let first = line.lines().next().unwrap_or("").trim_end();
                            let number = text
                                .lines()
                                .position(|l| l.trim_end() == first)
                                .map(|i| format!("line {}: ", i + 1))
                                .unwrap_or_default();
                            format!("{number}{}", describe_env_error(&e))
                        }
                        _ => describe_env_error(&e),
                    });
                    break;
                }
            }
        }
        file
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }
}

/// dotenvy's errors, said plainly (its line errors carry the offending line and column).
pub fn describe_env_error(e: &dotenvy::Error) -> String {
    match e {
        // Never the line itself: it may hold a secret (and dotenvy's text runs on past it).
        dotenvy::Error::LineParse(_, idx) => format!("syntax error at column {}", idx + 1),
        dotenvy::Error::Io(io) if io.kind() == std::io::ErrorKind::NotFound => "not found".into(),
        dotenvy::Error::Io(io) if io.kind() == std::io::ErrorKind::PermissionDenied => {
            "permission denied (run as the deployment's user, or with sudo)".into()
        }
        other => other.to_string(),
    }
}

/// Everything resolved.
#[derive(Clone, Debug)]
pub struct Settings {
    pub profile: Option<Sourced<String>>,
    pub config_file: Option<PathBuf>,
    pub api_url: Sourced<String>,
    pub username: Option<Sourced<String>>,
    pub password: Option<Sourced<Secret>>,
    pub timeout: Sourced<Duration>,
    pub mfa_header: Sourced<bool>,
    pub allow_insecure_http: Sourced<bool>,
    pub cacert: Option<Sourced<PathBuf>>,
    pub project_dir: Sourced<PathBuf>,
    pub env_file: Sourced<PathBuf>,
    pub project_name: Sourced<String>,
    pub docker_host: Option<Sourced<String>>,
    pub db_check_command: Sourced<Vec<String>>,
    pub run_once_command: Sourced<Vec<String>>,
    /// `JOB_HEARTBEAT_TTL_SECONDS` of the env file: the threshold when the API cannot say.
    pub heartbeat_ttl: Option<Sourced<u64>>,
    pub env: EnvFile,
    /// The escalation roles, in order: the profile's, else the runbook's three as names.
    pub escalation: Sourced<Vec<crate::escalation::Role>>,
    /// The Events API endpoint of the roles that do not name their own.
    pub pagerduty_url: Sourced<String>,
    /// The file holding the incident channel's Slack webhook URL (read when `notify` posts).
    pub incident_webhook_file: Option<Sourced<PathBuf>>,
}

/// Where the config file lives: `--config`, `CLEANOPS_CONFIG`, `$XDG_CONFIG_HOME/cleanops/config.toml`,
/// `~/.config/cleanops/config.toml`.
pub fn config_path(
    explicit: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return Some(p.to_path_buf());
    }
    if let Some(p) = env("CLEANOPS_CONFIG") {
        return Some(PathBuf::from(p));
    }
    Some(crate::paths::config_dir(env)?.join("config.toml"))
}

fn load_config_file(path: &Path, must_exist: bool) -> Result<Option<ConfigFile>> {
    let text = match crate::files::read_text(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must_exist => return Ok(None),
        Err(e) => {
            return Err(
                Failure::usage(format!("cannot read config file {}: {e}", path.display())).into(),
            );
        }
    };
    match toml::from_str::<ConfigFile>(&text) {
        Ok(c) => Ok(Some(c)),
        Err(e) => {
            let (line, col) = e
                .span()
                .map(|span| line_col(&text, span.start))
                .unwrap_or((1, 1));
            Err(Failure::usage(format!(
                "{}:{line}:{col}: {}",
                path.display(),
                e.message().trim_end()
            ))
            .hint("the format is described in docs/configuration.md; `cleanops config show` checks it")
            .into())
        }
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rfind('\n')
        .map(|i| before.len() - i)
        .unwrap_or(before.len() + 1);
    (line, col)
}

/// The top-level `name:` of the project's compose file, as compose reads it when neither
/// `--project-name` nor `COMPOSE_PROJECT_NAME` says otherwise.
fn compose_file_name(dir: &Path) -> Option<(String, Source)> {
    for file in [
        "compose.yaml",
        "compose.yml",
        "docker-compose.yaml",
        "docker-compose.yml",
    ] {
        let path = dir.join(file);
        let Ok(text) = crate::files::read_text(&path) else {
            continue;
        };
        // Only an unindented `name:` is the project's; indented ones belong to services.
        let name = text.lines().find_map(|line| {
            let value = line.strip_prefix("name:")?.trim();
            let value = value.trim_matches(|c| c == '"' || c == '\'');
            (!value.is_empty()).then(|| value.to_string())
        });
        return name.map(|n| (n, Source::Derived("top-level name: of the compose file")));
    }
    None
}

/// Normalise a directory name into a compose project name as compose does: lower case, only
/// `a-z0-9_-`, starting with a letter or digit.
pub fn normalize_project_name(name: &str) -> String {
    let lowered: String = name
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-')
        .collect();
    lowered.trim_start_matches(['_', '-']).to_string()
}

/// The app's own default of `JOB_HEARTBEAT_TTL_SECONDS` (docs/app-contract.md §1): the
/// heartbeat threshold when neither the API nor the env file says.
pub const APP_DEFAULT_HEARTBEAT_TTL: u64 = 180;

impl Settings {
    /// The heartbeat threshold in seconds as far as the configuration knows: the env file's
    /// `JOB_HEARTBEAT_TTL_SECONDS`, else the app's default. `/readyz` says better when it answers.
    pub fn heartbeat_threshold(&self) -> u64 {
        self.heartbeat_ttl
            .as_ref()
            .map_or(APP_DEFAULT_HEARTBEAT_TTL, |t| t.value)
    }

    /// Resolve from the real environment.
    pub fn resolve(o: &Overrides) -> Result<Settings> {
        Settings::resolve_with(o, &|name| {
            std::env::var(name).ok().filter(|v| !v.is_empty())
        })
    }

    /// Resolve with an injected environment (tests).
    pub fn resolve_with(o: &Overrides, env: &dyn Fn(&str) -> Option<String>) -> Result<Settings> {
        let config_file = config_path(o.config_file.as_deref(), env);
        let explicit_file = o.config_file.is_some() || env("CLEANOPS_CONFIG").is_some();
        let parsed = match &config_file {
            Some(p) => load_config_file(p, explicit_file)?,
            None => None,
        };

        // Which profile: flag, env, the file's default_profile.
        let profile_name: Option<Sourced<String>> = if let Some(p) = &o.profile {
            Some(Sourced::new(p.clone(), Source::Flag("--profile")))
        } else if let Some(p) = env("CLEANOPS_PROFILE") {
            Some(Sourced::new(p, Source::Env("CLEANOPS_PROFILE".into())))
        } else {
            parsed
                .as_ref()
                .and_then(|c| c.default_profile.clone())
                .map(|p| Sourced::new(p, Source::Derived("default_profile of the config file")))
        };
        let file_path = config_file.clone().unwrap_or_default();
        let profile: Profile = match &profile_name {
            None => Profile::default(),
            Some(name) => {
                let Some(cfg) = &parsed else {
                    return Err(Failure::usage(format!(
                        "profile {:?} asked for ({}), but there is no config file at {}",
                        name.value,
                        name.source,
                        file_path.display()
                    ))
                    .hint("create it (see docs/configuration.md) or drop --profile")
                    .into());
                };
                match cfg.profiles.get(&name.value) {
                    Some(p) => p.clone(),
                    None => {
                        let known: Vec<&str> = cfg.profiles.keys().map(String::as_str).collect();
                        return Err(Failure::usage(format!(
                            "profile {:?} is not in {} (profiles there: {})",
                            name.value,
                            file_path.display(),
                            if known.is_empty() {
                                "none".into()
                            } else {
                                known.join(", ")
                            }
                        ))
                        .into());
                    }
                }
            }
        };
        let from_profile = |_: &str| -> Source {
            Source::Profile {
                name: profile_name
                    .as_ref()
                    .map(|p| p.value.clone())
                    .unwrap_or_default(),
                file: file_path.clone(),
            }
        };

        // A value from flag, env names, profile, in that order.
        fn pick<T>(
            flag: Option<(T, &'static str)>,
            env_names: &[&str],
            env: &dyn Fn(&str) -> Option<String>,
            parse_env: impl Fn(&str, String) -> Result<T>,
            profile: Option<(T, Source)>,
        ) -> Result<Option<Sourced<T>>> {
            if let Some((v, name)) = flag {
                return Ok(Some(Sourced::new(v, Source::Flag(name))));
            }
            for name in env_names {
                if let Some(raw) = env(name) {
                    return Ok(Some(Sourced::new(
                        parse_env(name, raw)?,
                        Source::Env((*name).into()),
                    )));
                }
            }
            Ok(profile.map(|(v, s)| Sourced::new(v, s)))
        }
        let as_string = |_: &str, v: String| -> Result<String> { Ok(v) };
        let as_bool = |name: &str, v: String| -> Result<bool> {
            parse_bool(&v).ok_or_else(|| {
                Failure::usage(format!(
                    "{name}={v:?} is not a boolean (true/false, 1/0, yes/no)"
                ))
                .into()
            })
        };

        let api_url = pick(
            o.api_url.clone().map(|v| (v, "--api-url")),
            &["CLEANOPS_API_URL"],
            env,
            as_string,
            profile
                .api_url
                .clone()
                .map(|v| (v, from_profile("api_url"))),
        )?
        .unwrap_or_else(|| Sourced::new(DEFAULT_API_URL.into(), Source::Default));
        let api_url = Sourced::new(
            api_url.value.trim_end_matches('/').to_string(),
            api_url.source,
        );
        validate_url(&api_url)?;

        let timeout_profile = match &profile.timeout {
            Some(t) => Some((
                crate::clock::parse_duration(t).map_err(|e| {
                    Failure::usage(format!("{}: profile key timeout: {e}", file_path.display()))
                })?,
                from_profile("timeout"),
            )),
            None => None,
        };
        let timeout = pick(
            o.timeout.map(|v| (v, "--timeout")),
            &["CLEANOPS_TIMEOUT"],
            env,
            |name, v| {
                crate::clock::parse_duration(&v)
                    .map_err(|e| Failure::usage(format!("{name}: {e}")).into())
            },
            timeout_profile,
        )?
        .unwrap_or_else(|| Sourced::new(DEFAULT_TIMEOUT, Source::Default));
        if timeout.value.is_zero() {
            return Err(
                Failure::usage(format!("timeout ({}) must be above zero", timeout.source)).into(),
            );
        }

        let mfa_header = if o.no_mfa_header {
            Sourced::new(false, Source::Flag("--no-mfa-header"))
        } else {
            pick(
                None,
                &["CLEANOPS_MFA_HEADER"],
                env,
                as_bool,
                profile.mfa_header.map(|v| (v, from_profile("mfa_header"))),
            )?
            .unwrap_or_else(|| Sourced::new(true, Source::Default))
        };
        let allow_insecure_http = pick(
            o.allow_insecure_http
                .then_some((true, "--allow-insecure-http")),
            &["CLEANOPS_ALLOW_INSECURE_HTTP"],
            env,
            as_bool,
            profile
                .allow_insecure_http
                .map(|v| (v, from_profile("allow_insecure_http"))),
        )?
        .unwrap_or_else(|| Sourced::new(false, Source::Default));
        let cacert = pick(
            o.cacert.clone().map(|v| (v, "--cacert")),
            &["CLEANOPS_CACERT"],
            env,
            |_, v| Ok(PathBuf::from(v)),
            profile.cacert.clone().map(|v| (v, from_profile("cacert"))),
        )?;

        let project_dir = pick(
            o.project_dir.clone().map(|v| (v, "--project-dir")),
            &["CLEANOPS_PROJECT_DIR"],
            env,
            |_, v| Ok(PathBuf::from(v)),
            profile
                .project_dir
                .clone()
                .map(|v| (v, from_profile("project_dir"))),
        )?
        .unwrap_or_else(|| Sourced::new(PathBuf::from(DEFAULT_PROJECT_DIR), Source::Default));
        let env_file_explicit = o.env_file.is_some();
        let env_file = pick(
            o.env_file.clone().map(|v| (v, "--env-file")),
            &["CLEANOPS_ENV_FILE", "ENV_FILE"],
            env,
            |_, v| Ok(PathBuf::from(v)),
            profile
                .env_file
                .clone()
                .map(|v| (v, from_profile("env_file"))),
        )?
        .map(|s| {
            // Relative env files are relative to the project directory, as in compose's `${ENV_FILE:-.env}`.
            if s.value.is_relative() && !matches!(s.source, Source::Flag(_)) {
                Sourced::new(project_dir.value.join(&s.value), s.source)
            } else {
                s
            }
        })
        .unwrap_or_else(|| {
            Sourced::new(
                project_dir.value.join(".env"),
                Source::Derived("<project dir>/.env"),
            )
        });
        let envf = EnvFile::read(&env_file.value);
        if env_file_explicit && let Some(problem) = &envf.problem {
            return Err(Failure::usage(format!(
                "env file {}: {problem}",
                env_file.value.display()
            ))
            .into());
        }
        let from_envfile = |name: &str| -> Option<(String, Source)> {
            envf.get(name)
                .filter(|v| !v.is_empty())
                .map(|v| (v.to_string(), Source::EnvFile(env_file.value.clone())))
        };

        let project_name = pick(
            o.project_name.clone().map(|v| (v, "--project-name")),
            &["CLEANOPS_PROJECT_NAME", "COMPOSE_PROJECT_NAME"],
            env,
            as_string,
            profile
                .project_name
                .clone()
                .map(|v| (v, from_profile("project_name")))
                .or_else(|| from_envfile("COMPOSE_PROJECT_NAME"))
                .or_else(|| compose_file_name(&project_dir.value)),
        )?
        .unwrap_or_else(|| {
            let dir = project_dir
                .value
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            Sourced::new(
                normalize_project_name(&dir),
                Source::Derived("the project directory's name, as compose normalises it"),
            )
        });
        let docker_host = pick(
            o.docker_host.clone().map(|v| (v, "--docker-host")),
            &["CLEANOPS_DOCKER_HOST", "DOCKER_HOST"],
            env,
            as_string,
            profile
                .docker_host
                .clone()
                .map(|v| (v, from_profile("docker_host"))),
        )?;

        let username = pick(
            o.user.clone().map(|v| (v, "--user")),
            &["CLEANOPS_USERNAME", "ADMIN_BASIC_USERNAME"],
            env,
            as_string,
            profile
                .username
                .clone()
                .map(|v| (v, from_profile("username")))
                .or_else(|| from_envfile("ADMIN_BASIC_USERNAME")),
        )?;
        let password = resolve_password(o, env, &profile, &from_profile, &from_envfile)?;

        let heartbeat_ttl = match from_envfile("JOB_HEARTBEAT_TTL_SECONDS") {
            Some((v, source)) => v
                .trim()
                .parse::<u64>()
                .ok()
                .map(|n| Sourced::new(n, source)),
            None => None,
        };

        let argv = |v: &Option<Vec<String>>,
                    key: &'static str,
                    default: &[&str]|
         -> Result<Sourced<Vec<String>>> {
            match v {
                Some(cmd) if cmd.is_empty() => Err(Failure::usage(format!(
                    "{}: profile key {key} is an empty command",
                    file_path.display()
                ))
                .into()),
                Some(cmd) => Ok(Sourced::new(cmd.clone(), from_profile(key))),
                None => Ok(Sourced::new(
                    default.iter().map(|s| s.to_string()).collect(),
                    Source::Default,
                )),
            }
        };
        let db_check_command = argv(
            &profile.db_check_command,
            "db_check_command",
            &DEFAULT_DB_CHECK,
        )?;
        let run_once_command = argv(
            &profile.run_once_command,
            "run_once_command",
            &DEFAULT_RUN_ONCE,
        )?;

        let pagerduty_url = match &profile.pagerduty_url {
            Some(url) => {
                crate::escalation::roles::check_endpoint(
                    url,
                    &format!("{}: profile key pagerduty_url", file_path.display()),
                )?;
                Sourced::new(url.clone(), from_profile("pagerduty_url"))
            }
            None => Sourced::new(
                crate::escalation::roles::DEFAULT_PAGERDUTY_URL.to_string(),
                Source::Default,
            ),
        };
        let escalation = match &profile.escalation {
            Some(roles) => Sourced::new(
                crate::escalation::roles::resolve_chain(
                    roles,
                    &pagerduty_url.value,
                    &file_path.display().to_string(),
                )?,
                from_profile("escalation"),
            ),
            None => Sourced::new(
                crate::escalation::roles::runbook_chain(),
                Source::Derived("the runbook's escalation roles"),
            ),
        };
        let incident_webhook_file = profile
            .incident_slack_webhook_file
            .clone()
            .map(|p| Sourced::new(p, from_profile("incident_slack_webhook_file")));

        Ok(Settings {
            profile: profile_name,
            db_check_command,
            run_once_command,
            config_file: parsed.as_ref().and(config_file),
            api_url,
            username,
            password,
            timeout,
            mfa_header,
            allow_insecure_http,
            cacert,
            project_dir,
            env_file,
            project_name,
            docker_host,
            heartbeat_ttl,
            env: envf,
            escalation,
            pagerduty_url,
            incident_webhook_file,
        })
    }

    /// Username and password, when both are known.
    pub fn credentials(&self) -> Option<(String, Secret)> {
        match (&self.username, &self.password) {
            (Some(u), Some(p)) => Some((u.value.clone(), p.value.clone())),
            _ => None,
        }
    }
}

fn resolve_password(
    o: &Overrides,
    env: &dyn Fn(&str) -> Option<String>,
    profile: &Profile,
    from_profile: &dyn Fn(&str) -> Source,
    from_envfile: &dyn Fn(&str) -> Option<(String, Source)>,
) -> Result<Option<Sourced<Secret>>> {
    let read_file = |path: &Path, what: &str| -> Result<Secret> {
        let text = crate::files::read_text(path).map_err(|e| {
            Failure::usage(format!(
                "cannot read the password file {} ({what}): {e}",
                path.display()
            ))
        })?;
        if crate::files::world_readable(path) {
            crate::render::warn(&format!(
                "the password file {} is readable by every user of this machine: chmod 600 it",
                path.display()
            ));
        }
        let pw = text.lines().next().unwrap_or("").to_string();
        if pw.is_empty() {
            return Err(
                Failure::usage(format!("the password file {} is empty", path.display())).into(),
            );
        }
        Ok(Secret::new(pw))
    };
    if let Some(path) = &o.password_file {
        return Ok(Some(Sourced::new(
            read_file(path, "--password-file")?,
            Source::Flag("--password-file"),
        )));
    }
    for name in ["CLEANOPS_PASSWORD", "ADMIN_BASIC_PASSWORD"] {
        if let Some(v) = env(name) {
            return Ok(Some(Sourced::new(Secret::new(v), Source::Env(name.into()))));
        }
    }
    if let Some(path) = env("CLEANOPS_PASSWORD_FILE") {
        let path = PathBuf::from(path);
        return Ok(Some(Sourced::new(
            read_file(&path, "CLEANOPS_PASSWORD_FILE")?,
            Source::Env("CLEANOPS_PASSWORD_FILE".into()),
        )));
    }
    if let Some(path) = &profile.password_file {
        return Ok(Some(Sourced::new(
            read_file(path, "profile key password_file")?,
            from_profile("password_file"),
        )));
    }
    if let Some(pw) = &profile.password {
        return Ok(Some(Sourced::new(
            Secret::new(pw.clone()),
            from_profile("password"),
        )));
    }
    Ok(from_envfile("ADMIN_BASIC_PASSWORD").map(|(v, s)| Sourced::new(Secret::new(v), s)))
}

fn validate_url(url: &Sourced<String>) -> Result<()> {
    // Credentials typed into the URL would be printed with it everywhere and sent by the HTTP
    // client as Basic auth on every path, /readyz included: refuse them, without echoing them.
    if let Ok(u) = reqwest::Url::parse(&url.value)
        && (!u.username().is_empty() || u.password().is_some())
    {
        let mut shown = u.clone();
        let _ = shown.set_username("");
        let _ = shown.set_password(None);
        return Err(Failure::usage(format!(
            "the API URL ({}) carries a username or password; give it without them: {shown}",
            url.source
        ))
        .hint("credentials go in ADMIN_BASIC_USERNAME and ADMIN_BASIC_PASSWORD, --username and --password-file, or a profile's username and password_file")
        .into());
    }
    match reqwest::Url::parse(&url.value) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        Ok(u) => Err(Failure::usage(format!(
            "API URL {:?} ({}) must be http:// or https:// with a host, not {}://",
            url.value,
            url.source,
            u.scheme()
        ))
        .into()),
        Err(e) => {
            // What is not a URL may still hold a password before an '@': do not echo it.
            let value = if url.value.contains('@') {
                "(not shown: it contains '@')".to_string()
            } else {
                format!("{:?}", url.value)
            };
            Err(Failure::usage(format!(
                "API URL {value} ({}) is not a URL: {e}",
                url.source
            ))
            .into())
        }
    }
}

/// Booleans the way pydantic reads them from the environment (the app's own parser).
pub fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "t" | "yes" | "y" | "on" => Some(true),
        "0" | "false" | "f" | "no" | "n" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn defaults_are_the_real_deployment() {
        let dir = tempfile::tempdir().unwrap();
        let o = Overrides {
            project_dir: Some(dir.path().join("cleaning")),
            ..Default::default()
        };
        let s = Settings::resolve_with(&o, &env_of(&[])).unwrap();
        assert_eq!(s.api_url.value, DEFAULT_API_URL);
        assert_eq!(s.api_url.source, Source::Default);
        assert_eq!(s.project_name.value, "cleaning");
        assert_eq!(s.timeout.value, DEFAULT_TIMEOUT);
        assert!(s.mfa_header.value);
        assert!(s.credentials().is_none());
    }

    #[test]
    fn precedence_flag_env_profile_envfile() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = write(
            dir.path(),
            "config.toml",
            "[profiles.prod]\napi_url = \"https://profile.example\"\nusername = \"profuser\"\ntimeout = \"7s\"\n",
        );
        write(
            dir.path(),
            ".env",
            "ADMIN_BASIC_USERNAME=envfileuser\nADMIN_BASIC_PASSWORD=fromfile\nCOMPOSE_PROJECT_NAME=Mine\n",
        );
        let base = Overrides {
            config_file: Some(cfg),
            profile: Some("prod".into()),
            project_dir: Some(dir.path().to_path_buf()),
            ..Default::default()
        };
        let s = Settings::resolve_with(&base, &env_of(&[])).unwrap();
        assert_eq!(s.api_url.value, "https://profile.example");
        assert_eq!(s.username.as_ref().unwrap().value, "profuser");
        assert_eq!(s.password.as_ref().unwrap().value.expose(), "fromfile");
        assert!(matches!(
            s.password.as_ref().unwrap().source,
            Source::EnvFile(_)
        ));
        assert_eq!(s.timeout.value, Duration::from_secs(7));
        assert_eq!(s.project_name.value, "Mine");

        let s = Settings::resolve_with(
            &base,
            &env_of(&[
                ("CLEANOPS_API_URL", "http://127.0.0.1:9"),
                ("ADMIN_BASIC_USERNAME", "envuser"),
            ]),
        )
        .unwrap();
        assert_eq!(s.api_url.value, "http://127.0.0.1:9");
        assert_eq!(s.username.as_ref().unwrap().value, "envuser");

        let flagged = Overrides {
            api_url: Some("https://flag.example/".into()),
            ..base.clone()
        };
        let s = Settings::resolve_with(
            &flagged,
            &env_of(&[("CLEANOPS_API_URL", "http://127.0.0.1:9")]),
        )
        .unwrap();
        assert_eq!(s.api_url.value, "https://flag.example");
        assert_eq!(s.api_url.source, Source::Flag("--api-url"));
    }

    #[test]
    fn bad_config_file_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = write(
            dir.path(),
            "config.toml",
            "[profiles.prod]\napi_url = \"x\"\ntimeot = \"5s\"\n",
        );
        let o = Overrides {
            config_file: Some(cfg.clone()),
            ..Default::default()
        };
        let err = Settings::resolve_with(&o, &env_of(&[])).unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains(&format!("{}:3:", cfg.display())), "{msg}");
        assert!(msg.contains("timeot"), "{msg}");
        assert_eq!(crate::error::exit_of(&err), crate::error::Exit::Usage);
    }

    #[test]
    fn unknown_profile_lists_the_known_ones() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = write(
            dir.path(),
            "config.toml",
            "[profiles.prod]\n[profiles.staging]\n",
        );
        let o = Overrides {
            config_file: Some(cfg),
            profile: Some("prd".into()),
            ..Default::default()
        };
        let msg = format!(
            "{:#}",
            Settings::resolve_with(&o, &env_of(&[])).unwrap_err()
        );
        assert!(msg.contains("prod, staging"), "{msg}");
    }

    #[test]
    fn project_name_from_the_compose_file() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "docker-compose.yml",
            "services:\n  jobs:\n    name: x\nname: \"shop\"\n",
        );
        let o = Overrides {
            project_dir: Some(dir.path().to_path_buf()),
            ..Default::default()
        };
        let s = Settings::resolve_with(&o, &env_of(&[])).unwrap();
        assert_eq!(s.project_name.value, "shop");
        let s = Settings::resolve_with(&o, &env_of(&[("COMPOSE_PROJECT_NAME", "other")])).unwrap();
        assert_eq!(s.project_name.value, "other");
    }

    #[test]
    fn project_names_normalise_like_compose() {
        assert_eq!(normalize_project_name("cleaning"), "cleaning");
        assert_eq!(
            normalize_project_name("Clean With.Snapshot"),
            "cleanwithsnapshot"
        );
        assert_eq!(normalize_project_name("_x-1"), "x-1");
    }

    #[test]
    fn the_default_db_check_is_the_python_we_mean() {
        assert_eq!(
            DEFAULT_DB_CHECK[2],
            "import asyncio\nfrom sqlalchemy import text\nfrom app.infra.db import get_session_factory\n\
             async def main():\n    async with get_session_factory()() as session:\n        \
             await session.execute(text('SELECT 1'))\nasyncio.run(main())\nprint('DB OK')"
        );
    }

    #[test]
    fn secrets_do_not_print() {
        let s = Secret::new("hunter2-very-secret");
        assert_eq!(format!("{s} {s:?}"), "******** ********");
    }
}
