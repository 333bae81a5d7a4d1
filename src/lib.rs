//! cleanops: the "Job Scheduler Stale/Failing" runbook of CleanWithSnapshot as one binary.

#[cfg(feature = "sim")]
pub mod sim;
