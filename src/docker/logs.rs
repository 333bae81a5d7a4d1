//! Container logs as lines: the engine's frames split into lines in constant memory, each line's
//! timestamp read (the engine adds one; it is how services merge and how a follow resumes
//! without printing a line twice).
//!
//! A line over 16 KiB is stored by the json-file driver as several partial entries, and read
//! with timestamps each entry starts with its own: `TS1 first 16 KiB` `TS2 next 16 KiB`
//! `TS3 rest\n` (a piece that does not end in a newline continues in the next entry of the same
//! stream). [`EntryJoiner`] takes every entry's timestamp off and joins the pieces, so a line
//! comes out whole with one timestamp, its first piece's.

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

/// The size of the partial entries the engine stores a long line as (the log copier's buffer,
/// and so the json-file driver's pieces). Frames delimit entries; a TTY's raw stream does not,
/// and there a timestamp may start after this many bytes of a line.
pub const ENGINE_PIECE: usize = 16 * 1024;

/// How far into an entry its timestamp's space may be (`split_timestamp` looks this far).
const STAMP_MAX: usize = 40;

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

    /// Whether the next byte starts a line (nothing of a line is held).
    pub fn at_line_start(&self) -> bool {
        self.partial.is_empty()
    }
}

/// One output stream (stdout or stderr) of a log read with `timestamps=true`, as lines with
/// one timestamp each: every entry's timestamp is taken off, and the partial entries of a long
/// line are joined (the line keeps its first entry's time). Memory is bounded as in
/// [`LineSplitter`]: a line over MAX_LINE comes out in pieces of MAX_LINE, each with the line's
/// time.
///
/// Where entries start: at each frame of a multiplexed stream ([`EntryJoiner::frame`]: the
/// engine writes one frame per entry), and in a TTY's raw bytes ([`EntryJoiner::raw`]) after
/// each newline and after each [`ENGINE_PIECE`] bytes of a line. Bytes at an entry's start
/// that are not a timestamp are kept as text: nothing is dropped that is not a timestamp.
#[derive(Default)]
pub struct EntryJoiner {
    lines: LineSplitter,
    /// The first bytes of an entry, until they show whether a timestamp starts it (at most
    /// STAMP_MAX).
    head: Vec<u8>,
    /// The next bytes start an entry.
    at_entry: bool,
    /// Bytes of text in the current entry (raw streams: where the next piece may start).
    in_entry: usize,
    /// The time of the line in progress: its first entry's.
    line_ts: Option<OffsetDateTime>,
    started: bool,
}

impl EntryJoiner {
    /// One frame of a multiplexed stream: one entry.
    pub fn frame(&mut self, bytes: &[u8], emit: &mut impl FnMut(Option<OffsetDateTime>, &[u8])) {
        // A frame too short to show its timestamp: what it held is text.
        self.settle_head(emit);
        self.at_entry = true;
        self.in_entry = 0;
        self.started = true;
        self.feed(bytes, false, emit);
    }

    /// Bytes of a TTY's raw stream, cut anywhere.
    pub fn raw(&mut self, bytes: &[u8], emit: &mut impl FnMut(Option<OffsetDateTime>, &[u8])) {
        if !self.started {
            self.started = true;
            self.at_entry = true;
        }
        self.feed(bytes, true, emit);
    }

    /// The last line, if the stream ended without a newline.
    pub fn finish(&mut self, emit: &mut impl FnMut(Option<OffsetDateTime>, &[u8])) {
        self.settle_head(emit);
        let ts = self.line_ts;
        self.lines.finish(&mut |l| emit(ts, l));
    }

    fn feed(
        &mut self,
        mut bytes: &[u8],
        unframed: bool,
        emit: &mut impl FnMut(Option<OffsetDateTime>, &[u8]),
    ) {
        while !bytes.is_empty() {
            if self.at_entry {
                // Up to the first space (a timestamp's end) or newline, at most STAMP_MAX bytes.
                let room = STAMP_MAX - self.head.len();
                let look = &bytes[..room.min(bytes.len())];
                let take = look
                    .iter()
                    .position(|b| *b == b' ' || *b == b'\n')
                    .map_or(look.len(), |p| p + 1);
                self.head.extend_from_slice(&bytes[..take]);
                bytes = &bytes[take..];
                let decided = self.head.len() >= STAMP_MAX
                    || self.head.last().is_some_and(|b| *b == b' ' || *b == b'\n');
                if decided {
                    self.settle_head(emit);
                }
                continue;
            }
            let limit = if unframed {
                ENGINE_PIECE.saturating_sub(self.in_entry).max(1)
            } else {
                bytes.len()
            };
            let look = &bytes[..limit.min(bytes.len())];
            let n = look
                .iter()
                .position(|b| *b == b'\n')
                .map_or(look.len(), |p| p + 1);
            self.text(&bytes[..n], emit);
            bytes = &bytes[n..];
            if unframed && !self.at_entry && self.in_entry >= ENGINE_PIECE {
                // A partial entry's end: the next may start with its own timestamp.
                self.at_entry = true;
                self.in_entry = 0;
            }
        }
    }

    /// Decide what the head of an entry was: a timestamp (taken off; the line's time when the
    /// entry starts a line) or text.
    fn settle_head(&mut self, emit: &mut impl FnMut(Option<OffsetDateTime>, &[u8])) {
        if !self.at_entry {
            return;
        }
        self.at_entry = false;
        let head = std::mem::take(&mut self.head);
        let (ts, rest) = split_timestamp(&head);
        if self.lines.at_line_start() {
            self.line_ts = ts;
        }
        self.text(rest, emit);
        // Keep the allocation for the next entry.
        self.head = head;
        self.head.clear();
    }

    /// Text of an entry, with at most one newline, at its end.
    fn text(&mut self, bytes: &[u8], emit: &mut impl FnMut(Option<OffsetDateTime>, &[u8])) {
        let ts = self.line_ts;
        self.lines.push(bytes, &mut |l| emit(ts, l));
        self.in_entry += bytes.len();
        if bytes.last() == Some(&b'\n') {
            self.at_entry = true;
            self.in_entry = 0;
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

/// Where a joiner's lines go.
fn line_into(
    stderr: bool,
    lines: &mut Vec<Result<LogLine>>,
) -> impl FnMut(Option<OffsetDateTime>, &[u8]) + '_ {
    move |ts, text| {
        lines.push(Ok(LogLine {
            ts,
            stderr,
            text: String::from_utf8_lossy(text).into_owned(),
        }))
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
    let mut out = EntryJoiner::default();
    let mut err = EntryJoiner::default();
    let mut ended = false;
    let stream = frames
        .map(Some)
        .chain(futures_util::stream::once(async { None }))
        .flat_map(move |item| {
            let mut lines: Vec<Result<LogLine>> = Vec::new();
            match item {
                Some(Ok(frame)) => match frame {
                    LogOutput::StdOut { message } => {
                        out.frame(&message, &mut line_into(false, &mut lines))
                    }
                    LogOutput::StdErr { message } => {
                        err.frame(&message, &mut line_into(true, &mut lines))
                    }
                    // A TTY's one stream: its entries are not framed.
                    LogOutput::Console { message } => {
                        out.raw(&message, &mut line_into(false, &mut lines))
                    }
                    LogOutput::StdIn { .. } => {}
                },
                Some(Err(e)) => {
                    ended = true;
                    lines.push(Err(engine_error(&target, "read the logs", e).into()));
                }
                None if !ended => {
                    out.finish(&mut line_into(false, &mut lines));
                    err.finish(&mut line_into(true, &mut lines));
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

    /// The engine's entries of one line: pieces of ENGINE_PIECE, each with its own timestamp,
    /// the last with the newline.
    fn entries(line: &[u8], first_second: u8) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let n = line.len().div_ceil(ENGINE_PIECE).max(1);
        for (i, piece) in line
            .chunks(ENGINE_PIECE)
            .chain(std::iter::once(&[][..]))
            .take(n)
            .enumerate()
        {
            let mut e = format!("2026-12-02T10:41:{first_second:02}.21531105{i}Z ").into_bytes();
            e.extend_from_slice(piece);
            if i + 1 == n {
                e.push(b'\n');
            }
            out.push(e);
        }
        out
    }

    fn joined(
        frames: &[Vec<u8>],
        raw_chunk: Option<usize>,
    ) -> Vec<(Option<OffsetDateTime>, String)> {
        let mut j = EntryJoiner::default();
        let mut out = Vec::new();
        let mut emit = |ts: Option<OffsetDateTime>, l: &[u8]| {
            out.push((ts, String::from_utf8_lossy(l).into_owned()))
        };
        match raw_chunk {
            None => frames.iter().for_each(|f| j.frame(f, &mut emit)),
            Some(n) => frames.concat().chunks(n).for_each(|c| j.raw(c, &mut emit)),
        }
        j.finish(&mut emit);
        out
    }

    #[test]
    fn partial_entries_join_into_one_line_with_one_timestamp() {
        // A 40 KB line as the json-file driver stores it: three entries, three timestamps.
        let line: Vec<u8> = (0..40_000).map(|i| b"abcdefghij"[i % 10]).collect();
        let mut frames = entries(&line, 44);
        frames.extend(entries(b"next", 45));
        assert_eq!(frames.len(), 4);
        let t44 = split_timestamp(&frames[0]).0;
        let t45 = split_timestamp(&frames[3]).0;
        let want = vec![
            (t44, String::from_utf8(line.clone()).unwrap()),
            (t45, "next".to_string()),
        ];
        assert_eq!(joined(&frames, None), want);
        // A TTY's raw stream has no frames: the same lines however its bytes are cut.
        for chunk in [1, 7, 4096, ENGINE_PIECE, 100_000] {
            assert_eq!(
                joined(&frames, Some(chunk)),
                want,
                "raw in chunks of {chunk}"
            );
        }
    }

    #[test]
    fn entries_without_timestamps_and_odd_frames_keep_their_text() {
        let t = |s: &str| split_timestamp(s.as_bytes()).0;
        let frames: Vec<Vec<u8>> = [
            "2026-12-02T10:41:44.000000001Z first\n",
            // Part of a line in one frame, its timestamp cut in two frames.
            "2026-12-02T10:4",
            "1:45.000000002Z second",
            " half\n",
            // No timestamp: kept whole.
            "plain line\n",
            "2026-12-02T10:41:46.000000003Z \n",
        ]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
        let got = joined(&frames, None);
        assert_eq!(
            got,
            vec![
                (t("2026-12-02T10:41:44.000000001Z x"), "first".to_string()),
                // The frame that held only "2026-12-02T10:4" is text: the engine never
                // frames so, and nothing that is not a whole timestamp is dropped.
                (
                    None,
                    "2026-12-02T10:41:45.000000002Z second half".to_string()
                ),
                (None, "plain line".to_string()),
                (t("2026-12-02T10:41:46.000000003Z x"), String::new()),
            ]
        );
        // A line longer than MAX_LINE: pieces of MAX_LINE, each with the line's time.
        let long = vec![b'y'; MAX_LINE + 20_000];
        let got = joined(&entries(&long, 47), None);
        assert_eq!(got.len(), 2);
        assert!(got.iter().all(|(ts, _)| ts.is_some() && *ts == got[0].0));
        assert_eq!((got[0].1.len(), got[1].1.len()), (MAX_LINE, 20_000));
    }
}
