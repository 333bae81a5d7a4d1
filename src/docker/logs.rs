//! Container logs as lines: the engine's frames split into lines in constant memory, each line's
//! timestamp read (the engine adds one; it is how services merge and how a follow resumes
//! without printing a line twice).

use std::pin::Pin;

use anyhow::Result;
use bollard::container::LogOutput;
use bollard::query_parameters::LogsOptions;
use futures_util::{Stream, StreamExt};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::engine::{Engine, engine_error};

/// A longer line is cut into pieces of this size: memory stays bounded whatever a container prints.
pub const MAX_LINE: usize = 64 * 1024;

/// One log line.
#[derive(Clone, Debug, PartialEq)]
pub struct LogLine {
    pub ts: Option<OffsetDateTime>,
    pub stderr: bool,
    /// The text, invalid UTF-8 replaced, without the trailing newline.
    pub text: String,
}

/// Joins the engine's frames into lines. A frame may hold part of a line (the engine splits
/// lines over 16 KiB), one line, or several (TTY streams arrive as raw bytes).
#[derive(Default)]
pub struct LineSplitter {
    partial: Vec<u8>,
}

impl LineSplitter {
    /// Feed bytes; call `emit` with each complete line (without its newline), a line longer
    /// than MAX_LINE in pieces of MAX_LINE — the same pieces however the bytes were framed.
    pub fn push(&mut self, mut bytes: &[u8], emit: &mut impl FnMut(&[u8])) {
        while let Some(nl) = bytes.iter().position(|b| *b == b'\n') {
            let (line, rest) = bytes.split_at(nl);
            if self.partial.is_empty() {
                pieces(line, emit);
            } else {
                self.partial.extend_from_slice(line);
                pieces(&self.partial, emit);
                self.partial.clear();
            }
            bytes = &rest[1..];
        }
        self.partial.extend_from_slice(bytes);
        // Bounded memory: hand on full pieces now, keeping one byte more than a piece, for a
        // `\r` that may end the line.
        while self.partial.len() > MAX_LINE + 1 {
            emit(&self.partial[..MAX_LINE]);
            self.partial.drain(..MAX_LINE);
        }
    }

    /// The last line, if the stream ended without a newline.
    pub fn finish(&mut self, emit: &mut impl FnMut(&[u8])) {
        if !self.partial.is_empty() {
            pieces(&self.partial, emit);
            self.partial.clear();
        }
    }
}

/// One line, without its `\r`, in pieces of at most MAX_LINE.
fn pieces(line: &[u8], emit: &mut impl FnMut(&[u8])) {
    let mut line = strip_cr(line);
    while line.len() > MAX_LINE {
        emit(&line[..MAX_LINE]);
        line = &line[MAX_LINE..];
    }
    emit(line);
}

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// `2026-04-05T20:11:19.123456789Z rest` → (time, rest). Lines without one pass through whole.
pub fn split_timestamp(line: &[u8]) -> (Option<OffsetDateTime>, &[u8]) {
    let Some(space) = line.iter().take(40).position(|b| *b == b' ') else {
        return (None, line);
    };
    let Ok(head) = std::str::from_utf8(&line[..space]) else {
        return (None, line);
    };
    match OffsetDateTime::parse(head, &Rfc3339) {
        Ok(t) => (Some(t), &line[space + 1..]),
        Err(_) => (None, line),
    }
}

pub fn to_line(raw: &[u8], stderr: bool) -> LogLine {
    let (ts, rest) = split_timestamp(raw);
    LogLine {
        ts,
        stderr,
        text: String::from_utf8_lossy(rest).into_owned(),
    }
}

/// What to ask the engine for.
#[derive(Clone, Debug, Default)]
pub struct LogQuery {
    /// Last N lines (`None`: all).
    pub tail: Option<u64>,
    /// Unix seconds.
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub follow: bool,
}

pub type LineStream = Pin<Box<dyn Stream<Item = Result<LogLine>> + Send>>;

/// The lines of one container, in order, as a stream (nothing is buffered beyond one frame).
pub fn container_lines(engine: &Engine, container_id: &str, q: &LogQuery) -> LineStream {
    let opts = LogsOptions {
        follow: q.follow,
        stdout: true,
        stderr: true,
        // The engine's API takes 32-bit seconds here; clamp rather than wrap.
        since: q
            .since
            .map(|s| s.clamp(0, i32::MAX as i64) as i32)
            .unwrap_or(0),
        until: q
            .until
            .map(|s| s.clamp(0, i32::MAX as i64) as i32)
            .unwrap_or(0),
        timestamps: true,
        tail: q
            .tail
            .map(|n| n.to_string())
            .unwrap_or_else(|| "all".into()),
    };
    let target = engine.target.clone();
    let frames = engine.docker().logs(container_id, Some(opts));
    let mut splitter_out = LineSplitter::default();
    let mut splitter_err = LineSplitter::default();
    let mut ended = false;
    let stream = frames
        .map(Some)
        .chain(futures_util::stream::once(async { None }))
        .flat_map(move |item| {
            let mut lines: Vec<Result<LogLine>> = Vec::new();
            match item {
                Some(Ok(frame)) => {
                    let (bytes, is_err) = match frame {
                        LogOutput::StdErr { message } => (message, true),
                        LogOutput::StdOut { message } | LogOutput::Console { message } => {
                            (message, false)
                        }
                        LogOutput::StdIn { .. } => return futures_util::stream::iter(lines),
                    };
                    let splitter = if is_err {
                        &mut splitter_err
                    } else {
                        &mut splitter_out
                    };
                    splitter.push(&bytes, &mut |l| lines.push(Ok(to_line(l, is_err))));
                }
                Some(Err(e)) => {
                    ended = true;
                    lines.push(Err(engine_error(&target, "read the logs", e).into()));
                }
                None if !ended => {
                    splitter_out.finish(&mut |l| lines.push(Ok(to_line(l, false))));
                    splitter_err.finish(&mut |l| lines.push(Ok(to_line(l, true))));
                }
                None => {}
            }
            futures_util::stream::iter(lines)
        });
    Box::pin(stream)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split_all(chunks: &[&[u8]]) -> Vec<Vec<u8>> {
        let mut s = LineSplitter::default();
        let mut out = Vec::new();
        for c in chunks {
            s.push(c, &mut |l| out.push(l.to_vec()));
        }
        s.finish(&mut |l| out.push(l.to_vec()));
        out
    }

    #[test]
    fn frames_become_lines() {
        assert_eq!(split_all(&[b"a\nb\n"]), vec![b"a".to_vec(), b"b".to_vec()]);
        assert_eq!(
            split_all(&[b"par", b"tial\r\nnext"]),
            vec![b"partial".to_vec(), b"next".to_vec()]
        );
        assert_eq!(split_all(&[b"", b"\n"]), vec![b"".to_vec()]);
        let long = vec![b'x'; MAX_LINE * 2 + 10];
        let pieces = split_all(&[&long]);
        assert_eq!(pieces.len(), 3);
        assert!(pieces.iter().all(|p| p.len() <= MAX_LINE));
    }

    #[test]
    fn timestamps_are_split_off() {
        let (ts, rest) =
            split_timestamp(b"2026-04-05T20:11:19.123456789Z INFO:app.jobs.run:job_complete");
        assert_eq!(ts.unwrap().nanosecond(), 123_456_789);
        assert_eq!(rest, b"INFO:app.jobs.run:job_complete");
        let (ts, rest) = split_timestamp(b"no timestamp here");
        assert!(ts.is_none());
        assert_eq!(rest, b"no timestamp here");
        let line = to_line(b"2026-04-05T20:11:19Z bad \xff\xfe utf8", true);
        assert_eq!(line.text, "bad \u{fffd}\u{fffd} utf8");
        assert!(line.stderr);
    }
}
