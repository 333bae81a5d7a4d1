//! `cleanops demo`: the diagnosis against a simulated deployment — the app simulator and a
//! simulated Docker engine in this process, on loopback, and an env file in a temp dir.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;
use serde_json::json;

use super::diagnose::{self, Diagnosis};
use crate::cli::DemoArgs;
use crate::config::{Overrides, Settings};
use crate::error::{Exit, Failure};
use crate::render::{self, Ui};
use cleanops_sim::demo::{self, SCENARIOS};
use cleanops_sim::engine::FakeEngine;
use cleanops_sim::{Sim, SimOptions};

/// A directory removed when dropped (the demo writes nothing anywhere else).
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<TempDir> {
        let dir = std::env::temp_dir().join(format!(
            "cleanops-demo-{}-{:08x}",
            std::process::id(),
            fastrand::u32(..)
        ));
        std::fs::create_dir_all(dir.join("cleaning"))?;
        Ok(TempDir(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Run the scenario's diagnosis; the demo's own tests call this too.
pub async fn run_scenario(name: &str) -> Result<Diagnosis> {
    let now = time::OffsetDateTime::now_utc();
    let world = demo::world(name, now).ok_or_else(|| {
        let names: Vec<&str> = SCENARIOS.iter().map(|s| s.name).collect();
        Failure::usage(format!(
            "no demo scenario {name:?} (scenarios: {})",
            names.join(", ")
        ))
    })?;
    let password = format!("demo-{:016x}", fastrand::u64(..));
    let runner_id = world
        .containers
        .iter()
        .find(|c| c.service == "jobs")
        .map(|c| c.hostname.clone());
    let sim = Sim::start(
        tokio::net::TcpListener::bind("127.0.0.1:0").await?,
        SimOptions {
            scenario: world.api_scenario,
            admin_password: password.clone(),
            ..SimOptions::default()
        },
    )
    .await?;
    sim.control(cleanops_sim::Control {
        runner_id: runner_id.map(Some),
        ..Default::default()
    })?;
    sim.control(world.control)?;
    let engine = FakeEngine::new(world.containers);
    let handle = engine
        .serve(tokio::net::TcpListener::bind("127.0.0.1:0").await?)
        .await?;

    let dir = TempDir::new()?;
    let project_dir = dir.0.join("cleaning");
    std::fs::write(project_dir.join(".env"), &world.env_file)?;
    let overrides = Overrides {
        api_url: Some(sim.url()),
        docker_host: Some(handle.host()),
        project_dir: Some(project_dir.clone()),
        env_file: Some(project_dir.join(".env")),
        project_name: Some("cleaning".into()),
        user: Some("admin".into()),
        ..Overrides::default()
    };
    // Nothing from this machine's environment or config: the demo is the same everywhere.
    let settings = Settings::resolve_with(&overrides, &|name| {
        (name == "ADMIN_BASIC_PASSWORD").then(|| password.clone())
    })?;
    let result = diagnose::diagnose(
        settings,
        &crate::checks::all(),
        diagnose::PassOptions {
            deadline: Duration::from_secs(10),
            deep: false,
            quiet: true,
            verbose: false,
            // The demo writes nothing outside its temp dir.
            remember: false,
        },
    )
    .await;
    handle.shutdown().await;
    sim.shutdown().await;
    result
}

pub async fn run(args: &DemoArgs, ui: Ui) -> Result<Exit> {
    if args.list_scenarios {
        if ui.json {
            render::json(&SCENARIOS.iter().map(|s| json!({"name": s.name, "about": s.about, "expected_cause": s.expected_cause})).collect::<Vec<_>>());
        } else {
            for s in &SCENARIOS {
                render::out(&format!("{:<16} {}", s.name, s.about));
            }
        }
        return Ok(Exit::Ok);
    }
    let d = run_scenario(&args.scenario).await?;
    let about = demo::find(&args.scenario).map(|s| s.about).unwrap_or("");
    if ui.json {
        let mut doc = diagnose::to_json(&d);
        doc["demo_scenario"] = json!(args.scenario);
        render::json(&doc);
    } else if args.markdown {
        render::out(&diagnose::markdown(&d));
    } else {
        eprintln!("demo: scenario {} — {about}", args.scenario);
        eprintln!(
            "      (a simulated deployment in this process; other scenarios: cleanops demo --list-scenarios)\n"
        );
        render::out(&diagnose::screen(&d, &ui));
        eprintln!(
            "\nthis was a simulation: against a real deployment, `cleanops diagnose` would have exited {}",
            d.exit.code()
        );
    }
    // The demo did its job whatever it found.
    Ok(Exit::Ok)
}
