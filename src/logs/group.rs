//! A container's lines as what to show: each line read in its stream, and (when summarizing)
//! each traceback as one entry that keeps only its count of lines and its exception line, so a
//! traceback of any length costs constant memory.

use time::OffsetDateTime;

use super::context::{Classified, Context, Part};
use super::parse::Level;
use crate::docker::logs::LogLine;

/// What to show.
#[derive(Clone, Debug, PartialEq)]
pub enum Entry {
    /// One stored line.
    Line(LogLine, Box<Classified>),
    /// A traceback, summarized.
    Traceback(TracebackSummary),
}

/// A traceback as one entry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TracebackSummary {
    /// Its first line's time.
    pub ts: Option<OffsetDateTime>,
    pub stderr: bool,
    /// How many lines it had.
    pub lines: usize,
    /// Its last exception line: in a chain, the exception raised (the others were its causes).
    pub exception: Option<String>,
}

impl Entry {
    pub fn ts(&self) -> Option<OffsetDateTime> {
        match self {
            Entry::Line(l, _) => l.ts,
            Entry::Traceback(t) => t.ts,
        }
    }

    /// The level `--level` goes by: a traceback's is `error`.
    pub fn level(&self) -> Option<Level> {
        match self {
            Entry::Line(_, c) => c.level,
            Entry::Traceback(_) => Some(Level::Error),
        }
    }
}

/// How lines become entries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reading {
    /// Read the lines at all (`--raw` without `--level` does not).
    pub classify: bool,
    /// One entry a traceback.
    pub summarize: bool,
}

/// The lines of one container (stdout and stderr each read in their own context).
#[derive(Debug, Default)]
pub struct Grouper {
    reading: Reading,
    contexts: [Context; 2],
    open: [Option<TracebackSummary>; 2],
}

impl Grouper {
    pub fn new(reading: Reading) -> Grouper {
        Grouper {
            reading,
            ..Grouper::default()
        }
    }

    /// The next line of the container: entries for `out`, now or (a traceback) once it ends.
    pub fn push(&mut self, line: LogLine, out: &mut impl Extend<Entry>) {
        if !self.reading.classify {
            out.extend([Entry::Line(line, Box::default())]);
            return;
        }
        let k = usize::from(line.stderr);
        let c = self.contexts[k].read(&line.text);
        if !self.reading.summarize {
            out.extend([Entry::Line(line, Box::new(c))]);
            return;
        }
        if c.part.in_traceback() {
            if c.part == Part::TracebackStart
                && let Some(done) = self.open[k].take()
            {
                out.extend([Entry::Traceback(done)]);
            }
            let t = self.open[k].get_or_insert_with(|| TracebackSummary {
                ts: line.ts,
                stderr: line.stderr,
                ..TracebackSummary::default()
            });
            t.lines += 1;
            if c.part == Part::Exception {
                t.exception = Some(line.text);
            }
            return;
        }
        if let Some(done) = self.open[k].take() {
            out.extend([Entry::Traceback(done)]);
        }
        out.extend([Entry::Line(line, Box::new(c))]);
    }

    /// A traceback is open: it is shown when it ends, or on [`Grouper::flush`].
    pub fn holding(&self) -> bool {
        self.open.iter().any(Option::is_some)
    }

    /// Hands on the open tracebacks as they stand (the stream ended, or went quiet).
    pub fn flush(&mut self, out: &mut impl Extend<Entry>) {
        let mut done: Vec<TracebackSummary> =
            self.open.iter_mut().filter_map(Option::take).collect();
        done.sort_by_key(|t| t.ts);
        out.extend(done.into_iter().map(Entry::Traceback));
    }
}

/// Entries of a whole list of lines (the diagnosis reads a bounded tail).
pub fn summarize(lines: &[LogLine]) -> Vec<Entry> {
    let mut g = Grouper::new(Reading {
        classify: true,
        summarize: true,
    });
    let mut out = Vec::new();
    for l in lines {
        g.push(l.clone(), &mut out);
    }
    g.flush(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::parse::Format;

    fn lines(text: &str, stderr: bool) -> Vec<LogLine> {
        text.lines()
            .enumerate()
            .map(|(i, t)| LogLine {
                ts: Some(OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(i as i64)),
                stderr,
                text: t.to_string(),
            })
            .collect()
    }

    #[test]
    fn a_chained_traceback_becomes_one_entry_with_the_exception_raised() {
        let entries = summarize(&lines(super::super::context::tests::CRASH, true));
        assert_eq!(entries.len(), 5, "{entries:#?}");
        assert!(
            matches!(&entries[0], Entry::Line(l, c) if l.text == "WARNING:__main__:job_failed" && c.parsed.format == Format::Python)
        );
        let Entry::Traceback(t) = &entries[1] else {
            panic!("{entries:#?}")
        };
        assert_eq!(t.lines, 13);
        assert_eq!(
            t.ts,
            Some(OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(1))
        );
        assert!(
            t.exception.as_deref().is_some_and(|e| e.starts_with(
                "sqlalchemy.exc.OperationalError: (psycopg.OperationalError) connection failed"
            )),
            "{t:?}"
        );
        assert_eq!(entries[1].level(), Some(Level::Error));
        assert!(matches!(&entries[2], Entry::Line(l, _) if l.text == "INFO:__main__:job_complete"));
    }

    #[test]
    fn tracebacks_on_the_other_stream_do_not_hold_this_one() {
        let mut g = Grouper::new(Reading {
            classify: true,
            summarize: true,
        });
        let mut out: Vec<Entry> = Vec::new();
        for l in lines("Traceback (most recent call last):\n  File \"x\"", true) {
            g.push(l, &mut out);
        }
        assert!(out.is_empty() && g.holding());
        for l in lines("{\"level\": \"INFO\", \"message\": \"request\"}", false) {
            g.push(l, &mut out);
        }
        assert_eq!(out.len(), 1);
        // Flushed while the frames go on: a summary without an exception line, so far.
        g.flush(&mut out);
        assert!(matches!(&out[1], Entry::Traceback(t) if t.lines == 2 && t.exception.is_none()));
        assert!(!g.holding());
        // Not summarizing: every line, read.
        let mut g = Grouper::new(Reading {
            classify: true,
            summarize: false,
        });
        let mut out: Vec<Entry> = Vec::new();
        for l in lines(
            "Traceback (most recent call last):\n  File \"x\"\nE: y",
            true,
        ) {
            g.push(l, &mut out);
        }
        let parts: Vec<Part> = out
            .iter()
            .map(|e| match e {
                Entry::Line(_, c) => c.part,
                Entry::Traceback(_) => Part::Plain,
            })
            .collect();
        assert_eq!(
            parts,
            [Part::TracebackStart, Part::Traceback, Part::Exception]
        );
    }
}
