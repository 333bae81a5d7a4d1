//! The arguments of the simulator's processes: `serve` (the api), `worker` (the jobs runner,
//! [`crate::WorkerArgs`]) and `db` (the database stand-in, [`crate::DbArgs`]). cleanops' own
//! `cleanops sim ...` and the test stack's `cleanops-sim ...` take the same ones, from here.

use std::time::Duration;

use clap::builder::{PossibleValue, PossibleValuesParser};

use crate::{Scenario, SimOptions};

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0: the OS picks one, printed on start)
    #[arg(long, default_value = "127.0.0.1:8000", value_name = "ADDR")]
    pub listen: String,
    /// Starting state of the simulated deployment
    #[arg(long, default_value = "healthy", value_name = "NAME", value_parser = scenarios())]
    pub scenario: String,
    /// List the scenarios and exit
    #[arg(long)]
    pub list_scenarios: bool,
    /// Seconds the simulated runner sleeps between loops
    #[arg(long, value_parser = parse_duration, default_value = "60s", value_name = "DURATION")]
    pub runner_interval: Duration,
    /// Requests a minute per client IP before 429 (RATE_LIMIT_PER_MINUTE)
    #[arg(long, default_value_t = 30, value_name = "N")]
    pub global_limit: u32,
    /// Replays a minute per org before 429 (ADMIN_ACTION_RATE_LIMIT_PER_MINUTE)
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub action_limit: u32,
    /// Password of the simulated admin user `admin` [env: CLEANOPS_SIM_ADMIN_PASSWORD]
    #[arg(
        long,
        env = "CLEANOPS_SIM_ADMIN_PASSWORD",
        hide_env_values = true,
        value_name = "PASSWORD"
    )]
    pub admin_password: Option<String>,
}

impl ServeArgs {
    /// The options these arguments ask for; an error names the scenarios when the one asked for
    /// is unknown (possible only when the parser was bypassed).
    pub fn options(&self) -> Result<SimOptions, String> {
        let scenario = Scenario::from_name(&self.scenario).ok_or_else(|| {
            let names: Vec<&str> = Scenario::ALL.iter().map(|s| s.name()).collect();
            format!(
                "unknown scenario {:?} (scenarios: {})",
                self.scenario,
                names.join(", ")
            )
        })?;
        let mut opts = SimOptions {
            scenario,
            runner_interval: self.runner_interval,
            global_limit_per_minute: self.global_limit,
            action_limit_per_minute: self.action_limit,
            ..SimOptions::default()
        };
        if let Some(pw) = &self.admin_password {
            opts.admin_password = pw.clone();
        }
        Ok(opts)
    }
}

/// `--scenario`: the scenarios of `--list-scenarios`, with their descriptions (for completions
/// and man pages).
fn scenarios() -> PossibleValuesParser {
    PossibleValuesParser::new(
        Scenario::ALL
            .iter()
            .map(|s| PossibleValue::new(s.name()).help(s.description())),
    )
}

/// `30s`, `1m30s`, `500ms`, `2h`, `1d`, or bare seconds: the durations cleanops' own flags take.
pub fn parse_duration(input: &str) -> Result<Duration, String> {
    // Ten years: longer than any interval a simulation needs, and far from overflowing.
    const MAX: Duration = Duration::from_secs(10 * 365 * 86400);
    let examples = "examples: 30s, 15m, 2h, 1h30m";
    let s = input.trim();
    if s.is_empty() {
        return Err(format!("empty duration ({examples})"));
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return match s.parse::<u64>() {
            Ok(secs) if secs <= MAX.as_secs() => Ok(Duration::from_secs(secs)),
            _ => Err(format!(
                "{input:?} is too long a duration (at most ten years)"
            )),
        };
    }
    let mut total = Duration::ZERO;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        let number: f64 = rest[..digits]
            .parse()
            .map_err(|_| format!("{input:?} is not a duration ({examples})"))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ms" => 0.001,
            "s" | "sec" | "secs" => 1.0,
            "m" | "min" | "mins" => 60.0,
            "h" | "hr" | "hours" => 3600.0,
            "d" | "days" => 86400.0,
            "" => {
                return Err(format!(
                    "{input:?}: a number needs a unit after it (ms, s, m, h, d)"
                ));
            }
            other => {
                return Err(format!(
                    "{input:?}: unknown unit {other:?} (use ms, s, m, h or d)"
                ));
            }
        };
        rest = &rest[unit_len..];
        let secs = number * scale;
        if !secs.is_finite() || secs > MAX.as_secs_f64() {
            return Err(format!(
                "{input:?} is too long a duration (at most ten years)"
            ));
        }
        total += Duration::from_secs_f64(secs);
        if total > MAX {
            return Err(format!(
                "{input:?} is too long a duration (at most ten years)"
            ));
        }
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("60s"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("7"), Ok(Duration::from_secs(7)));
        for bad in ["", "s", "5x", "1.2.3s", "99999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
    }
}
