//! The env-file rules of the runbook, made exact against the app (docs/app-contract.md §1.2, §7, §8), and
//! the drift between the file and the environment the running container actually has.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use crate::config::{EnvFile, parse_bool};
use crate::render::Mark;

/// The values `APP_ENV` may take (anything else fails settings validation at import).
pub const APP_ENVS: [&str; 7] = ["dev", "prod", "ci", "e2e", "staging", "test", "local"];

#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub rule: String,
    pub mark: Mark,
    pub detail: String,
    /// The exact command or edit that fixes it, when there is one.
    pub fix: Option<String>,
}

fn finding(rule: &str, mark: Mark, detail: impl Into<String>, fix: Option<String>) -> Finding {
    Finding {
        rule: rule.into(),
        mark,
        detail: detail.into(),
        fix,
    }
}

/// Names whose values are never printed.
pub fn is_secret(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    [
        "PASSWORD",
        "SECRET",
        "TOKEN",
        "KEY",
        "DSN",
        "CREDENTIAL",
        "PRIVATE",
        "HASH",
        "AUTH",
        "SALT",
        "COOKIE",
    ]
    .iter()
    .any(|s| n.contains(s))
        || n.ends_with("_URL") && n.contains("DATABASE")
}

/// A value as it may be shown: secrets masked; a database URL reduced to its host.
pub fn shown(name: &str, value: &str) -> String {
    if name.eq_ignore_ascii_case("DATABASE_URL") {
        return match db_host(value) {
            Some(host) => format!("(host {host}, rest masked)"),
            None => "********".into(),
        };
    }
    if is_secret(name) {
        if value.is_empty() {
            "(empty)".into()
        } else {
            "********".into()
        }
    } else {
        format!("{value:?}")
    }
}

/// The host of `postgresql+psycopg://user:pass@HOST:5432/db`.
pub fn db_host(url: &str) -> Option<String> {
    let after_scheme = url.split_once("://")?.1;
    let authority = after_scheme.split(['/', '?']).next()?;
    let host_port = authority
        .rsplit_once('@')
        .map(|(_, h)| h)
        .unwrap_or(authority);
    let host = if let Some(rest) = host_port.strip_prefix('[') {
        rest.split(']').next()?
    } else {
        host_port.split(':').next()?
    };
    (!host.is_empty()).then(|| host.to_string())
}

/// What the rules need to know besides the file.
pub struct Context<'a> {
    /// The runner's loop interval (from the running container's command), when known.
    pub loop_interval: Option<u64>,
    /// The services of the compose project, when the engine could be asked.
    pub services: Option<&'a BTreeSet<String>>,
    pub env_file_path: &'a str,
}

/// The rules, in the runbook's order.
pub fn check_rules(env: &EnvFile, ctx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    let edit = |line: &str| {
        Some(format!(
            "set {line} in {} (then: {} up -d jobs api)",
            ctx.env_file_path,
            crate::docker::compose::cli()
        ))
    };
    for (name, default_note) in [
        (
            "JOBS_ENABLED",
            "unset: the app's default is false, so the runner's heartbeat is not enforced by JOBS_ENABLED",
        ),
        (
            "JOB_HEARTBEAT_REQUIRED",
            "unset: the app's default is false",
        ),
    ] {
        match env.get(name) {
            None => out.push(finding(name, Mark::Failed, default_note, edit(&format!("{name}=true")))),
            Some(v) => match parse_bool(v) {
                Some(true) => out.push(finding(name, Mark::Ok, format!("{v:?} (true)"), None)),
                Some(false) => out.push(finding(name, Mark::Failed, format!("{v:?} is false"), edit(&format!("{name}=true")))),
                None => out.push(finding(
                    name,
                    Mark::Failed,
                    format!("{v:?} is not a boolean the app accepts: settings fail at import and api and jobs crash"),
                    edit(&format!("{name}=true")),
                )),
            },
        }
    }

    // The TTL is judged against the runner's loop, read from the running jobs container. Without
    // one (no engine, no container) the value is checked for form only: a default interval is
    // no ground for telling anyone to change production.
    let ttl_rule = "JOB_HEARTBEAT_TTL_SECONDS";
    let not_compared = "not compared with the runner's loop: no running jobs container to read its --interval from";
    match (env.get(ttl_rule), ctx.loop_interval) {
        (Some(v), _) if v.trim().parse::<i64>().is_err() => out.push(finding(
            ttl_rule,
            Mark::Failed,
            format!("{v:?} is not an integer: settings fail at import"),
            edit("JOB_HEARTBEAT_TTL_SECONDS=180"),
        )),
        (None, None) => out.push(finding(
            ttl_rule,
            Mark::Skipped,
            format!("unset: the app's default 180s; {not_compared}"),
            None,
        )),
        (Some(v), None) => out.push(finding(
            ttl_rule,
            Mark::Skipped,
            format!("{}s; {not_compared}", v.trim()),
            None,
        )),
        (value, Some(interval)) => {
            let min_ttl = interval * 2;
            let ttl = value
                .and_then(|v| v.trim().parse::<i64>().ok())
                .unwrap_or(crate::config::APP_DEFAULT_HEARTBEAT_TTL as i64);
            let said = match value {
                None => "unset: the app's default 180s".to_string(),
                Some(_) => format!("{ttl}s"),
            };
            if ttl < min_ttl as i64 {
                out.push(finding(
                    ttl_rule,
                    Mark::Failed,
                    format!("{said} is less than twice the loop ({min_ttl}s): a healthy runner will read as stale; the runner loops every {interval}s plus the jobs' own time"),
                    edit(&format!("JOB_HEARTBEAT_TTL_SECONDS={}", min_ttl.max(180))),
                ))
            } else {
                out.push(finding(
                    ttl_rule,
                    Mark::Ok,
                    format!("{said}, at least twice the loop ({min_ttl}s)"),
                    None,
                ))
            }
        }
    }

    match env.get("JOB_RUNNER_ID").map(str::trim) {
        Some(id) if !id.is_empty() => out.push(finding("JOB_RUNNER_ID", Mark::Ok, format!("{id:?}"), None)),
        _ => out.push(finding(
            "JOB_RUNNER_ID",
            Mark::Warning,
            "unset: the runner id is the container's hostname and changes whenever the container is re-created",
            None,
        )),
    }

    match env.get("APP_ENV") {
        None => out.push(finding(
            "APP_ENV",
            Mark::Ok,
            "unset: the app's default is prod",
            None,
        )),
        Some(v) if APP_ENVS.contains(&v.trim().to_ascii_lowercase().as_str()) => {
            out.push(finding("APP_ENV", Mark::Ok, format!("{v:?}"), None))
        }
        Some(v) => out.push(finding(
            "APP_ENV",
            Mark::Failed,
            format!(
                "{v:?} is not one of {}: settings fail at import",
                APP_ENVS.join(", ")
            ),
            edit("APP_ENV=prod"),
        )),
    }

    // The `postgres` vs `db` trap: the app's default host is `postgres`; the root compose
    // names the service `db`.
    let (url_host, from_default) = match env.get("DATABASE_URL") {
        Some(url) => (db_host(url), false),
        None => (Some("postgres".to_string()), true),
    };
    match (url_host, ctx.services) {
        (None, _) => out.push(finding(
            "DATABASE_URL",
            Mark::Failed,
            "has no host the app can connect to",
            edit("DATABASE_URL=postgresql+psycopg://USER:PASSWORD@db:5432/DBNAME"),
        )),
        (Some(host), Some(services))
            if !services.contains(&host) && !host.contains('.') && host != "localhost" =>
        {
            let suggestion = if services.contains("db") {
                "db"
            } else {
                "<the database service>"
            };
            out.push(finding(
                "DATABASE_URL",
                Mark::Failed,
                format!(
                    "{}host {host:?} is not a service of this compose project (services: {}): the app cannot reach its database",
                    if from_default { "unset, so the app's default " } else { "" },
                    services.iter().cloned().collect::<Vec<_>>().join(", ")
                ),
                edit(&format!("DATABASE_URL with the host {suggestion}")),
            ))
        }
        (Some(host), services) => out.push(finding(
            "DATABASE_URL",
            Mark::Ok,
            format!(
                "host {host}{}",
                if services.is_none() {
                    " (services not checked: no engine)"
                } else {
                    ""
                }
            ),
            None,
        )),
    }
    out
}

/// A variable whose value in the file differs from the running container's.
#[derive(Clone, Debug, Serialize)]
pub struct Drift {
    pub name: String,
    pub in_file: String,
    pub in_container: String,
}

/// Compare the file with the container's environment, for the names the file sets. The
/// container's values come from the file as it was when the container was created: a
/// difference means the file was edited and the container not re-created.
pub fn drift(env: &EnvFile, container_env: &HashMap<String, String>) -> Vec<Drift> {
    let upper: HashMap<String, &String> = container_env
        .iter()
        .map(|(k, v)| (k.to_ascii_uppercase(), v))
        .collect();
    env.vars
        .iter()
        .filter_map(|(name, value)| {
            let running = upper.get(name);
            if running.is_some_and(|r| *r == value) {
                return None;
            }
            Some(Drift {
                name: name.clone(),
                in_file: shown(name, value),
                in_container: running
                    .map(|r| shown(name, r))
                    .unwrap_or_else(|| "(not set)".into()),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> EnvFile {
        EnvFile {
            vars: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        }
    }

    fn mark_of(f: &[Finding], rule: &str) -> Mark {
        f.iter().find(|x| x.rule == rule).unwrap().mark
    }

    #[test]
    fn the_rules() {
        let services: BTreeSet<String> = ["api", "db", "jobs"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let ctx = Context {
            loop_interval: Some(60),
            services: Some(&services),
            env_file_path: "/opt/cleaning/.env",
        };
        let good = env(&[
            ("JOBS_ENABLED", "True"),
            ("JOB_HEARTBEAT_REQUIRED", "1"),
            ("JOB_HEARTBEAT_TTL_SECONDS", "180"),
            ("JOB_RUNNER_ID", "jobs-1"),
            ("APP_ENV", "prod"),
            ("DATABASE_URL", "postgresql+psycopg://u:p@db:5432/cleaning"),
        ]);
        assert!(check_rules(&good, &ctx).iter().all(|f| f.mark == Mark::Ok));

        let bad = env(&[
            ("JOBS_ENABLED", "false"),
            ("JOB_HEARTBEAT_TTL_SECONDS", "90"),
            ("APP_ENV", "production"),
            (
                "DATABASE_URL",
                "postgresql+psycopg://u:p@postgres:5432/cleaning",
            ),
        ]);
        let f = check_rules(&bad, &ctx);
        for rule in [
            "JOBS_ENABLED",
            "JOB_HEARTBEAT_REQUIRED",
            "JOB_HEARTBEAT_TTL_SECONDS",
            "APP_ENV",
            "DATABASE_URL",
        ] {
            assert_eq!(mark_of(&f, rule), Mark::Failed, "{rule}");
        }
        assert_eq!(mark_of(&f, "JOB_RUNNER_ID"), Mark::Warning);
        let db = f.iter().find(|x| x.rule == "DATABASE_URL").unwrap();
        assert!(db.detail.contains("\"postgres\""), "{}", db.detail);
        assert!(db.fix.as_ref().unwrap().contains("host db"));
        assert!(
            !format!("{f:?}").contains("u:p"),
            "the password never shows"
        );

        // Unset DATABASE_URL: the app's default host postgres.
        let f = check_rules(&env(&[]), &ctx);
        assert!(
            f.iter()
                .find(|x| x.rule == "DATABASE_URL")
                .unwrap()
                .detail
                .contains("default")
        );
        // A slow loop needs a longer TTL.
        let ctx = Context {
            loop_interval: Some(120),
            ..ctx
        };
        let f = check_rules(&env(&[("JOB_HEARTBEAT_TTL_SECONDS", "180")]), &ctx);
        assert_eq!(mark_of(&f, "JOB_HEARTBEAT_TTL_SECONDS"), Mark::Failed);
    }

    #[test]
    fn drift_and_masking() {
        let file = env(&[
            ("JOBS_ENABLED", "false"),
            ("ADMIN_BASIC_PASSWORD", "new-secret"),
            ("SAME", "1"),
            ("NEW_ONE", "x"),
        ]);
        let running: HashMap<String, String> = [
            ("JOBS_ENABLED", "true"),
            ("ADMIN_BASIC_PASSWORD", "old-secret"),
            ("SAME", "1"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let d = drift(&file, &running);
        let names: Vec<&str> = d.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(names, ["ADMIN_BASIC_PASSWORD", "JOBS_ENABLED", "NEW_ONE"]);
        assert!(!format!("{d:?}").contains("secret"));
        assert_eq!(d[1].in_file, "\"false\"");
        assert_eq!(d[2].in_container, "(not set)");
    }

    #[test]
    fn hosts_of_database_urls() {
        assert_eq!(
            db_host("postgresql+psycopg://u:p@db:5432/x").as_deref(),
            Some("db")
        );
        assert_eq!(db_host("postgresql://db/x").as_deref(), Some("db"));
        assert_eq!(
            db_host("postgresql://u:p@[::1]:5432/x").as_deref(),
            Some("::1")
        );
        assert_eq!(db_host("not a url"), None);
    }
}
