//! Facts about CleanWithSnapshot that the simulator plays, written down here from the app's
//! behaviour (docs/app-contract.md), not borrowed from cleanops: the client keeps its own copy
//! of what it relies on, so a wrong belief on one side makes a test fail instead of agreeing
//! with itself.

/// The runner's registry: these run in this order on every loop of `python -m app.jobs.run`
/// (docs/app-contract.md §6.2).
pub const DEFAULT_JOBS: [&str; 23] = [
    "booking-reminders",
    "invoice-reminders",
    "nps-send-runner",
    "email-dlq",
    "outbox-delivery",
    "dlq-auto-replay",
    "storage-janitor",
    "storage-quota-cleanup",
    "storage-quota-reconcile",
    "audit-retention",
    "log-retention-daily",
    "data-retention-daily",
    "data-retention-weekly",
    "soft-delete-purge-daily",
    "feature-flag-retirement",
    "feature-flag-governance",
    "notifications-digest-daily",
    "notifications-digest-weekly",
    "notifications-digest-monthly",
    "gcal-sync",
    "qbo-sync",
    "leads-nurture-runner",
    "quota-alerts",
];

/// Registered, but run only when named with `--job` (docs/app-contract.md §6.2).
pub const EXTRA_JOBS: [&str; 5] = [
    "nps-send",
    "accounting-export",
    "analytics-retention-daily",
    "data-rights-export",
    "data-export-retention",
];

/// A name the runner accepts with `--job`; any other fails at start-up with `unknown_job:<name>`.
pub fn is_known_job(name: &str) -> bool {
    DEFAULT_JOBS.contains(&name) || EXTRA_JOBS.contains(&name)
}

/// A boolean setting as the app's settings (pydantic) read it from the environment
/// (`JOBS_ENABLED`, `JOB_HEARTBEAT_REQUIRED`); `None` for a value the app refuses.
pub fn env_bool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "t" | "yes" | "y" | "on" => Some(true),
        "0" | "false" | "f" | "no" | "n" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_has_no_name_twice() {
        let mut all: Vec<&str> = DEFAULT_JOBS
            .iter()
            .chain(EXTRA_JOBS.iter())
            .copied()
            .collect();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), DEFAULT_JOBS.len() + EXTRA_JOBS.len());
        assert!(is_known_job("nps-send") && !is_known_job("storage_janitor"));
    }

    #[test]
    fn booleans_as_pydantic_reads_them() {
        assert_eq!(env_bool(" Yes "), Some(true));
        assert_eq!(env_bool("off"), Some(false));
        assert_eq!(env_bool("2"), None);
    }
}
