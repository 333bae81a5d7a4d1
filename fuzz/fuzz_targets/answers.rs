//! The app's answers, any bytes: readiness (and the reading of each check), job rows, DLQ
//! pages, problem+json, and the excerpt an error shows.

use cleanops::api::client::excerpt;
use cleanops::api::readiness::{Heartbeat, reading};
use cleanops::api::types::{DlqPage, JobRow, Problem, Readiness};

fn main() {
    afl::fuzz!(|data: &[u8]| {
        if let Some(r) = Readiness::parse(data) {
            for check in &r.checks {
                let _ = reading(check);
                let _ = Heartbeat::from_check(check, None).reading();
                let _ = Heartbeat::from_check(check, Some(1.0)).reading();
            }
            let again = serde_json::to_vec(&r).expect("readiness serializes");
            assert!(Readiness::parse(&again).is_some(), "its own output parses");
        }
        if let Ok(rows) = serde_json::from_slice::<Vec<JobRow>>(data) {
            let text = serde_json::to_string(&rows).expect("rows serialize");
            let back: Vec<JobRow> = serde_json::from_str(&text).expect("rows read back");
            assert_eq!(back.len(), rows.len());
        }
        if let Ok(page) = serde_json::from_slice::<DlqPage>(data) {
            let text = serde_json::to_string(&page).expect("a page serializes");
            let _: DlqPage = serde_json::from_str(&text).expect("a page reads back");
        }
        if let Some(p) = Problem::parse(data) {
            let _ = p.summary();
        }
        let e = excerpt(data, 200);
        assert!(!e.contains('\n'), "an excerpt is one line");
    });
}
