//! The simulator of the app (under construction).
