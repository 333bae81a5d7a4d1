//! `cleanops diagnose --watch INTERVAL`: the diagnosis again and again, within the app's rate
//! limit on purpose.
//!
//! The app allows 30 rate-limited requests a minute per client IP (every admin call, 401s
//! included; `/readyz` is exempt: docs/app-contract.md §5.5, §13). A diagnosis spends at most two admin calls
//! (jobs status, the DLQ count), so a watch paces itself to at most [`WATCH_BUDGET`] a minute,
//! leaving the rest to the engineer's other commands: an INTERVAL shorter than that allows is
//! stretched, with a message. Before each round it also looks at this machine's record of the
//! calls every cleanops run made to the API in the last minute, and waits when another command
//! has spent so much that the round would not fit under the limit.
//!
//! On a terminal each round redraws the screen in place; otherwise each round is printed after
//! the last (`--json`: one JSON document a line). Ctrl-C ends it at once, mid-round or between
//! rounds, with exit 130 (the last verdict is on the screen; scripts that want a round's exit
//! code use `--rounds N`, which ends with the last round's).

use std::time::{Duration, Instant};

use anyhow::Result;
use serde_json::json;

use super::Ctx;
use super::diagnose::{self, Diagnosis, PassOptions};
use crate::api::memory::{RATE_LIMIT_PER_MINUTE, wait_for_room};
use crate::cancel::Cancel;
use crate::checks::Check;
use crate::cli::DiagnoseArgs;
use crate::clock::{self, human};
use crate::error::Exit;
use crate::render;

/// Admin calls of one diagnosis: `GET /v1/admin/jobs/status` and the DLQ count.
pub const ADMIN_CALLS_PER_ROUND: usize = 2;
/// Of the app's 30 rate-limited requests a minute, what a watch may spend: the other six stay for
/// the commands an engineer runs beside it (`cleanops dlq`, `heartbeat`, a replay's look-up).
pub const WATCH_BUDGET: usize = 24;
/// No watch goes round faster than this, whatever it costs.
pub const MIN_INTERVAL: Duration = Duration::from_secs(5);

/// The shortest interval that keeps `calls_per_round` within [`WATCH_BUDGET`] a minute, in whole
/// seconds, and never under [`MIN_INTERVAL`].
pub fn min_interval(calls_per_round: usize) -> Duration {
    let secs = (60 * calls_per_round).div_ceil(WATCH_BUDGET) as u64;
    Duration::from_secs(secs).max(MIN_INTERVAL)
}

/// ANSI: cursor home, clear the screen.
const REDRAW: &str = "\x1b[H\x1b[2J";

pub async fn run(
    ctx: &Ctx,
    args: &DiagnoseArgs,
    selected: &[Check],
    every: Duration,
) -> Result<Exit> {
    let opts = PassOptions {
        deadline: args.deadline,
        deep: args.deep,
        quiet: false,
        verbose: ctx.verbose,
        remember: true,
    };
    // One client for the whole watch: what a round learned (no X-Auth-MFA on this instance)
    // holds for the next, and the calls of all rounds are counted together.
    let client = diagnose::pass_client(&ctx.settings, opts)?;
    let calls = if client.has_credentials() {
        ADMIN_CALLS_PER_ROUND
    } else {
        0
    };
    let floor = min_interval(calls);
    let interval = if every < floor {
        let why = if calls > 0 {
            format!(
                "a diagnosis spends up to {calls} admin calls, and the app allows {RATE_LIMIT_PER_MINUTE} a minute per client IP (401s included; cleanops keeps {} for your other commands)",
                RATE_LIMIT_PER_MINUTE - WATCH_BUDGET
            )
        } else {
            format!(
                "no watch goes round faster than every {}",
                human(MIN_INTERVAL.as_secs_f64())
            )
        };
        render::note(&format!(
            "--watch {} is too often: {why}; watching every {} instead",
            human(every.as_secs_f64()),
            human(floor.as_secs_f64())
        ));
        floor
    } else {
        every
    };
    let cancel = Cancel::default();
    {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel.cancel();
            }
        });
    }
    let redraw = ctx.ui.tty && !ctx.ui.json && !args.markdown;
    let mut round: u64 = 0;
    let mut last: Option<(Exit, Option<String>)> = None;
    loop {
        round += 1;
        if calls > 0
            && let Some(memory) = client.memory()
        {
            let ages = memory.recent_calls();
            let wait = wait_for_room(&ages, calls, RATE_LIMIT_PER_MINUTE);
            if !wait.is_zero() {
                render::note(&format!(
                    "round {round} waits {}: cleanops sent {} rate-limited requests to this API in the last minute (this and other cleanops commands), and the app allows {RATE_LIMIT_PER_MINUTE} per client IP",
                    human(wait.as_secs_f64()),
                    ages.len()
                ));
                if !cancel.sleep(wait).await {
                    return Ok(interrupted(round - 1, redraw));
                }
            }
        }
        let started = Instant::now();
        let d = tokio::select! {
            d = diagnose::diagnose_with(ctx.settings.clone(), selected, opts, client.clone()) => d?,
            _ = cancel.cancelled() => return Ok(interrupted(round - 1, redraw)),
        };
        // The incident record gets the first round and every change, not a line per round.
        let key = (d.exit, d.verdict.causes.first().map(|c| c.id.to_string()));
        if last.as_ref() != Some(&key) {
            crate::audit::event(
                "diagnose",
                &format!("{} / project {}", d.api_url, d.project),
                &format!("exit {}", d.exit.code()),
                &format!("watch round {round}: {}", diagnose::summary_line(&d)),
            );
        }
        last = Some(key);
        show(ctx, args, &d, round, (interval, every), redraw);
        // Nobody reads any more (`| head`): the run ends at the top, quietly.
        if render::reader_gone() {
            return Ok(d.exit);
        }
        if args.rounds.is_some_and(|n| round >= n) {
            return Ok(d.exit);
        }
        let next = started + interval;
        if !cancel
            .sleep(next.saturating_duration_since(Instant::now()))
            .await
        {
            return Ok(interrupted(round, redraw));
        }
    }
}

fn interrupted(rounds: u64, redraw: bool) -> Exit {
    if redraw {
        // Leave the prompt below the last report.
        render::out("");
    }
    eprintln!("watch stopped after {rounds} round(s)");
    Exit::Interrupted
}

/// `(interval, asked)`: the interval used, and the one `--watch` asked for.
fn show(
    ctx: &Ctx,
    args: &DiagnoseArgs,
    d: &Diagnosis,
    round: u64,
    (interval, asked): (Duration, Duration),
    redraw: bool,
) {
    if ctx.ui.json {
        let mut doc = diagnose::to_json(d);
        doc["watch"] = json!({"round": round, "interval_seconds": interval.as_secs_f64()});
        match serde_json::to_string(&doc) {
            Ok(line) => render::out(&line),
            Err(e) => render::warn(&format!("cannot encode round {round} as JSON: {e}")),
        }
        return;
    }
    let body = if args.markdown {
        diagnose::markdown(d)
    } else {
        diagnose::screen(d, &ctx.ui)
    };
    // The note about stretching went to stderr before the first redraw cleared it: say it here.
    let stretched = if interval > asked {
        format!(
            " (not {}: the app's rate limit)",
            human(asked.as_secs_f64())
        )
    } else {
        String::new()
    };
    let footer = format!(
        "watching every {}{stretched} · round {round}{} · {} admin call(s) this round · Ctrl-C to stop",
        human(interval.as_secs_f64()),
        args.rounds.map(|n| format!(" of {n}")).unwrap_or_default(),
        d.admin_calls
    );
    if redraw {
        render::out(&format!("{REDRAW}{body}\n{footer}"));
    } else {
        render::out(&format!(
            "── round {round} · {} ──\n{body}",
            clock::rfc3339(d.at)
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_keeps_a_watch_within_its_share_of_the_limit() {
        assert_eq!(min_interval(2), Duration::from_secs(5));
        assert_eq!(min_interval(0), MIN_INTERVAL);
        assert_eq!(min_interval(3), Duration::from_secs(8));
        for calls in 1..=10 {
            let per_minute = 60.0 / min_interval(calls).as_secs_f64() * calls as f64;
            assert!(per_minute <= WATCH_BUDGET as f64, "{calls}: {per_minute}");
        }
    }
}
