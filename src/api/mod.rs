//! The app's HTTP API: the client, the contract's types, and what the answers mean.

pub mod client;
pub mod dlq;
pub mod jobs;
pub mod memory;
pub mod readiness;
pub mod replay;
pub mod types;

pub use client::{Client, ClientOptions, Response};
