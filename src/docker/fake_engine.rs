//! cleanops' Docker layer against the simulator's engine (the demo's), through bollard like
//! against a real one: where the client's reading of the engine meets the simulator's account
//! of it, so a wrong belief on either side fails here. The simulator's own tests of its engine
//! are in crates/cleanops-sim/src/engine/tests.rs.

use std::time::Duration;

use cleanops_sim::engine::{
    ENGINE_VERSION, FakeContainer, FakeEngine, FakeEngineHandle, FakeLogLine, FakeState, app_exec,
    compose_project,
};
use futures_util::StreamExt;
use time::OffsetDateTime;
use time::macros::datetime;

use crate::docker::Engine;

const NOW: OffsetDateTime = datetime!(2026-04-05 20:30:00 UTC);
/// Long enough for a loaded CI machine, never waited for when things work.
const PATIENCE: Duration = Duration::from_secs(5);

struct Running {
    engine: FakeEngine,
    handle: FakeEngineHandle,
}

async fn serve(containers: Vec<FakeContainer>) -> Running {
    let engine = FakeEngine::new(containers);
    engine.set_clock(Some(NOW));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let handle = engine.serve(listener).await.unwrap();
    Running { engine, handle }
}

/// cleanops' engine on the fake, as `--docker-host` reaches it.
async fn connect(r: &Running) -> Engine {
    let overrides = crate::config::Overrides {
        docker_host: Some(r.handle.host()),
        project_dir: Some("/nonexistent/cleaning".into()),
        ..Default::default()
    };
    let settings = crate::config::Settings::resolve_with(&overrides, &|_| None).unwrap();
    Engine::connect(&settings, PATIENCE).await.unwrap()
}

fn small_container(name: &str, tty: bool) -> FakeContainer {
    let mut c = compose_project("demo", NOW).remove(1);
    c.name = name.into();
    c.id = format!("{name:0>64}");
    c.tty = tty;
    c.logs = vec![
        FakeLogLine::stderr(datetime!(2026-04-05 20:00:00.000000001 UTC), "first"),
        FakeLogLine::stdout(datetime!(2026-04-05 20:10:00 UTC), "second"),
        FakeLogLine::stderr(datetime!(2026-04-05 20:20:00.25 UTC), "third\nfourth"),
    ];
    c
}

#[tokio::test]
async fn the_docker_layer_of_cleanops_reads_the_fake() {
    use crate::docker::{compose, exec as dexec, logs as dlogs};
    let r = serve(compose_project("cleaning", NOW)).await;
    let engine = connect(&r).await;
    assert_eq!(engine.server_version, ENGINE_VERSION);

    let jobs = compose::require_service(&engine, "cleaning", "jobs")
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(
        jobs[0].command,
        ["python", "-m", "app.jobs.run", "--interval", "60"]
    );
    assert!(jobs[0].running && !jobs[0].crash_loop);

    let q = dlogs::LogQuery {
        tail: Some(5),
        ..Default::default()
    };
    let lines: Vec<dlogs::LogLine> = dlogs::container_lines(&engine, &jobs[0].id, &q)
        .map(|l| l.unwrap())
        .collect()
        .await;
    assert_eq!(lines.len(), 5);
    assert!(lines.iter().all(|l| l.stderr && l.ts.is_some()));
    assert!(lines.iter().all(|l| l.text.starts_with("INFO:__main__:")
        || l.text.starts_with("WARNING:__main__:")
        || l.text.starts_with("INFO:httpx:")));

    let cmd: Vec<String> = ["pg_isready", "-q"].iter().map(|s| s.to_string()).collect();
    let db = compose::require_service(&engine, "cleaning", "db")
        .await
        .unwrap();
    let outcome = dexec::run(&engine, &db[0].id, &cmd, PATIENCE, |_| {})
        .await
        .unwrap();
    assert_eq!(outcome.exit_code, Some(0));
    r.handle.shutdown().await;
}

/// A 40 KB line, stored as partial entries with a timestamp each, comes back through cleanops's
/// log reader as one line with one timestamp, from a plain and from a TTY container.
#[tokio::test]
async fn long_lines_come_back_whole_through_the_log_reader() {
    use crate::docker::logs as dlogs;
    let long: String = (0..40_000)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    let at = datetime!(2026-12-02 10:41:44.215311051 UTC);
    let mut containers = Vec::new();
    for (name, tty) in [("plain", false), ("tty", true)] {
        let mut c = small_container(name, tty);
        c.logs.push(FakeLogLine::stdout(at, long.clone()));
        c.logs.push(FakeLogLine::stderr(at, "after"));
        containers.push(c);
    }
    let r = serve(containers).await;
    let engine = connect(&r).await;
    for name in ["plain", "tty"] {
        let lines: Vec<dlogs::LogLine> =
            dlogs::container_lines(&engine, name, &dlogs::LogQuery::default())
                .map(|l| l.unwrap())
                .collect()
                .await;
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            texts.len(),
            6,
            "{name}: {:?}",
            texts.iter().map(|t| t.len()).collect::<Vec<_>>()
        );
        assert_eq!(
            texts[4], long,
            "{name}: the long line, whole, no timestamp inside"
        );
        assert_eq!(lines[4].ts, Some(at), "{name}");
        assert_eq!(texts[5], "after", "{name}");
    }
    r.handle.shutdown().await;
}

/// The states the simulator plays, as cleanops reads them: a crash loop (restarting, counting
/// restarts) and a runner killed at the end of `docker stop`'s grace period (137, not OOM).
#[tokio::test]
async fn a_crash_loop_and_a_killed_runner_read_as_such() {
    let r = serve(compose_project("cleaning", NOW)).await;
    let engine = connect(&r).await;
    r.engine.update("cleaning-jobs-1", |c| {
        c.restart_count = 7;
        c.state = FakeState::Restarting {
            code: 1,
            started_at: NOW - time::Duration::seconds(9),
            finished_at: NOW - time::Duration::seconds(4),
        };
    });
    let jobs = crate::docker::compose::require_service(&engine, "cleaning", "jobs")
        .await
        .unwrap();
    assert!(
        jobs[0].crash_loop && jobs[0].restarting,
        "{}",
        jobs[0].summary(NOW)
    );

    r.engine.update("cleaning-jobs-1", |c| {
        c.restart_count = 0;
        c.state = FakeState::Exited {
            code: 137,
            oom_killed: false,
            started_at: NOW - time::Duration::minutes(30),
            finished_at: NOW - time::Duration::seconds(5),
        };
    });
    let jobs = crate::docker::compose::require_service(&engine, "cleaning", "jobs")
        .await
        .unwrap();
    let c = &jobs[0];
    assert!(
        !c.crash_loop && !c.oom_killed && !c.running,
        "{}",
        c.summary(NOW)
    );
    r.handle.shutdown().await;
}

/// cleanops' default database check (`db_check_command`) is one the app's containers answer:
/// `DB OK` with the database up, the driver's error with it down.
#[tokio::test]
async fn the_default_db_check_runs_in_the_apps_container() {
    let r = serve(compose_project("cleaning", NOW)).await;
    let engine = connect(&r).await;
    let check: Vec<String> = crate::config::DEFAULT_DB_CHECK
        .iter()
        .map(|s| s.to_string())
        .collect();
    let jobs = crate::docker::compose::require_service(&engine, "cleaning", "jobs")
        .await
        .unwrap();
    for up in [true, false] {
        r.engine
            .update("cleaning-jobs-1", |c| c.exec = Some(app_exec(up)));
        let mut out = Vec::new();
        let outcome = crate::docker::exec::run(&engine, &jobs[0].id, &check, PATIENCE, |l| {
            out.push(l.text.clone())
        })
        .await
        .unwrap();
        let text = out.join("\n");
        if up {
            assert_eq!(outcome.exit_code, Some(0), "{text}");
            assert!(text.contains("DB OK"), "{text}");
        } else {
            assert_eq!(outcome.exit_code, Some(1), "{text}");
            assert!(text.contains("sqlalchemy.exc.OperationalError"), "{text}");
        }
    }
    r.handle.shutdown().await;
}
