//! Running a command inside a container, bounded in time, its output streamed, its exit code
//! read with an exec inspect (a command that cannot even start says so only in its output).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use anyhow::Result;
use bollard::container::LogOutput;
use bollard::exec::{StartExecOptions, StartExecResults};
use bollard::models::ExecConfig;
use futures_util::StreamExt;
use serde::Serialize;

use super::engine::Engine;
use super::logs::{LineSplitter, LogLine};

/// Lines of output kept for the report (the whole output is streamed, not kept).
const KEPT_LINES: usize = 40;

#[derive(Clone, Debug, Serialize)]
pub struct ExecOutcome {
    /// The remote exit code; `None` when it did not finish within the limit.
    pub exit_code: Option<i64>,
    pub timed_out: bool,
    pub duration_seconds: f64,
    /// The last lines of output (stdout and stderr interleaved as they came).
    pub output_tail: Vec<String>,
}

/// Run `cmd` in `container_id`; `on_line` sees each line as it arrives.
pub async fn run(
    engine: &Engine,
    container_id: &str,
    cmd: &[String],
    limit: Duration,
    mut on_line: impl FnMut(&LogLine),
) -> Result<ExecOutcome> {
    let started = Instant::now();
    let config = ExecConfig {
        cmd: Some(cmd.to_vec()),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        ..Default::default()
    };
    let created = engine
        .call(
            "create exec",
            engine.docker().create_exec(container_id, config),
        )
        .await?;
    let results = engine
        .call(
            "start exec",
            engine.docker().start_exec(
                &created.id,
                Some(StartExecOptions {
                    detach: false,
                    tty: false,
                    output_capacity: None,
                }),
            ),
        )
        .await?;
    let mut tail: VecDeque<String> = VecDeque::new();
    let mut keep = |line: LogLine, on_line: &mut dyn FnMut(&LogLine)| {
        on_line(&line);
        if tail.len() == KEPT_LINES {
            tail.pop_front();
        }
        tail.push_back(line.text);
    };
    let mut timed_out = false;
    if let StartExecResults::Attached { mut output, .. } = results {
        let mut out = LineSplitter::default();
        let mut err = LineSplitter::default();
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let frame = match tokio::time::timeout_at(deadline, output.next()).await {
                Err(_) => {
                    timed_out = true;
                    break;
                }
                Ok(None) => break,
                Ok(Some(Err(e))) => {
                    return Err(super::engine::engine_error(
                        &engine.target,
                        "read the exec output",
                        e,
                    )
                    .into());
                }
                Ok(Some(Ok(frame))) => frame,
            };
            let (bytes, is_err) = match frame {
                LogOutput::StdErr { message } => (message, true),
                LogOutput::StdOut { message } | LogOutput::Console { message } => (message, false),
                LogOutput::StdIn { .. } => continue,
            };
            let mut lines = Vec::new();
            let splitter = if is_err { &mut err } else { &mut out };
            splitter.push(&bytes, &mut |l| lines.push(plain_line(l, is_err)));
            for l in lines {
                keep(l, &mut on_line);
            }
        }
        let mut rest = Vec::new();
        out.finish(&mut |l| rest.push(plain_line(l, false)));
        err.finish(&mut |l| rest.push(plain_line(l, true)));
        for l in rest {
            keep(l, &mut on_line);
        }
    }
    let exit_code = if timed_out {
        None
    } else {
        // The stream can end a moment before the engine records the exit code.
        let mut code = None;
        for _ in 0..20 {
            let inspect = engine
                .call("inspect exec", engine.docker().inspect_exec(&created.id))
                .await?;
            if inspect.running != Some(true) {
                code = inspect.exit_code;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        code
    };
    Ok(ExecOutcome {
        exit_code,
        timed_out,
        duration_seconds: started.elapsed().as_secs_f64(),
        output_tail: tail.into_iter().collect(),
    })
}

fn plain_line(raw: &[u8], stderr: bool) -> LogLine {
    LogLine {
        ts: None,
        stderr,
        text: String::from_utf8_lossy(raw).into_owned(),
    }
}
