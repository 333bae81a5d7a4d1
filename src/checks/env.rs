//! `env`: the env file's rules, and drift from the running api and jobs containers (each
//! compared on what acts in it: the heartbeat settings act in the api only, §13).

use std::collections::BTreeSet;
use std::sync::Arc;

use anyhow::Result;

use super::{Outcome, Sources, Status};
use crate::api::jobs::runner_interval;
use crate::envcheck::{self, Context};
use crate::render::Mark;

pub async fn run(s: Arc<Sources>) -> Result<Outcome> {
    let settings = &s.settings;
    let path = settings.env_file.value.display().to_string();
    if let Some(problem) = &settings.env.problem {
        let status = if problem == "not found" {
            Status::Skipped
        } else {
            Status::Failed
        };
        return Ok(Outcome::new(status, format!("env file {path}: {problem}")));
    }
    let jobs = s
        .service("jobs")
        .await
        .ok()
        .and_then(|j| j.containers.first().cloned());
    let services: Option<BTreeSet<String>> = s.services().await.ok().map(|all| {
        all.iter()
            .filter(|x| !x.containers.is_empty())
            .map(|x| x.service.clone())
            .collect()
    });
    let findings = envcheck::check_rules(
        &settings.env,
        &Context {
            loop_interval: jobs.as_ref().map(|c| runner_interval(&c.command)),
            services: services.as_ref().filter(|s| !s.is_empty()),
            env_file_path: &path,
        },
    );
    let api = s
        .service("api")
        .await
        .ok()
        .and_then(|a| a.containers.first().cloned());
    let mut drift = Vec::new();
    for (service, c) in [("api", api.as_ref()), ("jobs", jobs.as_ref())] {
        if let Some(c) = c {
            drift.extend(
                super::verdict::service_drift(&settings.env, service, c)
                    .into_iter()
                    .map(|d| (service, d)),
            );
        }
    }
    let failed: Vec<_> = findings.iter().filter(|f| f.mark == Mark::Failed).collect();
    let mut parts = Vec::new();
    if !failed.is_empty() {
        parts.push(
            failed
                .iter()
                .map(|f| f.rule.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    if !drift.is_empty() {
        parts.push(format!(
            "{} variable(s) differ from the running containers",
            drift.len()
        ));
    }
    let mut o = if parts.is_empty() {
        Outcome::new(
            Status::Ok,
            format!(
                "{path}: the rules hold{}",
                if jobs.is_some() || api.is_some() {
                    ", no drift"
                } else {
                    "; the TTL against the runner's loop and drift not checked (no running api or jobs container seen)"
                }
            ),
        )
    } else {
        Outcome::new(Status::Failed, format!("{path}: {}", parts.join("; ")))
    };
    for f in findings.iter().filter(|f| f.mark != Mark::Ok) {
        o = o.evidence(format!("{}: {}", f.rule, f.detail));
    }
    for (service, d) in &drift {
        o = o.evidence(format!(
            "drift in {service} {}: file {} ≠ container {}",
            d.name, d.in_file, d.in_container
        ));
    }
    Ok(o)
}
