//! The error type that decides the exit code. Everything else is `anyhow` until it reaches the edge.

use std::fmt;

/// Exit codes, the same for every subcommand (docs/exit-codes.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    Ok = 0,
    Unhealthy = 1,
    Usage = 2,
    Unreachable = 3,
    Auth = 4,
    Unexpected = 5,
    Refused = 6,
    /// cleanops could not write its own output or files: stdout, the replay journal or lock
    /// (disk full, permissions, a closed stdout).
    Local = 7,
    Interrupted = 130,
}

impl Exit {
    pub fn code(self) -> i32 {
        self as i32
    }

    /// The worse of two outcomes, for commands that report several halves (API and engine).
    /// Usage errors and refusals rank above a plain unhealthy result; an unreachable half does too.
    pub fn worst(self, other: Exit) -> Exit {
        self.max(other)
    }
}

/// A failure whose exit code and hints depend on what went wrong.
#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub message: String,
    pub hints: Vec<String>,
    /// What kind of failure, for callers that decide on it (retry, fall back, go on).
    pub kind: Kind,
}

/// What went wrong, typed: the API client and the engine set it where they build the failure,
/// and callers match on it, never on the message.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Kind {
    #[default]
    Other,
    /// No connection could be made (refused, no route, a name that does not resolve): nothing
    /// reached the server, so trying again is safe.
    NotConnected,
    /// The server answered with this HTTP status, which the command could not use.
    Status(u16),
}

impl Kind {
    pub fn status(self) -> Option<u16> {
        match self {
            Kind::Status(s) => Some(s),
            _ => None,
        }
    }

    /// A 5xx: the server is in trouble (not the request).
    pub fn is_server_error(self) -> bool {
        self.status().is_some_and(|s| s >= 500)
    }
}

impl Failure {
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Failure {
            exit,
            message: message.into(),
            hints: Vec::new(),
            kind: Kind::Other,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Failure::new(Exit::Usage, message)
    }

    /// A local disk or permission failure: not the app's fault, and not an unexpected answer.
    pub fn local(message: impl Into<String>) -> Self {
        Failure::new(Exit::Local, message)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// stdout's reader went away (a broken pipe: `cleanops logs -f | head`): not a failure. A
/// command that writes to stdout itself returns it to stop, and the run ends with 0, quietly.
#[derive(Debug)]
pub struct ReaderGone;

impl fmt::Display for ReaderGone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("stdout was closed by its reader")
    }
}

impl std::error::Error for ReaderGone {}

/// The kind of the first failure in the chain that has one.
pub fn kind_of(err: &anyhow::Error) -> Kind {
    err.chain()
        .filter_map(|e| e.downcast_ref::<Failure>())
        .map(|f| f.kind)
        .find(|k| *k != Kind::Other)
        .unwrap_or_default()
}

/// The exit code an error maps to: a `Failure` anywhere in the chain decides, anything else is
/// an unexpected answer (5) — a bug or an input we did not foresee, never a silent success.
pub fn exit_of(err: &anyhow::Error) -> Exit {
    err.chain()
        .find_map(|e| e.downcast_ref::<Failure>())
        .map(|f| f.exit)
        .unwrap_or(Exit::Unexpected)
}

/// Hint lines attached anywhere in the chain.
pub fn hints_of(err: &anyhow::Error) -> Vec<String> {
    err.chain()
        .filter_map(|e| e.downcast_ref::<Failure>())
        .flat_map(|f| f.hints.iter().cloned())
        .collect()
}
