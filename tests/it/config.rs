//! Configuration as the binary sees it: sources, precedence, masking, bad files.

use crate::{ADMIN_PASSWORD, run_env};

fn write(path: &std::path::Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn config_show_names_sources_and_masks_the_password() {
    let home = tempfile::tempdir().unwrap();
    write(
        &home.path().join("config/cleanops/config.toml"),
        "default_profile = \"staging\"\n[profiles.staging]\napi_url = \"https://staging.example\"\nusername = \"ops\"\ntimeout = \"9s\"\n",
    );
    write(
        &home.path().join("cleaning/.env"),
        "COMPOSE_PROJECT_NAME=cleanwithsnapshot\nJOB_HEARTBEAT_TTL_SECONDS=240\n",
    );
    let env = vec![(
        "ADMIN_BASIC_PASSWORD".to_string(),
        ADMIN_PASSWORD.to_string(),
    )];
    let j = run_env(&["config", "show", "--json"], &env, &home)
        .code(0)
        .json();
    let get = |name: &str| {
        j["settings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .cloned()
            .unwrap()
    };
    assert_eq!(get("api_url")["value"], "https://staging.example");
    assert!(
        get("api_url")["source"]
            .as_str()
            .unwrap()
            .starts_with("profile staging")
    );
    assert_eq!(get("username")["value"], "ops");
    assert_eq!(get("password")["value"], "******** (set)");
    assert_eq!(get("password")["source"], "env ADMIN_BASIC_PASSWORD");
    assert_eq!(get("timeout")["value"], "9s");
    assert_eq!(get("project_name")["value"], "cleanwithsnapshot");
    assert!(
        get("project_name")["source"]
            .as_str()
            .unwrap()
            .starts_with("env file")
    );
    assert_eq!(get("heartbeat_ttl_fallback")["value"], "240s");

    // A flag beats the profile.
    let j = run_env(
        &[
            "config",
            "show",
            "--json",
            "--api-url",
            "http://127.0.0.1:1",
        ],
        &env,
        &home,
    )
    .json();
    let api = j["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "api_url")
        .unwrap()
        .clone();
    assert_eq!(api["source"], "flag --api-url");

    // Human output, too, masks.
    run_env(&["config", "show"], &env, &home)
        .code(0)
        .stdout_has("********")
        .stdout_has("SOURCE");
}

#[test]
fn a_bad_config_file_is_exit_2_with_file_and_line() {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("config/cleanops/config.toml");
    write(
        &path,
        "[profiles.prod]\napi_url = \"https://x\"\napi_ulr = \"typo\"\n",
    );
    run_env(&["status"], &[], &home)
        .code(2)
        .stderr_has(&format!("{}:3:", path.display()))
        .stderr_has("api_ulr");
    write(&path, "[profiles.prod\n");
    run_env(&["config", "show"], &[], &home)
        .code(2)
        .stderr_has(&format!("{}:1:", path.display()));
}

#[test]
fn an_unknown_profile_is_exit_2() {
    let home = tempfile::tempdir().unwrap();
    write(
        &home.path().join("config/cleanops/config.toml"),
        "[profiles.prod]\n",
    );
    run_env(&["--profile", "prd", "status"], &[], &home)
        .code(2)
        .stderr_has("profiles there: prod");
}

#[test]
fn bad_flags_are_exit_2() {
    let home = tempfile::tempdir().unwrap();
    run_env(&["status", "--timeout", "soon"], &[], &home).code(2);
    run_env(&["dlq", "--kind", "email"], &[], &home).code(2);
    run_env(&["no-such-command"], &[], &home).code(2);
    run_env(&["status", "--api-url", "ftp://x"], &[], &home)
        .code(2)
        .stderr_has("http:// or https://");
}

#[test]
fn help_and_version_exit_0() {
    let home = tempfile::tempdir().unwrap();
    run_env(&["--help"], &[], &home)
        .code(0)
        .stdout_has("Examples:");
    run_env(&["--version"], &[], &home)
        .code(0)
        .stdout_has("cleanops ");
    for cmd in ["status", "heartbeat", "dlq"] {
        run_env(&[cmd, "--help"], &[], &home)
            .code(0)
            .stdout_has("Examples:")
            .stdout_has(&format!("cleanops {cmd}"));
    }
}
