//! What the app's logs say (docs/app-contract.md §13), for `cleanops logs` and the log checks of the
//! diagnosis: the api's JSON records (`{"timestamp","level","message","logger","request_id",
//! ...}`, an unhandled error with its whole traceback in `"exception"`), uvicorn's plain lines,
//! the runner's `LEVEL:logger:message`, PostgreSQL's lines, and Python tracebacks over many
//! plain lines.
//!
//! - [`parse`]: one line on its own (format, level, message, fields, an exception's line);
//! - [`context`]: a stream's lines in order (where a traceback starts and ends, which lines
//!   continue a record, the level `--level` goes by);
//! - [`group`]: a container's lines as entries to show, a traceback as one;
//! - [`show`]: entries as text or JSON;
//! - [`stream`]: the same over a container's log stream, as it arrives.
//!
//! Everything here but `stream` is pure functions and bounded state: no line is kept beyond
//! the one being read, whatever a container prints.

pub mod context;
pub mod group;
pub mod parse;
pub mod show;
pub mod stream;

pub use group::{Entry, Grouper, Reading};
pub use parse::Level;
