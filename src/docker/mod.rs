//! The container side, behind one narrow module: reach the engine, find a compose service's
//! containers, read their state and logs, restart them, run a command in them. Other backends
//! (several engines over ssh, Swarm, Kubernetes) would sit beside this one.

pub mod compose;
pub mod engine;
pub mod exec;
pub mod logs;
pub mod transport;

#[cfg(all(test, feature = "sim"))]
mod fake_engine;

pub use compose::Container;
pub use engine::Engine;
