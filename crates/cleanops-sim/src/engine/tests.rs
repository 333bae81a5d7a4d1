//! The fake driven by bollard itself, as `src/docker/` drives a real engine.

use std::collections::HashMap;
use std::time::Duration;

use bollard::container::LogOutput;
use bollard::exec::{StartExecOptions, StartExecResults};
use bollard::models::{ContainerStateStatusEnum, ExecConfig, HealthStatusEnum};
use bollard::query_parameters::{
    InspectContainerOptions, ListContainersOptions, LogsOptions, RestartContainerOptions,
};
use bollard::{API_DEFAULT_VERSION, Docker};
use futures_util::StreamExt;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::datetime;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;

const NOW: OffsetDateTime = datetime!(2026-04-05 20:30:00 UTC);
/// Long enough for a loaded CI machine, never waited for when things work.
const PATIENCE: Duration = Duration::from_secs(5);

struct Running {
    engine: FakeEngine,
    handle: FakeEngineHandle,
    docker: Docker,
}

async fn serve(containers: Vec<FakeContainer>) -> Running {
    let engine = FakeEngine::new(containers);
    engine.set_clock(Some(NOW));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let handle = engine.serve(listener).await.unwrap();
    let docker = Docker::connect_with_http(&handle.host(), 5, API_DEFAULT_VERSION)
        .unwrap()
        .negotiate_version()
        .await
        .unwrap();
    Running {
        engine,
        handle,
        docker,
    }
}

/// The project "cleaning", plus a jobs container of another project.
fn two_projects() -> Vec<FakeContainer> {
    let mut all = compose_project("cleaning", NOW);
    let mut other = compose_project("cleanwithsnapshot-ci", NOW);
    all.push(other.remove(1));
    all
}

fn label_filters(labels: &[&str]) -> ListContainersOptions {
    let mut filters = HashMap::new();
    filters.insert(
        "label".to_string(),
        labels.iter().map(|l| l.to_string()).collect::<Vec<_>>(),
    );
    ListContainersOptions {
        all: true,
        filters: Some(filters),
        ..Default::default()
    }
}

/// `GET`/`POST` by hand, for what bollard cannot send (a version prefix, a wrong path), on a
/// connection of its own that the engine closes after the answer (`Connection: close`).
async fn raw_http(addr: std::net::SocketAddr, method: &str, path: &str) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: docker\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut resp = Vec::new();
    tokio::time::timeout(PATIENCE, s.read_to_end(&mut resp))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&resp).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

async fn collect_logs(docker: &Docker, id: &str, opts: LogsOptions) -> Vec<LogOutput> {
    let stream = docker.logs(id, Some(opts));
    tokio::time::timeout(PATIENCE, stream.collect::<Vec<_>>())
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.unwrap())
        .collect()
}

/// The next item of a stream, within the patience.
async fn next<S: futures_util::Stream + Unpin>(s: &mut S) -> Option<S::Item> {
    tokio::time::timeout(PATIENCE, s.next())
        .await
        .expect("no answer in time")
}

fn text_of(o: &LogOutput) -> String {
    String::from_utf8_lossy(o.as_ref()).into_owned()
}

#[tokio::test]
async fn version_ping_and_prefixes() {
    let r = serve(compose_project("cleaning", NOW)).await;
    let v = r.docker.version().await.unwrap();
    assert_eq!(v.version.as_deref(), Some(ENGINE_VERSION));
    assert_eq!(v.api_version.as_deref(), Some(API_VERSION));
    assert_eq!(r.docker.ping().await.unwrap(), "OK");
    // bollard joins an absolute path onto its versioned base URL, which drops the version.
    assert!(
        r.engine.requests().iter().any(|q| q == "GET /version"),
        "{:?}",
        r.engine.requests()
    );

    // bollard 0.21 puts no version in its paths (see the report); other clients do.
    for path in ["/v1.41/_ping", "/v1.53/_ping", "/_ping"] {
        assert_eq!(
            raw_http(r.handle.addr(), "GET", path).await,
            (200, "OK".into())
        );
    }
    let (status, body) = raw_http(
        r.handle.addr(),
        "GET",
        "/v1.43/containers/cleaning-jobs-1/json",
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.contains("\"RestartCount\":0"), "{body}");
    let (status, body) = raw_http(r.handle.addr(), "GET", "/v1.43/images/json").await;
    assert_eq!(
        (status, body.trim()),
        (404, r#"{"message":"page not found"}"#)
    );
    let (status, body) = raw_http(r.handle.addr(), "DELETE", "/containers/json").await;
    assert_eq!(
        (status, body.trim()),
        (404, r#"{"message":"page not found"}"#)
    );
    assert!(
        r.engine
            .requests()
            .iter()
            .any(|q| q == "GET /v1.43/images/json")
    );
    r.handle.shutdown().await;
}

#[tokio::test]
async fn lists_by_compose_labels() {
    let r = serve(two_projects()).await;
    let jobs = r
        .docker
        .list_containers(Some(label_filters(&[
            "com.docker.compose.project=cleaning",
            "com.docker.compose.service=jobs",
        ])))
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1);
    let c = &jobs[0];
    assert_eq!(
        c.names.as_deref(),
        Some(&["/cleaning-jobs-1".to_string()][..])
    );
    assert_eq!(
        c.command.as_deref(),
        Some("python -m app.jobs.run --interval 60")
    );
    assert_eq!(c.status.as_deref(), Some("Up 2 hours"));
    let labels = c.labels.clone().unwrap_or_default();
    assert_eq!(labels["com.docker.compose.oneoff"], "False");
    assert_eq!(labels["com.docker.compose.container-number"], "1");
    assert_eq!(labels["promtail"], "true");
    assert_eq!(
        c.id.as_deref(),
        r.engine
            .container("cleaning-jobs-1")
            .map(|c| c.id)
            .as_deref()
    );

    // A bare key matches every value; both projects have jobs.
    let any = r
        .docker
        .list_containers(Some(label_filters(&[
            "com.docker.compose.project",
            "com.docker.compose.service=jobs",
        ])))
        .await
        .unwrap();
    assert_eq!(any.len(), 2);
    let project = r
        .docker
        .list_containers(Some(label_filters(&[
            "com.docker.compose.project=cleaning",
        ])))
        .await
        .unwrap();
    assert_eq!(project.len(), 3);

    // Without `all`, a stopped container is left out.
    r.engine.set_state(
        "cleaning-api-1",
        FakeState::Exited {
            code: 0,
            oom_killed: false,
            started_at: NOW - time::Duration::hours(1),
            finished_at: NOW - time::Duration::minutes(3),
        },
    );
    let mut running = label_filters(&["com.docker.compose.project=cleaning"]);
    running.all = false;
    let names: Vec<String> = r
        .docker
        .list_containers(Some(running))
        .await
        .unwrap()
        .into_iter()
        .flat_map(|c| c.names.unwrap_or_default())
        .collect();
    assert!(!names.contains(&"/cleaning-api-1".to_string()), "{names:?}");
    assert_eq!(names.len(), 2);

    let mut bad = HashMap::new();
    bad.insert("colour".to_string(), vec!["blue".to_string()]);
    let err = r
        .docker
        .list_containers(Some(ListContainersOptions {
            filters: Some(bad),
            ..Default::default()
        }))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("invalid filter 'colour'"), "{err}");
    r.handle.shutdown().await;
}

#[tokio::test]
async fn inspect_reads_each_state() {
    let r = serve(compose_project("cleaning", NOW)).await;
    let inspect = |name: &'static str| {
        let docker = r.docker.clone();
        async move {
            docker
                .inspect_container(name, None::<InspectContainerOptions>)
                .await
        }
    };

    let api = inspect("cleaning-api-1").await.unwrap();
    let state = api.state.clone().unwrap();
    assert_eq!(state.status, Some(ContainerStateStatusEnum::RUNNING));
    assert_eq!(state.running, Some(true));
    assert_eq!(state.finished_at.as_deref(), Some("0001-01-01T00:00:00Z"));
    assert_eq!(
        state.health.and_then(|h| h.status),
        Some(HealthStatusEnum::HEALTHY)
    );
    assert_eq!(api.name.as_deref(), Some("/cleaning-api-1"));
    assert_eq!(api.path.as_deref(), Some("uvicorn"));
    let config = api.config.unwrap();
    assert_eq!(
        config.hostname.as_deref(),
        api.id.as_deref().map(|i| &i[..12])
    );
    assert!(
        config
            .env
            .unwrap_or_default()
            .contains(&"JOB_HEARTBEAT_TTL_SECONDS=180".to_string())
    );

    // OOM-killed: exit 137.
    let finished = datetime!(2026-04-05 20:16:00.5 UTC);
    r.engine.set_state(
        "cleaning-jobs-1",
        FakeState::Exited {
            code: 137,
            oom_killed: true,
            started_at: datetime!(2026-04-05 18:00:00 UTC),
            finished_at: finished,
        },
    );
    let jobs = inspect("cleaning-jobs-1").await.unwrap();
    let state = jobs.state.clone().unwrap();
    assert_eq!(state.status, Some(ContainerStateStatusEnum::EXITED));
    assert_eq!(
        (state.running, state.exit_code, state.oom_killed, state.pid),
        (Some(false), Some(137), Some(true), Some(0))
    );
    assert_eq!(state.finished_at.as_deref(), Some("2026-04-05T20:16:00.5Z"));
    assert!(
        state.health.is_none(),
        "the jobs service has no healthcheck"
    );
    assert_eq!(
        jobs.args.unwrap_or_default(),
        ["-m", "app.jobs.run", "--interval", "60"]
    );

    // The restart policy at work: restarting, with its count.
    r.engine.update("cleaning-jobs-1", |c| {
        c.restart_count = 7;
        c.state = FakeState::Restarting {
            code: 1,
            started_at: NOW - time::Duration::seconds(9),
            finished_at: NOW - time::Duration::seconds(4),
        };
    });
    let jobs = inspect("cleaning-jobs-1").await.unwrap();
    let state = jobs.state.unwrap();
    assert_eq!(jobs.restart_count, Some(7));
    assert_eq!(state.status, Some(ContainerStateStatusEnum::RESTARTING));
    assert_eq!(
        (state.running, state.restarting, state.exit_code),
        (Some(true), Some(true), Some(1))
    );

    // By id prefix; and a container that does not exist.
    let id = r.engine.container("cleaning-db-1").unwrap().id;
    let db = r
        .docker
        .inspect_container(&id[..10], None::<InspectContainerOptions>)
        .await
        .unwrap();
    assert_eq!(db.path.as_deref(), Some("docker-entrypoint.sh"));
    match inspect("cleaning-worker-1").await {
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code,
            message,
        }) => {
            assert_eq!(status_code, 404);
            assert_eq!(message, "No such container: cleaning-worker-1");
        }
        other => panic!("expected a 404, got {other:?}"),
    }
    r.handle.shutdown().await;
}

fn small_container(name: &str, tty: bool) -> FakeContainer {
    let mut c = compose_project("demo", NOW).remove(1);
    c.name = name.into();
    c.id = super::wire::sha256_hex(name);
    c.tty = tty;
    c.logs = vec![
        FakeLogLine::stderr(datetime!(2026-04-05 20:00:00.000000001 UTC), "first"),
        FakeLogLine::stdout(datetime!(2026-04-05 20:10:00 UTC), "second"),
        FakeLogLine::stderr(datetime!(2026-04-05 20:20:00.25 UTC), "third\nfourth"),
    ];
    c
}

#[tokio::test]
async fn logs_with_tail_since_and_timestamps() {
    let r = serve(vec![
        small_container("plain", false),
        small_container("tty", true),
    ])
    .await;
    let opts = |tail: &str, since: i32, timestamps: bool| LogsOptions {
        stdout: true,
        stderr: true,
        timestamps,
        tail: tail.into(),
        since,
        ..Default::default()
    };

    // Every line, each a frame on its own stream; "third\nfourth" was two lines.
    let all = collect_logs(&r.docker, "plain", opts("all", 0, false)).await;
    let seen: Vec<(bool, String)> = all
        .iter()
        .map(|o| (matches!(o, LogOutput::StdErr { .. }), text_of(o)))
        .collect();
    assert_eq!(
        seen,
        [
            (true, "first\n".to_string()),
            (false, "second\n".to_string()),
            (true, "third\n".to_string()),
            (true, "fourth\n".to_string()),
        ]
    );

    // tail=2 with timestamps, read back as cleanops reads them.
    let tail = collect_logs(&r.docker, "plain", opts("2", 0, true)).await;
    assert_eq!(tail.len(), 2);
    let first = text_of(&tail[0]);
    assert_eq!(first, "2026-04-05T20:20:00.250000000Z third\n");
    let (ts, rest) = first.trim_end().split_once(' ').unwrap();
    assert_eq!(
        OffsetDateTime::parse(ts, &Rfc3339).unwrap(),
        datetime!(2026-04-05 20:20:00.25 UTC)
    );
    assert_eq!(rest, "third");

    // since: unix seconds, inclusive; only stderr.
    let since = datetime!(2026-04-05 20:10:00 UTC).unix_timestamp() as i32;
    let mut o = opts("all", since, false);
    o.stdout = false;
    let from = collect_logs(&r.docker, "plain", o).await;
    let texts: Vec<String> = from.iter().map(text_of).collect();
    assert_eq!(texts, ["third\n", "fourth\n"]);

    // until, and tail 0.
    let mut o = opts("all", 0, false);
    o.until = datetime!(2026-04-05 20:10:00 UTC).unix_timestamp() as i32;
    assert_eq!(collect_logs(&r.docker, "plain", o).await.len(), 2);
    assert!(
        collect_logs(&r.docker, "plain", opts("0", 0, false))
            .await
            .is_empty()
    );

    // A TTY container: one raw byte stream, no frame headers, \r\n line ends.
    let raw = collect_logs(&r.docker, "tty", opts("all", 0, true)).await;
    assert!(raw.iter().all(|o| matches!(o, LogOutput::Console { .. })));
    let joined: String = raw.iter().map(text_of).collect();
    assert_eq!(
        joined,
        "2026-04-05T20:00:00.000000001Z first\r\n\
         2026-04-05T20:10:00.000000000Z second\r\n\
         2026-04-05T20:20:00.250000000Z third\r\n\
         2026-04-05T20:20:00.250000000Z fourth\r\n"
    );

    // Neither stream: the engine's 400.
    let mut none = opts("all", 0, false);
    none.stdout = false;
    none.stderr = false;
    let err = r
        .docker
        .logs("plain", Some(none))
        .next()
        .await
        .unwrap()
        .unwrap_err();
    assert!(err.to_string().contains("at least one stream"), "{err}");
    r.handle.shutdown().await;
}

#[tokio::test]
async fn follow_sees_new_lines_and_ends_when_the_container_stops() {
    let r = serve(vec![small_container("plain", false)]).await;
    let mut stream = r.docker.logs(
        "plain",
        Some(LogsOptions {
            follow: true,
            stdout: true,
            stderr: true,
            tail: "1".into(),
            ..Default::default()
        }),
    );
    let first: LogOutput = next(&mut stream).await.unwrap().unwrap();
    assert_eq!(text_of(&first), "fourth\n");

    r.engine.push_log(
        "plain",
        FakeLogLine::stderr(NOW, "INFO:__main__:job_complete"),
    );
    let pushed: LogOutput = next(&mut stream).await.unwrap().unwrap();
    assert_eq!(text_of(&pushed), "INFO:__main__:job_complete\n");
    assert!(matches!(pushed, LogOutput::StdErr { .. }));

    // The crash: its traceback arrives, then the stream ends.
    r.engine.update("plain", |c| {
        c.logs.extend(crash_traceback(NOW));
        c.state = FakeState::Exited {
            code: 1,
            oom_killed: false,
            started_at: NOW - time::Duration::minutes(5),
            finished_at: NOW,
        };
    });
    let mut rest = Vec::new();
    while let Some(item) = next(&mut stream).await {
        rest.push(text_of(&item.unwrap()));
    }
    assert_eq!(
        rest.first().map(String::as_str),
        Some("WARNING:__main__:job_failed\n")
    );
    assert!(
        rest.last().is_some_and(|l| l.starts_with(
            "sqlalchemy.exc.OperationalError: (psycopg.OperationalError) connection failed: "
        )),
        "{rest:?}"
    );

    // A stopped container is not followed: its lines, then the end.
    let lines = collect_logs(
        &r.docker,
        "plain",
        LogsOptions {
            follow: true,
            stdout: true,
            stderr: true,
            tail: "1".into(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(lines.len(), 1);
    r.handle.shutdown().await;
}

#[tokio::test]
async fn shutdown_ends_a_follow() {
    let r = serve(vec![small_container("plain", false)]).await;
    let mut stream = r.docker.logs(
        "plain",
        Some(LogsOptions {
            follow: true,
            stdout: true,
            stderr: true,
            tail: "0".into(),
            ..Default::default()
        }),
    );
    let reader = tokio::spawn(async move {
        let mut n = 0;
        while let Some(Ok(_)) = stream.next().await {
            n += 1;
        }
        n
    });
    // Let the request reach the engine before it goes down.
    for _ in 0..100 {
        if r.engine.requests().iter().any(|q| q.contains("/logs")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::timeout(PATIENCE, r.handle.shutdown())
        .await
        .unwrap();
    assert_eq!(
        tokio::time::timeout(PATIENCE, reader)
            .await
            .unwrap()
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn restart_runs_it_again_without_counting() {
    let r = serve(compose_project("cleaning", NOW)).await;
    r.engine.update("cleaning-jobs-1", |c| {
        c.restart_count = 7;
        c.state = FakeState::Exited {
            code: 137,
            oom_killed: true,
            started_at: NOW - time::Duration::hours(1),
            finished_at: NOW - time::Duration::minutes(14),
        };
    });
    let later = NOW + time::Duration::seconds(30);
    r.engine.set_clock(Some(later));
    let before = r.engine.container("cleaning-jobs-1").unwrap().logs.len();
    r.docker
        .restart_container(
            "cleaning-jobs-1",
            Some(RestartContainerOptions {
                t: Some(3),
                signal: None,
            }),
        )
        .await
        .unwrap();
    let c = r
        .docker
        .inspect_container("cleaning-jobs-1", None::<InspectContainerOptions>)
        .await
        .unwrap();
    let state = c.state.unwrap();
    assert_eq!(state.status, Some(ContainerStateStatusEnum::RUNNING));
    assert_eq!(
        (state.exit_code, state.oom_killed, c.restart_count),
        (Some(0), Some(false), Some(7))
    );
    assert_eq!(state.started_at.as_deref(), Some("2026-04-05T20:30:30Z"));
    // The previous run's end stays.
    assert_eq!(state.finished_at.as_deref(), Some("2026-04-05T20:16:00Z"));
    let after = r.engine.container("cleaning-jobs-1").unwrap();
    assert!(after.logs.len() > before);
    assert!(after.logs[before..].iter().all(|l| l.at >= later));
    assert!(
        r.engine
            .requests()
            .iter()
            .any(|q| q.ends_with("/restart?t=3")),
        "{:?}",
        r.engine.requests()
    );

    // stop then start, for completeness: the runner ignores the SIGTERM, the engine kills it.
    r.docker
        .stop_container(
            "cleaning-jobs-1",
            None::<bollard::query_parameters::StopContainerOptions>,
        )
        .await
        .unwrap();
    assert!(matches!(
        r.engine.container("cleaning-jobs-1").unwrap().state,
        FakeState::Exited {
            code: 137,
            oom_killed: false,
            ..
        }
    ));
    r.docker
        .start_container(
            "cleaning-jobs-1",
            None::<bollard::query_parameters::StartContainerOptions>,
        )
        .await
        .unwrap();
    assert!(
        r.engine
            .container("cleaning-jobs-1")
            .unwrap()
            .state
            .is_running()
    );
    r.handle.shutdown().await;
}

/// create, start attached, read the frames, inspect for the exit code: as `docker::exec` does.
async fn exec(docker: &Docker, container: &str, cmd: &[&str]) -> (Vec<(bool, String)>, i64) {
    let created = docker
        .create_exec(
            container,
            ExecConfig {
                cmd: Some(cmd.iter().map(|s| s.to_string()).collect()),
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let started = docker
        .start_exec(
            &created.id,
            Some(StartExecOptions {
                detach: false,
                tty: false,
                output_capacity: None,
            }),
        )
        .await
        .unwrap();
    let StartExecResults::Attached { mut output, .. } = started else {
        panic!("not attached");
    };
    let mut got = Vec::new();
    while let Some(frame) = tokio::time::timeout(PATIENCE, output.next()).await.unwrap() {
        let frame = frame.unwrap();
        got.push((matches!(frame, LogOutput::StdErr { .. }), text_of(&frame)));
    }
    let inspect = docker.inspect_exec(&created.id).await.unwrap();
    assert_eq!(inspect.running, Some(false));
    (got, inspect.exit_code.unwrap())
}

#[tokio::test]
async fn exec_answers_from_the_handler() {
    let r = serve(compose_project("cleaning", NOW)).await;
    r.engine.update("cleaning-jobs-1", |c| {
        c.exec = Some(Arc::new(|cmd: &[String]| {
            (
                vec![
                    (false, format!("ran {}", cmd.join(" "))),
                    (true, "and complained\n".into()),
                ],
                3,
            )
        }));
    });
    let (out, code) = exec(&r.docker, "cleaning-jobs-1", &["whatever", "--flag"]).await;
    assert_eq!(code, 3);
    assert_eq!(
        out,
        [
            (false, "ran whatever --flag\n".to_string()),
            (true, "and complained\n".to_string()),
        ]
    );

    // The demo's database outage, through a database check as the app's own code allows one
    // (docs/app-contract.md §7; cleanops' default check meets it in src/docker/fake_engine.rs).
    r.engine
        .update("cleaning-jobs-1", |c| c.exec = Some(app_exec(false)));
    let check = [
        "python",
        "-c",
        "import asyncio\nfrom sqlalchemy import text\nfrom app.infra.db import get_session_factory\n\
         async def main():\n    async with get_session_factory()() as session:\n        \
         await session.execute(text('SELECT 1'))\nasyncio.run(main())\nprint('DB OK')",
    ];
    let (out, code) = exec(&r.docker, "cleaning-jobs-1", &check).await;
    assert_eq!(code, 1);
    let last = out
        .last()
        .unwrap()
        .1
        .trim_end()
        .lines()
        .last()
        .unwrap()
        .to_string();
    assert!(
        last.starts_with("sqlalchemy.exc.OperationalError: (psycopg.OperationalError)"),
        "{last}"
    );
    r.engine
        .update("cleaning-jobs-1", |c| c.exec = Some(app_exec(true)));
    assert_eq!(
        exec(&r.docker, "cleaning-jobs-1", &check).await,
        (vec![(false, "DB OK\n".to_string())], 0)
    );
    let (out, code) = exec(
        &r.docker,
        "cleaning-jobs-1",
        &[
            "python",
            "-c",
            "from app.db import engine; engine.connect().close()",
        ],
    )
    .await;
    assert_eq!(code, 1);
    assert!(out[0].1.contains("No module named 'app.db'"));

    // pg_isready in db; a program the image lacks.
    let (out, code) = exec(
        &r.docker,
        "cleaning-db-1",
        &["pg_isready", "-U", "cleaning", "-d", "cleaning"],
    )
    .await;
    assert_eq!(
        (out, code),
        (
            vec![(
                false,
                "/var/run/postgresql:5432 - accepting connections\n".to_string()
            )],
            0
        )
    );
    let (out, code) = exec(&r.docker, "cleaning-api-1", &["curl", "-f", "x"]).await;
    assert_eq!(code, 126);
    assert!(out[0].1.contains("executable file not found"));
    r.handle.shutdown().await;
}

#[tokio::test]
async fn exec_into_a_stopped_container_is_a_conflict() {
    let r = serve(compose_project("cleaning", NOW)).await;
    r.engine.set_state(
        "cleaning-jobs-1",
        FakeState::Exited {
            code: 1,
            oom_killed: false,
            started_at: NOW - time::Duration::minutes(2),
            finished_at: NOW - time::Duration::minutes(1),
        },
    );
    let id = r.engine.container("cleaning-jobs-1").unwrap().id;
    let err = r
        .docker
        .create_exec(
            "cleaning-jobs-1",
            ExecConfig {
                cmd: Some(vec!["python".into(), "--version".into()]),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    match err {
        bollard::errors::Error::DockerResponseServerError {
            status_code,
            message,
        } => {
            assert_eq!(status_code, 409);
            assert_eq!(message, format!("Container {id} is not running"));
        }
        other => panic!("expected a 409, got {other:?}"),
    }
    let err = r.docker.inspect_exec("nope").await.unwrap_err();
    assert!(
        err.to_string().contains("No such exec instance: nope"),
        "{err}"
    );
    r.handle.shutdown().await;
}

#[test]
fn runner_lines_look_like_the_runner() {
    let start = datetime!(2026-04-05 20:00:00 UTC);
    let lines = runner_loop_lines(start, &["storage-quota-reconcile"]);
    assert_eq!(lines.len(), 24, "23 jobs and one httpx line");
    assert!(lines.iter().all(|l| l.stderr));
    assert!(lines.windows(2).all(|w| w[0].at <= w[1].at));
    let failed: Vec<&str> = lines
        .iter()
        .filter(|l| l.text.starts_with("WARNING"))
        .map(|l| l.text.as_str())
        .collect();
    assert_eq!(failed, ["WARNING:__main__:job_failed"]);
    assert!(
        lines
            .iter()
            .any(|l| l.text.starts_with("INFO:httpx:HTTP Request: POST"))
    );
    let span = lines.last().unwrap().at - start;
    assert!(span > time::Duration::seconds(3) && span < time::Duration::seconds(6));

    let crash = crash_traceback(start);
    assert_eq!(crash[1].text, "Traceback (most recent call last):");
    assert!(crash.iter().all(|l| !l.text.contains('\n')));
    assert!(crash.last().unwrap().text.starts_with(
        "sqlalchemy.exc.OperationalError: (psycopg.OperationalError) connection failed: "
    ));
}

#[test]
fn a_compose_project_as_compose_creates_it() {
    let p = compose_project("cleaning", NOW);
    let names: Vec<&str> = p.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["cleaning-api-1", "cleaning-jobs-1", "cleaning-db-1"]
    );
    assert_eq!(p[1].id, compose_project("cleaning", NOW)[1].id);
    assert_ne!(p[1].id, compose_project("other", NOW)[1].id);
    assert!(
        p.iter()
            .all(|c| c.id.len() == 64 && c.hostname == c.id[..12])
    );
    assert!(p.iter().all(|c| c.logs.last().is_some_and(|l| l.at <= NOW)));
    assert_eq!(p[1].health, None);
}

#[tokio::test]
async fn exec_tty_plain_http_detached_and_twice() {
    let r = serve(compose_project("cleaning", NOW)).await;
    let create = |tty: bool| {
        let docker = r.docker.clone();
        async move {
            docker
                .create_exec(
                    "cleaning-api-1",
                    ExecConfig {
                        cmd: Some(vec!["python".into(), "--version".into()]),
                        attach_stdout: Some(true),
                        attach_stderr: Some(true),
                        tty: Some(tty),
                        ..Default::default()
                    },
                )
                .await
                .unwrap()
                .id
        }
    };

    // A TTY exec: raw bytes, \r\n.
    let id = create(true).await;
    let StartExecResults::Attached { mut output, .. } =
        r.docker.start_exec(&id, None).await.unwrap()
    else {
        panic!("not attached");
    };
    let frame = next(&mut output).await.unwrap().unwrap();
    assert!(matches!(frame, LogOutput::Console { .. }));
    assert_eq!(text_of(&frame), "Python 3.13.11\r\n");
    assert!(next(&mut output).await.is_none());

    // Started again: the engine's 409.
    let again = r.docker.start_exec(&id, None).await;
    match again {
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code,
            message,
        }) => {
            assert_eq!(status_code, 409);
            assert_eq!(message, format!("Error: Exec command {id} has already run"));
        }
        Ok(_) => panic!("a second start succeeded"),
        Err(other) => panic!("expected a 409, got {other:?}"),
    }

    // Without an upgrade (curl): a 200 with the frames as its body, versioned path.
    let id = create(false).await;
    let (status, body) =
        raw_http(r.handle.addr(), "POST", &format!("/v1.43/exec/{id}/start")).await;
    assert_eq!(status, 200);
    assert!(
        body.starts_with("\u{1}\0\0\0\0\0\0\u{f}Python 3.13.11\n"),
        "{body:?}"
    );

    // Detached: nothing to read, the exit code all the same.
    let id = create(false).await;
    let started = r
        .docker
        .start_exec(
            &id,
            Some(StartExecOptions {
                detach: true,
                ..Default::default()
            }),
        )
        .await
        .unwrap();
    assert!(matches!(started, StartExecResults::Detached));
    assert_eq!(r.docker.inspect_exec(&id).await.unwrap().exit_code, Some(0));
    r.handle.shutdown().await;
}

#[tokio::test]
async fn a_start_hook_can_crash_it_again_and_a_restart_ends_follows() {
    let r = serve(compose_project("cleaning", NOW)).await;
    r.engine.update("cleaning-jobs-1", |c| {
        c.restart_count = 4;
        c.on_start = Some(Arc::new(|c: &mut FakeContainer, at| {
            // The database is still down: the runner dies within a second, the policy
            // restarts it.
            let died = at + time::Duration::milliseconds(900);
            c.logs.extend(crash_traceback(died));
            c.restart_count += 1;
            c.state = FakeState::Restarting {
                code: 1,
                started_at: at,
                finished_at: died,
            };
        }));
    });
    let mut follow = r.docker.logs(
        "cleaning-jobs-1",
        Some(LogsOptions {
            follow: true,
            stdout: true,
            stderr: true,
            tail: "1".into(),
            ..Default::default()
        }),
    );
    // A line through the follow (the tail, or live: the request goes out on the first poll):
    // once it is read the follow is set up.
    r.engine.push_log(
        "cleaning-jobs-1",
        FakeLogLine::stderr(NOW, "INFO:__main__:job_complete"),
    );
    let live = next(&mut follow).await.unwrap().unwrap();
    assert_eq!(text_of(&live), "INFO:__main__:job_complete\n");
    r.docker
        .restart_container("cleaning-jobs-1", None::<RestartContainerOptions>)
        .await
        .unwrap();
    // The old run's follow ends without the new run's lines.
    assert!(next(&mut follow).await.is_none());

    let c = r
        .docker
        .inspect_container("cleaning-jobs-1", None::<InspectContainerOptions>)
        .await
        .unwrap();
    assert_eq!(c.restart_count, Some(5));
    assert_eq!(
        c.state.and_then(|s| s.status),
        Some(ContainerStateStatusEnum::RESTARTING)
    );
    let last = collect_logs(
        &r.docker,
        "cleaning-jobs-1",
        LogsOptions {
            stdout: true,
            stderr: true,
            tail: "1".into(),
            ..Default::default()
        },
    )
    .await;
    assert!(text_of(&last[0]).starts_with("sqlalchemy.exc.OperationalError"));
    r.handle.shutdown().await;
}

#[tokio::test]
async fn a_stop_of_the_runner_waits_out_the_grace_period_and_kills_it() {
    // The runner is PID 1 without a SIGTERM handler (docs/app-contract.md §13): `docker stop` waits the
    // whole grace period, then SIGKILL: exit 137, not OOM-killed. On real time, so the wait
    // happens; uvicorn and postgres stop at once, cleanly.
    let now = OffsetDateTime::now_utc();
    let engine = FakeEngine::new(compose_project("cleaning", now));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let handle = engine.serve(listener).await.unwrap();
    let docker = Docker::connect_with_http(&handle.host(), 5, API_DEFAULT_VERSION).unwrap();
    let stop = |t: i32| bollard::query_parameters::StopContainerOptions {
        t: Some(t),
        signal: None,
    };
    let asked = std::time::Instant::now();
    docker
        .stop_container("cleaning-jobs-1", Some(stop(1)))
        .await
        .unwrap();
    let took = asked.elapsed();
    assert!(took >= Duration::from_secs(1), "{took:?}");
    let state = docker
        .inspect_container("cleaning-jobs-1", None::<InspectContainerOptions>)
        .await
        .unwrap()
        .state
        .unwrap();
    assert_eq!(
        (state.exit_code, state.oom_killed, state.running),
        (Some(137), Some(false), Some(false))
    );
    let finished = OffsetDateTime::parse(state.finished_at.as_deref().unwrap(), &Rfc3339).unwrap();
    assert!(
        finished - now >= time::Duration::seconds(1),
        "{finished} vs {now}"
    );

    let asked = std::time::Instant::now();
    docker
        .stop_container("cleaning-api-1", Some(stop(5)))
        .await
        .unwrap();
    assert!(
        asked.elapsed() < Duration::from_secs(2),
        "uvicorn stops on SIGTERM"
    );
    let state = docker
        .inspect_container("cleaning-api-1", None::<InspectContainerOptions>)
        .await
        .unwrap()
        .state
        .unwrap();
    assert_eq!(state.exit_code, Some(0));
    handle.shutdown().await;
}

/// Reads one response from a kept-alive connection: its head, and its body by
/// `Content-Length` (the responses asked for here have one).
async fn read_response(s: &mut tokio::net::TcpStream) -> (String, Vec<u8>) {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        let n = tokio::time::timeout(PATIENCE, s.read(&mut byte))
            .await
            .expect("no answer in time")
            .unwrap();
        assert_eq!(
            n,
            1,
            "closed in the head: {:?}",
            String::from_utf8_lossy(&buf)
        );
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let len = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())
                .flatten()
        })
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    tokio::time::timeout(PATIENCE, s.read_exact(&mut body))
        .await
        .expect("no body in time")
        .unwrap();
    (head, body)
}

#[tokio::test]
async fn connections_are_kept_alive_and_an_exec_start_hijacks_one() {
    let r = serve(compose_project("cleaning", NOW)).await;
    let mut s = tokio::net::TcpStream::connect(r.handle.addr())
        .await
        .unwrap();
    // Two requests, one after the other, on one connection: both answered, none closes it.
    for path in ["/_ping", "/v1.43/containers/cleaning-jobs-1/json"] {
        let req = format!("GET {path} HTTP/1.1\r\nHost: docker\r\n\r\n");
        s.write_all(req.as_bytes()).await.unwrap();
        let (head, body) = read_response(&mut s).await;
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        assert!(
            !head.to_ascii_lowercase().contains("connection: close"),
            "{head}"
        );
        assert!(head.contains("api-version: 1.43"), "{head}");
        assert!(!body.is_empty());
    }
    // An error leaves it open too.
    s.write_all(b"GET /containers/nope/json HTTP/1.1\r\nHost: docker\r\n\r\n")
        .await
        .unwrap();
    let (head, body) = read_response(&mut s).await;
    assert!(head.starts_with("HTTP/1.1 404 Not Found\r\n"), "{head}");
    assert_eq!(body, b"{\"message\":\"No such container: nope\"}\n");

    // Then an attached exec start, as bollard writes it, on the same connection: `101
    // UPGRADED`, the frames raw, then the end of the connection.
    let created = r
        .docker
        .create_exec(
            "cleaning-api-1",
            ExecConfig {
                cmd: Some(vec!["python".into(), "--version".into()]),
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let body = r#"{"Detach":false,"Tty":false}"#;
    let req = format!(
        "POST /exec/{}/start HTTP/1.1\r\nconnection: Upgrade\r\nupgrade: tcp\r\ncontent-type: application/json\r\ncontent-length: {}\r\nhost: docker\r\n\r\n{body}",
        created.id,
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut rest = Vec::new();
    tokio::time::timeout(PATIENCE, s.read_to_end(&mut rest))
        .await
        .expect("the hijacked connection was not closed")
        .unwrap();
    let text = String::from_utf8_lossy(&rest);
    let (head, frames) = text.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 101 UPGRADED\r\n"), "{head}");
    let head = head.to_ascii_lowercase();
    assert!(head.contains("connection: upgrade"), "{head}");
    assert!(head.contains("upgrade: tcp"), "{head}");
    assert!(
        head.contains("content-type: application/vnd.docker.multiplexed-stream"),
        "{head}"
    );
    assert_eq!(frames, "\u{1}\0\0\0\0\0\0\u{f}Python 3.13.11\n");
    assert!(
        r.engine
            .requests()
            .iter()
            .any(|q| q == &format!("POST /exec/{}/start", created.id))
    );
    r.handle.shutdown().await;
}

/// A client with a connection pool (reqwest here, the docker CLI, cleanops' TLS and ssh
/// transports) sends its requests on one connection. (bollard's plain HTTP and unix clients keep
/// no idle connection, so each of their requests opens one: nothing to count there.)
#[tokio::test]
async fn a_pooling_client_sends_its_requests_on_one_connection() {
    let r = serve(compose_project("cleaning", NOW)).await;
    let before = r.handle.connections_accepted();
    // reqwest is built with rustls here, which wants a crypto provider even for plain HTTP.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::new();
    let base = format!("http://{}", r.handle.addr());
    for path in [
        "/_ping",
        "/v1.43/version",
        "/containers/json?all=1",
        "/containers/cleaning-jobs-1/json",
        "/containers/cleaning-jobs-1/logs?stdout=1&stderr=1&tail=3",
        "/containers/nope/json",
    ] {
        let res = client.get(format!("{base}{path}")).send().await.unwrap();
        let status = res.status();
        let body = res.bytes().await.unwrap();
        assert!(!body.is_empty(), "{path}: {status}");
    }
    assert_eq!(r.handle.connections_accepted() - before, 1);
    r.handle.shutdown().await;
}

#[tokio::test]
async fn shutdown_closes_an_idle_kept_alive_connection() {
    let r = serve(compose_project("cleaning", NOW)).await;
    let mut s = tokio::net::TcpStream::connect(r.handle.addr())
        .await
        .unwrap();
    s.write_all(b"GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n")
        .await
        .unwrap();
    let (head, body) = read_response(&mut s).await;
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert_eq!(body, b"OK");
    tokio::time::timeout(PATIENCE, r.handle.shutdown())
        .await
        .expect("shutdown waited on an idle connection");
    let mut rest = Vec::new();
    let n = tokio::time::timeout(PATIENCE, s.read_to_end(&mut rest))
        .await
        .expect("the idle connection stayed open")
        .unwrap_or(0);
    assert_eq!(n, 0, "{:?}", String::from_utf8_lossy(&rest));
}
