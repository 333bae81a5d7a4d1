//! One stream's lines in order: what each is given the lines before it. A Python traceback is
//! many lines (`Traceback (most recent call last):`, frames, the exception line, more of its
//! message, chained tracebacks); an indented line continues the record above it.
//!
//! Levels, as `--level` reads them:
//! - a record (JSON, `LEVEL:logger:message`, uvicorn, PostgreSQL) has its own;
//! - a line that continues a record (indented, or PostgreSQL's `DETAIL:`/`HINT:`) has the
//!   record's, so it goes when its record goes;
//! - every line of a traceback is `error`: an uncaught exception prints one with no record of
//!   its own, and whatever came before it is no guide to how bad it is;
//! - any other line has none, and `--level` keeps it.

use super::parse::{
    Format, Level, Parsed, is_chain_sentence, is_exception_detail, is_group_exception,
    is_traceback_start, parse_line,
};

/// A line's place in its stream.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Part {
    /// A record of its own.
    Record,
    /// Continues the record before it.
    Continuation,
    /// `Traceback (most recent call last):` that starts a traceback (not a chained one).
    TracebackStart,
    /// Inside a traceback: frames, blank lines, the sentences and headers of a chain, the
    /// further lines of an exception's message.
    Traceback,
    /// A traceback's exception line (`Type: message`); in a chain, the last is the one raised.
    Exception,
    /// Anything else.
    #[default]
    Plain,
}

impl Part {
    pub fn in_traceback(self) -> bool {
        matches!(
            self,
            Part::TracebackStart | Part::Traceback | Part::Exception
        )
    }
}

/// A line read in its stream.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Classified {
    pub parsed: Parsed,
    pub part: Part,
    /// The level `--level` goes by (see the module's header).
    pub level: Option<Level>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum State {
    #[default]
    Outside,
    /// After a traceback's header: frames until the exception line.
    Frames,
    /// After the exception line: more of its message, or a chain going on.
    Message,
}

/// The reader of one stream (stdout or stderr of one container): bounded state, no lines kept.
#[derive(Clone, Debug, Default)]
pub struct Context {
    state: State,
    /// The level of the last record, for the lines that continue it.
    last_level: Option<Level>,
    /// Inside SQLAlchemy's `[SQL: ...]`, which may span lines.
    in_sql: bool,
    /// An exception group's exception line was seen (its traceback is all indented).
    group_exception: bool,
}

impl Context {
    /// Reads the next line of the stream.
    pub fn read(&mut self, text: &str) -> Classified {
        let mut parsed = parse_line(text);
        let part = self.place(text, &parsed);
        let level = match part {
            Part::Record => parsed.level,
            Part::Continuation => self.last_level,
            Part::TracebackStart | Part::Traceback | Part::Exception => {
                parsed.format = Format::Traceback;
                Some(Level::Error)
            }
            Part::Plain => None,
        };
        Classified {
            parsed,
            part,
            level,
        }
    }

    /// Only where the line stands (no parsing kept): for scanning a traceback's text.
    pub fn read_part(&mut self, text: &str) -> Part {
        let parsed = parse_line(text);
        self.place(text, &parsed)
    }

    fn place(&mut self, text: &str, parsed: &Parsed) -> Part {
        let record = parsed.format != Format::Plain && !parsed.continues;
        let blank = text.trim().is_empty();
        let indented = text.starts_with([' ', '\t']) && !blank;
        match self.state {
            State::Frames => {
                if is_traceback_start(text) || blank || is_chain_sentence(text) {
                    return Part::Traceback;
                }
                if indented {
                    if is_group_exception(text) {
                        self.group_exception = true;
                        return Part::Exception;
                    }
                    return Part::Traceback;
                }
                if !record && !self.group_exception {
                    self.state = State::Message;
                    self.in_sql = false;
                    return Part::Exception;
                }
                // A record, or a line after an exception group: the traceback is over.
                self.state = State::Outside;
            }
            State::Message => {
                if is_traceback_start(text) {
                    self.state = State::Frames;
                    self.group_exception = false;
                    return Part::Traceback;
                }
                if self.in_sql && !record {
                    self.in_sql = !text.trim_end().ends_with(']');
                    return Part::Traceback;
                }
                if blank || indented || is_chain_sentence(text) || is_exception_detail(text) {
                    self.in_sql = text.starts_with("[SQL: ") && !text.trim_end().ends_with(']');
                    return Part::Traceback;
                }
                self.state = State::Outside;
                self.in_sql = false;
            }
            State::Outside => {}
        }
        if is_traceback_start(text) {
            self.state = State::Frames;
            self.group_exception = false;
            self.last_level = None;
            return Part::TracebackStart;
        }
        if record {
            self.last_level = parsed.level;
            return Part::Record;
        }
        if parsed.continues || indented {
            return Part::Continuation;
        }
        self.last_level = None;
        Part::Plain
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The runner's crash on a database outage, as it prints it (docs/app-contract.md §6.4): a job_failed
    /// record, then a chained traceback.
    pub(crate) const CRASH: &str = r#"WARNING:__main__:job_failed
Traceback (most recent call last):
  File "/usr/local/lib/python3.13/site-packages/psycopg/connection_async.py", line 135, in connect
    raise last_ex.with_traceback(None)
psycopg.OperationalError: connection failed: connection to server at "db", port 5432 failed: Connection refused
	Is the server running on that host and accepting TCP/IP connections?

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/app/app/jobs/run.py", line 112, in _record_job_result
    await session.execute(stmt)
sqlalchemy.exc.OperationalError: (psycopg.OperationalError) connection failed: connection to server at "db", port 5432 failed: Connection refused
(Background on this error at: https://sqlalche.me/e/20/e3q8)
INFO:__main__:job_complete
  an indented line of that record
plain text"#;

    fn parts(text: &str) -> Vec<(Part, Option<Level>)> {
        let mut c = Context::default();
        text.lines()
            .map(|l| {
                let r = c.read(l);
                (r.part, r.level)
            })
            .collect()
    }

    #[test]
    fn a_chained_traceback_is_one_traceback_with_two_exceptions() {
        use Part::*;
        let got = parts(CRASH);
        let e = Some(Level::Error);
        assert_eq!(
            got,
            vec![
                (Record, Some(Level::Warning)),
                (TracebackStart, e),
                (Traceback, e),
                (Traceback, e),
                (Exception, e),
                (Traceback, e),
                (Traceback, e),
                (Traceback, e),
                (Traceback, e),
                (Traceback, e),
                (Traceback, e),
                (Traceback, e),
                (Exception, e),
                (Traceback, e),
                (Record, Some(Level::Info)),
                (Continuation, Some(Level::Info)),
                (Plain, None),
            ]
        );
    }

    #[test]
    fn a_traceback_ends_at_a_record_or_a_line_that_is_not_its_message() {
        use Part::*;
        let got = parts(
            "Traceback (most recent call last):\n  File \"x\", line 1\nKeyError: 'a'\nStarting worker 2\n  indented after plain",
        );
        let kinds: Vec<Part> = got.iter().map(|g| g.0).collect();
        assert_eq!(
            kinds,
            [TracebackStart, Traceback, Exception, Plain, Continuation]
        );
        // The continuation of a plain line has no level: --level keeps it.
        assert_eq!(got[4].1, None);
        // A record in the middle of the frames ends the traceback without an exception.
        let got = parts("Traceback (most recent call last):\n  File \"x\"\nINFO:a:b");
        assert_eq!(got[2], (Record, Some(Level::Info)));
        // SQL over several lines stays in the message.
        let got = parts(
            "Traceback (most recent call last):\n  File \"x\"\nE: y\n[SQL: SELECT a\nFROM b\nWHERE c]\nafter",
        );
        let kinds: Vec<Part> = got.iter().map(|g| g.0).collect();
        assert_eq!(
            kinds,
            [
                TracebackStart,
                Traceback,
                Exception,
                Traceback,
                Traceback,
                Traceback,
                Plain
            ]
        );
    }

    #[test]
    fn postgres_details_continue_their_record() {
        let got = parts(
            "2026-04-05 20:11:19.123 UTC [62] ERROR:  duplicate key\n2026-04-05 20:11:19.123 UTC [62] DETAIL:  Key (id)=(1) already exists.",
        );
        assert_eq!(got[1], (Part::Continuation, Some(Level::Error)));
    }
}
