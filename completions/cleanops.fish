# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_cleanops_global_optspecs
    string join \n profile= config= api-url= user= password-file= no-mfa-header allow-insecure-http cacert= project-dir= env-file= project-name= docker-host= json color= v/verbose h/help V/version
end

function __fish_cleanops_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_cleanops_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_cleanops_using_subcommand
    set -l cmd (__fish_cleanops_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c cleanops -n "__fish_cleanops_needs_command" -l profile -d 'Profile of the config file to use [env: CLEANOPS_PROFILE]' -r
complete -c cleanops -n "__fish_cleanops_needs_command" -l config -d 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]' -r -F
complete -c cleanops -n "__fish_cleanops_needs_command" -l api-url -d 'Base URL of the app\'s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]' -r -f
complete -c cleanops -n "__fish_cleanops_needs_command" -l user -d 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]' -r
complete -c cleanops -n "__fish_cleanops_needs_command" -l password-file -d 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]' -r -F
complete -c cleanops -n "__fish_cleanops_needs_command" -l cacert -d 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)' -r -F
complete -c cleanops -n "__fish_cleanops_needs_command" -l project-dir -d 'The deployment\'s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]' -r -f -a "(__fish_complete_directories)"
complete -c cleanops -n "__fish_cleanops_needs_command" -l env-file -d 'The deployment\'s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]' -r -F
complete -c cleanops -n "__fish_cleanops_needs_command" -l project-name -d 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory\'s name]' -r
complete -c cleanops -n "__fish_cleanops_needs_command" -l docker-host -d 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)' -r -f
complete -c cleanops -n "__fish_cleanops_needs_command" -l color -d 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cleanops -n "__fish_cleanops_needs_command" -l no-mfa-header -d 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)'
complete -c cleanops -n "__fish_cleanops_needs_command" -l allow-insecure-http -d 'Allow sending credentials over plain http:// to a host that is not loopback'
complete -c cleanops -n "__fish_cleanops_needs_command" -l json -d 'One JSON document on stdout, no colour, no prompts'
complete -c cleanops -n "__fish_cleanops_needs_command" -s v -l verbose -d 'Print each request on stderr (credentials never)'
complete -c cleanops -n "__fish_cleanops_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cleanops -n "__fish_cleanops_needs_command" -s V -l version -d 'Print version'
complete -c cleanops -n "__fish_cleanops_needs_command" -f -a "diagnose" -d 'The whole quick diagnosis in one pass: every read-only check, the likely cause, the next command'
complete -c cleanops -n "__fish_cleanops_needs_command" -f -a "demo" -d 'The diagnosis against a simulated deployment, with nothing to set up'
complete -c cleanops -n "__fish_cleanops_needs_command" -f -a "status" -d 'Readiness of the app: every /readyz check, read on 200 and on 503'
complete -c cleanops -n "__fish_cleanops_needs_command" -f -a "heartbeat" -d 'The jobs heartbeat (fresh, late, stale, missing, disabled), each job\'s last run, and clock drift'
complete -c cleanops -n "__fish_cleanops_needs_command" -f -a "dlq" -d 'The dead-letter queue: counts and items (outbox and export)'
complete -c cleanops -n "__fish_cleanops_needs_command" -f -a "logs" -d 'Logs of the services (default: jobs), merged in time order and read: a JSON record as time, level, message and key fields, a traceback as its exception'
complete -c cleanops -n "__fish_cleanops_needs_command" -f -a "restart" -d 'Restart a service\'s container (default: jobs) and verify it stays up'
complete -c cleanops -n "__fish_cleanops_needs_command" -f -a "env-check" -d 'Check the deployment\'s env file (JOBS_ENABLED, heartbeat settings, DATABASE_URL) and its drift from the running jobs container'
complete -c cleanops -n "__fish_cleanops_needs_command" -f -a "db-check" -d 'Check the database from inside the jobs container (or with pg_isready in db)'
complete -c cleanops -n "__fish_cleanops_needs_command" -f -a "run-once" -d 'Run one loop of the jobs runner inside the jobs container (python -m app.jobs.run --once)'
complete -c cleanops -n "__fish_cleanops_needs_command" -f -a "replay" -d 'Replay dead events safely: only dead ones, paced under the app\'s limit, idempotent, resumable'
complete -c cleanops -n "__fish_cleanops_needs_command" -f -a "remediate" -d 'The runbook\'s safe remediation, step by step, only where the diagnosis justifies it'
complete -c cleanops -n "__fish_cleanops_needs_command" -f -a "rollback" -d 'The runbook\'s rollback: git reset to a good commit and deploy (dry run unless --yes)'
complete -c cleanops -n "__fish_cleanops_needs_command" -f -a "escalate" -d 'Page the runbook\'s next escalation role with the diagnosis attached (PagerDuty, Slack); --ack, --resolve'
complete -c cleanops -n "__fish_cleanops_needs_command" -f -a "notify" -d 'Post the diagnosis (or the timeline) to the incident channel\'s Slack webhook'
complete -c cleanops -n "__fish_cleanops_needs_command" -f -a "timeline" -d 'The incident\'s actions and diagnoses, from the audit file, for the postmortem'
complete -c cleanops -n "__fish_cleanops_needs_command" -f -a "config" -d 'Show the resolved configuration and where each value came from'
complete -c cleanops -n "__fish_cleanops_needs_command" -f -a "sim" -d 'The built-in simulator of the app, for trying cleanops and for tests'
complete -c cleanops -n "__fish_cleanops_needs_command" -f -a "completions" -d 'Shell completions (bash, zsh, fish, PowerShell, elvish), generated from this definition'
complete -c cleanops -n "__fish_cleanops_needs_command" -f -a "man" -d 'Man pages, one per subcommand (cleanops.1, cleanops-restart.1, ...), generated from this definition'
complete -c cleanops -n "__fish_cleanops_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cleanops -n "__fish_cleanops_using_subcommand diagnose" -l timeout -d 'How long each API call may take, retries included (e.g. 5s, 500ms) [env: CLEANOPS_TIMEOUT] [default: 5s]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand diagnose" -l deadline -d 'The whole pass ends by then, whatever hangs; what did not finish shows as timed out' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand diagnose" -l check -d 'Run only this check (repeatable)' -r -f -a "api\t'the API answers: reachable, TLS, latency'
readiness\t'every /readyz check (db, migrations, jobs)'
heartbeat\t'the jobs heartbeat: age against the threshold, runner id'
jobs-status\t'each job\'s last run: failing and never-succeeded jobs'
dlq\t'the dead-letter backlog per kind, and its age'
jobs-container\t'the jobs container: running, exited, OOM-killed, restarts, crash loop'
jobs-logs\t'the runner\'s recent log: tracebacks, database errors, job_failed, last job_complete'
api-logs\t'the API\'s recent log: job_heartbeat_stale, auth failures'
env\t'the env file\'s rules, and drift from the running jobs container'
clock\t'the server\'s clock against ours; heartbeats in the future'
db\t'the database: the readiness check (and, with --deep, from inside the jobs container)'"
complete -c cleanops -n "__fish_cleanops_using_subcommand diagnose" -l skip -d 'Skip this check (repeatable; the names of --check)' -r -f -a "api\t'the API answers: reachable, TLS, latency'
readiness\t'every /readyz check (db, migrations, jobs)'
heartbeat\t'the jobs heartbeat: age against the threshold, runner id'
jobs-status\t'each job\'s last run: failing and never-succeeded jobs'
dlq\t'the dead-letter backlog per kind, and its age'
jobs-container\t'the jobs container: running, exited, OOM-killed, restarts, crash loop'
jobs-logs\t'the runner\'s recent log: tracebacks, database errors, job_failed, last job_complete'
api-logs\t'the API\'s recent log: job_heartbeat_stale, auth failures'
env\t'the env file\'s rules, and drift from the running jobs container'
clock\t'the server\'s clock against ours; heartbeats in the future'
db\t'the database: the readiness check (and, with --deep, from inside the jobs container)'"
complete -c cleanops -n "__fish_cleanops_using_subcommand diagnose" -l watch -d 'Diagnose again every INTERVAL (start to start), redrawing in place on a terminal, one report a round otherwise; never faster than the app\'s rate limit allows (30 admin calls a minute per client IP, 2 a round): a shorter INTERVAL is stretched, with a message. Ctrl-C ends it with exit 130' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand diagnose" -l rounds -d 'With --watch: stop after N rounds, exiting with the last round\'s code' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand diagnose" -l profile -d 'Profile of the config file to use [env: CLEANOPS_PROFILE]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand diagnose" -l config -d 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand diagnose" -l api-url -d 'Base URL of the app\'s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand diagnose" -l user -d 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand diagnose" -l password-file -d 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand diagnose" -l cacert -d 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand diagnose" -l project-dir -d 'The deployment\'s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]' -r -f -a "(__fish_complete_directories)"
complete -c cleanops -n "__fish_cleanops_using_subcommand diagnose" -l env-file -d 'The deployment\'s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand diagnose" -l project-name -d 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory\'s name]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand diagnose" -l docker-host -d 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand diagnose" -l color -d 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cleanops -n "__fish_cleanops_using_subcommand diagnose" -l markdown -d 'A paste-ready incident note (times in UTC)'
complete -c cleanops -n "__fish_cleanops_using_subcommand diagnose" -l list-checks -d 'List the checks and exit'
complete -c cleanops -n "__fish_cleanops_using_subcommand diagnose" -l deep -d 'Also check the database from inside the jobs container (an exec)'
complete -c cleanops -n "__fish_cleanops_using_subcommand diagnose" -l no-mfa-header -d 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)'
complete -c cleanops -n "__fish_cleanops_using_subcommand diagnose" -l allow-insecure-http -d 'Allow sending credentials over plain http:// to a host that is not loopback'
complete -c cleanops -n "__fish_cleanops_using_subcommand diagnose" -l json -d 'One JSON document on stdout, no colour, no prompts'
complete -c cleanops -n "__fish_cleanops_using_subcommand diagnose" -s v -l verbose -d 'Print each request on stderr (credentials never)'
complete -c cleanops -n "__fish_cleanops_using_subcommand diagnose" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cleanops -n "__fish_cleanops_using_subcommand diagnose" -s V -l version -d 'Print version'
complete -c cleanops -n "__fish_cleanops_using_subcommand demo" -l scenario -d 'Which simulated incident' -r -f -a "jobs-oom\t'the jobs container was OOM-killed (exit 137) 14 minutes ago; the heartbeat is 14 minutes stale'
crash-loop\t'the database stopped answering in its running container; the runner dies with OperationalError tracebacks and restarts in a loop'
db-down\t'the db container was stopped; readiness fails its db check, and the runner crash-loops (Name or service not known)'
jobs-disabled\t'JOBS_ENABLED=false in the env file and in the containers: the heartbeat is not checked'
env-not-applied\t'JOBS_ENABLED was set to true in the env file, but the containers were never re-created'
just-started\t'the jobs container started 40 s ago: its first loop has not finished, the heartbeat reads as missing'
slow-loop\t'the runner is alive, but a loop takes longer than the 180 s threshold'
runner-dead\t'the container runs, but the runner inside it stopped looping 31 minutes ago'
clock-drift\t'the server\'s clock is 90 s ahead of ours'
dlq-backlog\t'the runner is healthy; 37 e-mails and 3 exports wait in the dead-letter queue'
healthy\t'nothing is wrong'"
complete -c cleanops -n "__fish_cleanops_using_subcommand demo" -l profile -d 'Profile of the config file to use [env: CLEANOPS_PROFILE]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand demo" -l config -d 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand demo" -l api-url -d 'Base URL of the app\'s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand demo" -l user -d 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand demo" -l password-file -d 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand demo" -l cacert -d 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand demo" -l project-dir -d 'The deployment\'s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]' -r -f -a "(__fish_complete_directories)"
complete -c cleanops -n "__fish_cleanops_using_subcommand demo" -l env-file -d 'The deployment\'s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand demo" -l project-name -d 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory\'s name]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand demo" -l docker-host -d 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand demo" -l color -d 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cleanops -n "__fish_cleanops_using_subcommand demo" -l list-scenarios -d 'List the scenarios and exit'
complete -c cleanops -n "__fish_cleanops_using_subcommand demo" -l markdown -d 'A paste-ready incident note instead of the screen'
complete -c cleanops -n "__fish_cleanops_using_subcommand demo" -l no-mfa-header -d 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)'
complete -c cleanops -n "__fish_cleanops_using_subcommand demo" -l allow-insecure-http -d 'Allow sending credentials over plain http:// to a host that is not loopback'
complete -c cleanops -n "__fish_cleanops_using_subcommand demo" -l json -d 'One JSON document on stdout, no colour, no prompts'
complete -c cleanops -n "__fish_cleanops_using_subcommand demo" -s v -l verbose -d 'Print each request on stderr (credentials never)'
complete -c cleanops -n "__fish_cleanops_using_subcommand demo" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cleanops -n "__fish_cleanops_using_subcommand demo" -s V -l version -d 'Print version'
complete -c cleanops -n "__fish_cleanops_using_subcommand status" -l timeout -d 'How long each API call may take, retries included (e.g. 5s, 500ms) [env: CLEANOPS_TIMEOUT] [default: 5s]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand status" -l interval -d 'Time between polls with --wait-ready (at least 500ms)' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand status" -l profile -d 'Profile of the config file to use [env: CLEANOPS_PROFILE]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand status" -l config -d 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand status" -l api-url -d 'Base URL of the app\'s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand status" -l user -d 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand status" -l password-file -d 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand status" -l cacert -d 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand status" -l project-dir -d 'The deployment\'s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]' -r -f -a "(__fish_complete_directories)"
complete -c cleanops -n "__fish_cleanops_using_subcommand status" -l env-file -d 'The deployment\'s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand status" -l project-name -d 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory\'s name]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand status" -l docker-host -d 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand status" -l color -d 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cleanops -n "__fish_cleanops_using_subcommand status" -l api-only -d 'Only the API\'s readiness, not the containers (no Docker engine needed)'
complete -c cleanops -n "__fish_cleanops_using_subcommand status" -l wait-ready -d 'Poll until /readyz is ready (for scripts after a restart); --timeout bounds the wait'
complete -c cleanops -n "__fish_cleanops_using_subcommand status" -l no-mfa-header -d 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)'
complete -c cleanops -n "__fish_cleanops_using_subcommand status" -l allow-insecure-http -d 'Allow sending credentials over plain http:// to a host that is not loopback'
complete -c cleanops -n "__fish_cleanops_using_subcommand status" -l json -d 'One JSON document on stdout, no colour, no prompts'
complete -c cleanops -n "__fish_cleanops_using_subcommand status" -s v -l verbose -d 'Print each request on stderr (credentials never)'
complete -c cleanops -n "__fish_cleanops_using_subcommand status" -s h -l help -d 'Print help'
complete -c cleanops -n "__fish_cleanops_using_subcommand status" -s V -l version -d 'Print version'
complete -c cleanops -n "__fish_cleanops_using_subcommand heartbeat" -l timeout -d 'How long each API call may take, retries included (e.g. 5s, 500ms) [env: CLEANOPS_TIMEOUT] [default: 5s]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand heartbeat" -l late-after -d 'A heartbeat older than this (but within the threshold) is late [default: half the threshold]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand heartbeat" -l max-drift -d 'Clock drift above this is a finding' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand heartbeat" -l interval -d 'Time between polls with --wait-fresh (at least 500ms)' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand heartbeat" -l profile -d 'Profile of the config file to use [env: CLEANOPS_PROFILE]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand heartbeat" -l config -d 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand heartbeat" -l api-url -d 'Base URL of the app\'s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand heartbeat" -l user -d 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand heartbeat" -l password-file -d 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand heartbeat" -l cacert -d 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand heartbeat" -l project-dir -d 'The deployment\'s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]' -r -f -a "(__fish_complete_directories)"
complete -c cleanops -n "__fish_cleanops_using_subcommand heartbeat" -l env-file -d 'The deployment\'s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand heartbeat" -l project-name -d 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory\'s name]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand heartbeat" -l docker-host -d 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand heartbeat" -l color -d 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cleanops -n "__fish_cleanops_using_subcommand heartbeat" -l no-jobs -d 'Skip the per-job table (GET /v1/admin/jobs/status needs admin credentials)'
complete -c cleanops -n "__fish_cleanops_using_subcommand heartbeat" -l all-jobs -d 'List every job in the table, not only those that need a look'
complete -c cleanops -n "__fish_cleanops_using_subcommand heartbeat" -l wait-fresh -d 'Poll until the heartbeat is fresh (after a remediation); --timeout bounds the wait'
complete -c cleanops -n "__fish_cleanops_using_subcommand heartbeat" -l no-mfa-header -d 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)'
complete -c cleanops -n "__fish_cleanops_using_subcommand heartbeat" -l allow-insecure-http -d 'Allow sending credentials over plain http:// to a host that is not loopback'
complete -c cleanops -n "__fish_cleanops_using_subcommand heartbeat" -l json -d 'One JSON document on stdout, no colour, no prompts'
complete -c cleanops -n "__fish_cleanops_using_subcommand heartbeat" -s v -l verbose -d 'Print each request on stderr (credentials never)'
complete -c cleanops -n "__fish_cleanops_using_subcommand heartbeat" -s h -l help -d 'Print help'
complete -c cleanops -n "__fish_cleanops_using_subcommand heartbeat" -s V -l version -d 'Print version'
complete -c cleanops -n "__fish_cleanops_using_subcommand dlq" -l timeout -d 'How long each API call may take, retries included (e.g. 5s, 500ms) [env: CLEANOPS_TIMEOUT] [default: 5s]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand dlq" -l kind -d 'Which dead letters: outbox events (e-mails, webhooks), export events, or both' -r -f -a "all\t''
outbox\t''
export\t''"
complete -c cleanops -n "__fish_cleanops_using_subcommand dlq" -l limit -d 'How many items to list (pages through the server\'s 100 per request when larger)' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand dlq" -l max -d 'Exit 1 when more than N events are dead (for scripts)' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand dlq" -l via -d 'Where to read it: the admin API, or PostgreSQL in the db container (psql, read-only) [default: the API, and the database for a kind the API cannot list]' -r -f -a "api\t'The app\'s admin API'
db\t'psql inside the db container, as the env file\'s POSTGRES_USER on POSTGRES_DB'"
complete -c cleanops -n "__fish_cleanops_using_subcommand dlq" -l profile -d 'Profile of the config file to use [env: CLEANOPS_PROFILE]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand dlq" -l config -d 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand dlq" -l api-url -d 'Base URL of the app\'s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand dlq" -l user -d 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand dlq" -l password-file -d 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand dlq" -l cacert -d 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand dlq" -l project-dir -d 'The deployment\'s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]' -r -f -a "(__fish_complete_directories)"
complete -c cleanops -n "__fish_cleanops_using_subcommand dlq" -l env-file -d 'The deployment\'s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand dlq" -l project-name -d 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory\'s name]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand dlq" -l docker-host -d 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand dlq" -l color -d 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cleanops -n "__fish_cleanops_using_subcommand dlq" -l all -d 'List every item (up to 2000)'
complete -c cleanops -n "__fish_cleanops_using_subcommand dlq" -l show-pii -d 'Show e-mail addresses in summaries instead of masking them'
complete -c cleanops -n "__fish_cleanops_using_subcommand dlq" -l no-mfa-header -d 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)'
complete -c cleanops -n "__fish_cleanops_using_subcommand dlq" -l allow-insecure-http -d 'Allow sending credentials over plain http:// to a host that is not loopback'
complete -c cleanops -n "__fish_cleanops_using_subcommand dlq" -l json -d 'One JSON document on stdout, no colour, no prompts'
complete -c cleanops -n "__fish_cleanops_using_subcommand dlq" -s v -l verbose -d 'Print each request on stderr (credentials never)'
complete -c cleanops -n "__fish_cleanops_using_subcommand dlq" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cleanops -n "__fish_cleanops_using_subcommand dlq" -s V -l version -d 'Print version'
complete -c cleanops -n "__fish_cleanops_using_subcommand logs" -l tail -d 'Lines from the end of each container\'s log [default: 500, or all with --since]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand logs" -l since -d 'Only lines since: RFC 3339 or a duration ago (15m, 2h)' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand logs" -l until -d 'Only lines until: RFC 3339 or a duration ago' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand logs" -l grep -d 'Only lines matching REGEX (case-insensitive; repeat for any of several), each line matched as stored (a JSON record with all its fields); matching lines are shown one by one' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand logs" -l level -d 'Only records at LEVEL or above; lines without a level are kept, except those that continue a lower record; every line of a traceback counts as error' -r -f -a "debug\t''
info\t''
warning\t''
error\t''
critical\t''"
complete -c cleanops -n "__fish_cleanops_using_subcommand logs" -l timeout -d 'How long each API call may take, retries included (e.g. 5s, 500ms) [env: CLEANOPS_TIMEOUT] [default: 5s]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand logs" -l profile -d 'Profile of the config file to use [env: CLEANOPS_PROFILE]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand logs" -l config -d 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand logs" -l api-url -d 'Base URL of the app\'s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand logs" -l user -d 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand logs" -l password-file -d 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand logs" -l cacert -d 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand logs" -l project-dir -d 'The deployment\'s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]' -r -f -a "(__fish_complete_directories)"
complete -c cleanops -n "__fish_cleanops_using_subcommand logs" -l env-file -d 'The deployment\'s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand logs" -l project-name -d 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory\'s name]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand logs" -l docker-host -d 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand logs" -l color -d 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cleanops -n "__fish_cleanops_using_subcommand logs" -l full -d 'Show everything: a JSON record\'s every field and whole exception, a traceback\'s every line'
complete -c cleanops -n "__fish_cleanops_using_subcommand logs" -l timestamps -d 'Prefix each line with its time (RFC 3339, UTC, from the engine; a JSON record\'s own time is then left out)'
complete -c cleanops -n "__fish_cleanops_using_subcommand logs" -s f -l follow -d 'Keep following, across restarts and re-creations of the container'
complete -c cleanops -n "__fish_cleanops_using_subcommand logs" -l raw -d 'Print log lines exactly as stored: no reading or reformatting, control characters included (on a terminal they are shown escaped by default)'
complete -c cleanops -n "__fish_cleanops_using_subcommand logs" -l no-mfa-header -d 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)'
complete -c cleanops -n "__fish_cleanops_using_subcommand logs" -l allow-insecure-http -d 'Allow sending credentials over plain http:// to a host that is not loopback'
complete -c cleanops -n "__fish_cleanops_using_subcommand logs" -l json -d 'One JSON document on stdout, no colour, no prompts'
complete -c cleanops -n "__fish_cleanops_using_subcommand logs" -s v -l verbose -d 'Print each request on stderr (credentials never)'
complete -c cleanops -n "__fish_cleanops_using_subcommand logs" -s h -l help -d 'Print help'
complete -c cleanops -n "__fish_cleanops_using_subcommand logs" -s V -l version -d 'Print version'
complete -c cleanops -n "__fish_cleanops_using_subcommand restart" -s t -l timeout -d 'Seconds the container gets to stop before it is killed' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand restart" -l wait-limit -d 'How long --wait-heartbeat waits [default: the heartbeat threshold plus one loop]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand restart" -l settle -d 'How long the restart count must hold still to call the container stable' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand restart" -l profile -d 'Profile of the config file to use [env: CLEANOPS_PROFILE]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand restart" -l config -d 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand restart" -l api-url -d 'Base URL of the app\'s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand restart" -l user -d 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand restart" -l password-file -d 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand restart" -l cacert -d 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand restart" -l project-dir -d 'The deployment\'s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]' -r -f -a "(__fish_complete_directories)"
complete -c cleanops -n "__fish_cleanops_using_subcommand restart" -l env-file -d 'The deployment\'s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand restart" -l project-name -d 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory\'s name]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand restart" -l docker-host -d 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand restart" -l color -d 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cleanops -n "__fish_cleanops_using_subcommand restart" -s y -l yes -d 'Do it without asking (needed when not on a terminal)'
complete -c cleanops -n "__fish_cleanops_using_subcommand restart" -l dry-run -d 'Print the exact Docker API calls and HTTP requests instead of making them'
complete -c cleanops -n "__fish_cleanops_using_subcommand restart" -l wait-heartbeat -d 'After the restart, wait until the /readyz jobs heartbeat is fresh (jobs only)'
complete -c cleanops -n "__fish_cleanops_using_subcommand restart" -l no-mfa-header -d 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)'
complete -c cleanops -n "__fish_cleanops_using_subcommand restart" -l allow-insecure-http -d 'Allow sending credentials over plain http:// to a host that is not loopback'
complete -c cleanops -n "__fish_cleanops_using_subcommand restart" -l json -d 'One JSON document on stdout, no colour, no prompts'
complete -c cleanops -n "__fish_cleanops_using_subcommand restart" -s v -l verbose -d 'Print each request on stderr (credentials never)'
complete -c cleanops -n "__fish_cleanops_using_subcommand restart" -s h -l help -d 'Print help'
complete -c cleanops -n "__fish_cleanops_using_subcommand restart" -s V -l version -d 'Print version'
complete -c cleanops -n "__fish_cleanops_using_subcommand env-check" -l timeout -d 'How long each API call may take, retries included (e.g. 5s, 500ms) [env: CLEANOPS_TIMEOUT] [default: 5s]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand env-check" -l profile -d 'Profile of the config file to use [env: CLEANOPS_PROFILE]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand env-check" -l config -d 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand env-check" -l api-url -d 'Base URL of the app\'s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand env-check" -l user -d 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand env-check" -l password-file -d 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand env-check" -l cacert -d 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand env-check" -l project-dir -d 'The deployment\'s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]' -r -f -a "(__fish_complete_directories)"
complete -c cleanops -n "__fish_cleanops_using_subcommand env-check" -l env-file -d 'The deployment\'s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand env-check" -l project-name -d 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory\'s name]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand env-check" -l docker-host -d 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand env-check" -l color -d 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cleanops -n "__fish_cleanops_using_subcommand env-check" -l no-drift -d 'Skip the comparison with the running jobs container (no Docker engine needed)'
complete -c cleanops -n "__fish_cleanops_using_subcommand env-check" -l no-mfa-header -d 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)'
complete -c cleanops -n "__fish_cleanops_using_subcommand env-check" -l allow-insecure-http -d 'Allow sending credentials over plain http:// to a host that is not loopback'
complete -c cleanops -n "__fish_cleanops_using_subcommand env-check" -l json -d 'One JSON document on stdout, no colour, no prompts'
complete -c cleanops -n "__fish_cleanops_using_subcommand env-check" -s v -l verbose -d 'Print each request on stderr (credentials never)'
complete -c cleanops -n "__fish_cleanops_using_subcommand env-check" -s h -l help -d 'Print help'
complete -c cleanops -n "__fish_cleanops_using_subcommand env-check" -s V -l version -d 'Print version'
complete -c cleanops -n "__fish_cleanops_using_subcommand db-check" -l via -d 'Where to check from' -r -f -a "jobs\t'The app\'s own database code inside the jobs container'
db\t'pg_isready inside the db container'"
complete -c cleanops -n "__fish_cleanops_using_subcommand db-check" -l limit -d 'How long the check may run inside the container' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand db-check" -l timeout -d 'How long each API call may take, retries included (e.g. 5s, 500ms) [env: CLEANOPS_TIMEOUT] [default: 5s]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand db-check" -l profile -d 'Profile of the config file to use [env: CLEANOPS_PROFILE]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand db-check" -l config -d 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand db-check" -l api-url -d 'Base URL of the app\'s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand db-check" -l user -d 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand db-check" -l password-file -d 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand db-check" -l cacert -d 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand db-check" -l project-dir -d 'The deployment\'s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]' -r -f -a "(__fish_complete_directories)"
complete -c cleanops -n "__fish_cleanops_using_subcommand db-check" -l env-file -d 'The deployment\'s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand db-check" -l project-name -d 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory\'s name]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand db-check" -l docker-host -d 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand db-check" -l color -d 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cleanops -n "__fish_cleanops_using_subcommand db-check" -l no-mfa-header -d 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)'
complete -c cleanops -n "__fish_cleanops_using_subcommand db-check" -l allow-insecure-http -d 'Allow sending credentials over plain http:// to a host that is not loopback'
complete -c cleanops -n "__fish_cleanops_using_subcommand db-check" -l json -d 'One JSON document on stdout, no colour, no prompts'
complete -c cleanops -n "__fish_cleanops_using_subcommand db-check" -s v -l verbose -d 'Print each request on stderr (credentials never)'
complete -c cleanops -n "__fish_cleanops_using_subcommand db-check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cleanops -n "__fish_cleanops_using_subcommand db-check" -s V -l version -d 'Print version'
complete -c cleanops -n "__fish_cleanops_using_subcommand run-once" -l job -d 'Only this job (repeatable); without it, all 23 jobs run next to the live loop' -r -f -a "booking-reminders\t''
invoice-reminders\t''
nps-send-runner\t''
email-dlq\t''
outbox-delivery\t''
dlq-auto-replay\t''
storage-janitor\t''
storage-quota-cleanup\t''
storage-quota-reconcile\t''
audit-retention\t''
log-retention-daily\t''
data-retention-daily\t''
data-retention-weekly\t''
soft-delete-purge-daily\t''
feature-flag-retirement\t''
feature-flag-governance\t''
notifications-digest-daily\t''
notifications-digest-weekly\t''
notifications-digest-monthly\t''
gcal-sync\t''
qbo-sync\t''
leads-nurture-runner\t''
quota-alerts\t''
nps-send\t''
accounting-export\t''
analytics-retention-daily\t''
data-rights-export\t''
data-export-retention\t''"
complete -c cleanops -n "__fish_cleanops_using_subcommand run-once" -l limit -d 'How long the loop may run' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand run-once" -l timeout -d 'How long each API call may take, retries included (e.g. 5s, 500ms) [env: CLEANOPS_TIMEOUT] [default: 5s]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand run-once" -l profile -d 'Profile of the config file to use [env: CLEANOPS_PROFILE]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand run-once" -l config -d 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand run-once" -l api-url -d 'Base URL of the app\'s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand run-once" -l user -d 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand run-once" -l password-file -d 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand run-once" -l cacert -d 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand run-once" -l project-dir -d 'The deployment\'s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]' -r -f -a "(__fish_complete_directories)"
complete -c cleanops -n "__fish_cleanops_using_subcommand run-once" -l env-file -d 'The deployment\'s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand run-once" -l project-name -d 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory\'s name]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand run-once" -l docker-host -d 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand run-once" -l color -d 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cleanops -n "__fish_cleanops_using_subcommand run-once" -s y -l yes -d 'Do it without asking (needed when not on a terminal)'
complete -c cleanops -n "__fish_cleanops_using_subcommand run-once" -l dry-run -d 'Print the exact Docker API calls and HTTP requests instead of making them'
complete -c cleanops -n "__fish_cleanops_using_subcommand run-once" -l no-mfa-header -d 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)'
complete -c cleanops -n "__fish_cleanops_using_subcommand run-once" -l allow-insecure-http -d 'Allow sending credentials over plain http:// to a host that is not loopback'
complete -c cleanops -n "__fish_cleanops_using_subcommand run-once" -l json -d 'One JSON document on stdout, no colour, no prompts'
complete -c cleanops -n "__fish_cleanops_using_subcommand run-once" -s v -l verbose -d 'Print each request on stderr (credentials never)'
complete -c cleanops -n "__fish_cleanops_using_subcommand run-once" -s h -l help -d 'Print help'
complete -c cleanops -n "__fish_cleanops_using_subcommand run-once" -s V -l version -d 'Print version'
complete -c cleanops -n "__fish_cleanops_using_subcommand replay" -l kind -d 'Only this kind of dead event' -r -f -a "outbox\t''
export\t''"
complete -c cleanops -n "__fish_cleanops_using_subcommand replay" -l event-type -d 'Only events of this type (email, webhook, export, ...)' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand replay" -l error -d 'Only events whose last error contains this text' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand replay" -l older-than -d 'Only events dead for longer than this (e.g. 1h)' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand replay" -l limit -d 'At most N events (with --batch: the server\'s batch size, 1..100)' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand replay" -l rate -d 'Replays a minute (the app allows 5 a minute per org, shared by everyone) [default: 5, or the resumed run\'s]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand replay" -l resume -d 'Carry on with an interrupted run, re-posting only where the outcome is unknown' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand replay" -l via -d 'How to replay: through the admin API (paced, one idempotency key per event), or in the database (outbox events only: reset to pending where still dead, one transaction per 50)' -r -f -a "api\t'The app\'s admin API'
db\t'psql inside the db container, as the env file\'s POSTGRES_USER on POSTGRES_DB'"
complete -c cleanops -n "__fish_cleanops_using_subcommand replay" -l timeout -d 'How long each API call may take, retries included (e.g. 5s, 500ms) [env: CLEANOPS_TIMEOUT] [default: 5s]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand replay" -l profile -d 'Profile of the config file to use [env: CLEANOPS_PROFILE]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand replay" -l config -d 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand replay" -l api-url -d 'Base URL of the app\'s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand replay" -l user -d 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand replay" -l password-file -d 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand replay" -l cacert -d 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand replay" -l project-dir -d 'The deployment\'s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]' -r -f -a "(__fish_complete_directories)"
complete -c cleanops -n "__fish_cleanops_using_subcommand replay" -l env-file -d 'The deployment\'s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand replay" -l project-name -d 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory\'s name]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand replay" -l docker-host -d 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand replay" -l color -d 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cleanops -n "__fish_cleanops_using_subcommand replay" -l from-dlq -d 'Replay what the DLQ holds (with the filters below)'
complete -c cleanops -n "__fish_cleanops_using_subcommand replay" -l force -d 'Replay even events that are not dead right now (a sent event is sent again)'
complete -c cleanops -n "__fish_cleanops_using_subcommand replay" -l batch -d 'Use the server\'s batch replay (POST /v1/admin/queue/dlq/replay?confirm=true)'
complete -c cleanops -n "__fish_cleanops_using_subcommand replay" -l list-runs -d 'List the runs in the journal and exit'
complete -c cleanops -n "__fish_cleanops_using_subcommand replay" -l verify -d 'After the run, wait for the runner\'s next loop and report which events are dead again (--via db: until the events leave pending)'
complete -c cleanops -n "__fish_cleanops_using_subcommand replay" -s y -l yes -d 'Do it without asking (needed when not on a terminal)'
complete -c cleanops -n "__fish_cleanops_using_subcommand replay" -l dry-run -d 'Print the exact Docker API calls and HTTP requests instead of making them'
complete -c cleanops -n "__fish_cleanops_using_subcommand replay" -l no-mfa-header -d 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)'
complete -c cleanops -n "__fish_cleanops_using_subcommand replay" -l allow-insecure-http -d 'Allow sending credentials over plain http:// to a host that is not loopback'
complete -c cleanops -n "__fish_cleanops_using_subcommand replay" -l json -d 'One JSON document on stdout, no colour, no prompts'
complete -c cleanops -n "__fish_cleanops_using_subcommand replay" -s v -l verbose -d 'Print each request on stderr (credentials never)'
complete -c cleanops -n "__fish_cleanops_using_subcommand replay" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cleanops -n "__fish_cleanops_using_subcommand replay" -s V -l version -d 'Print version'
complete -c cleanops -n "__fish_cleanops_using_subcommand remediate" -l timeout -d 'How long the whole remediation may take' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand remediate" -l escalate-after -d 'Escalate by itself, once (cleanops escalate: the next role), when /readyz is still not ready this long after the walk began, or when the walk stops without readiness (a manual step, a failed step)' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand remediate" -l profile -d 'Profile of the config file to use [env: CLEANOPS_PROFILE]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand remediate" -l config -d 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand remediate" -l api-url -d 'Base URL of the app\'s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand remediate" -l user -d 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand remediate" -l password-file -d 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand remediate" -l cacert -d 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand remediate" -l project-dir -d 'The deployment\'s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]' -r -f -a "(__fish_complete_directories)"
complete -c cleanops -n "__fish_cleanops_using_subcommand remediate" -l env-file -d 'The deployment\'s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand remediate" -l project-name -d 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory\'s name]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand remediate" -l docker-host -d 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand remediate" -l color -d 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cleanops -n "__fish_cleanops_using_subcommand remediate" -s y -l yes -d 'Do it without asking (needed when not on a terminal)'
complete -c cleanops -n "__fish_cleanops_using_subcommand remediate" -l dry-run -d 'Print the exact Docker API calls and HTTP requests instead of making them'
complete -c cleanops -n "__fish_cleanops_using_subcommand remediate" -l until-ready -d 'After the steps, keep waiting until /readyz is ready (bounded by --timeout)'
complete -c cleanops -n "__fish_cleanops_using_subcommand remediate" -l no-mfa-header -d 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)'
complete -c cleanops -n "__fish_cleanops_using_subcommand remediate" -l allow-insecure-http -d 'Allow sending credentials over plain http:// to a host that is not loopback'
complete -c cleanops -n "__fish_cleanops_using_subcommand remediate" -l json -d 'One JSON document on stdout, no colour, no prompts'
complete -c cleanops -n "__fish_cleanops_using_subcommand remediate" -s v -l verbose -d 'Print each request on stderr (credentials never)'
complete -c cleanops -n "__fish_cleanops_using_subcommand remediate" -s h -l help -d 'Print help'
complete -c cleanops -n "__fish_cleanops_using_subcommand remediate" -s V -l version -d 'Print version'
complete -c cleanops -n "__fish_cleanops_using_subcommand rollback" -l to -d 'The good commit to go back to' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand rollback" -l deploy -d 'The deploy script, relative to the project directory' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand rollback" -l wait -d 'How long to wait for readiness after the deploy' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand rollback" -l profile -d 'Profile of the config file to use [env: CLEANOPS_PROFILE]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand rollback" -l config -d 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand rollback" -l api-url -d 'Base URL of the app\'s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand rollback" -l user -d 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand rollback" -l password-file -d 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand rollback" -l cacert -d 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand rollback" -l project-dir -d 'The deployment\'s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]' -r -f -a "(__fish_complete_directories)"
complete -c cleanops -n "__fish_cleanops_using_subcommand rollback" -l env-file -d 'The deployment\'s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand rollback" -l project-name -d 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory\'s name]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand rollback" -l docker-host -d 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand rollback" -l color -d 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cleanops -n "__fish_cleanops_using_subcommand rollback" -s y -l yes -d 'Run it (without --yes it only prints what it would do)'
complete -c cleanops -n "__fish_cleanops_using_subcommand rollback" -l no-mfa-header -d 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)'
complete -c cleanops -n "__fish_cleanops_using_subcommand rollback" -l allow-insecure-http -d 'Allow sending credentials over plain http:// to a host that is not loopback'
complete -c cleanops -n "__fish_cleanops_using_subcommand rollback" -l json -d 'One JSON document on stdout, no colour, no prompts'
complete -c cleanops -n "__fish_cleanops_using_subcommand rollback" -s v -l verbose -d 'Print each request on stderr (credentials never)'
complete -c cleanops -n "__fish_cleanops_using_subcommand rollback" -s h -l help -d 'Print help'
complete -c cleanops -n "__fish_cleanops_using_subcommand rollback" -s V -l version -d 'Print version'
complete -c cleanops -n "__fish_cleanops_using_subcommand escalate" -l note -d 'The engineer\'s words, sent along (PagerDuty custom_details.note, the Slack message) and kept in the audit file' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand escalate" -l max-age -d 'Send the last diagnosis of this deployment when it is at most this old (0s: always diagnose anew)' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand escalate" -l deadline -d 'How long a new diagnosis may take' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand escalate" -l timeout -d 'How long each API call may take, retries included (e.g. 5s, 500ms) [env: CLEANOPS_TIMEOUT] [default: 5s]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand escalate" -l profile -d 'Profile of the config file to use [env: CLEANOPS_PROFILE]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand escalate" -l config -d 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand escalate" -l api-url -d 'Base URL of the app\'s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand escalate" -l user -d 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand escalate" -l password-file -d 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand escalate" -l cacert -d 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand escalate" -l project-dir -d 'The deployment\'s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]' -r -f -a "(__fish_complete_directories)"
complete -c cleanops -n "__fish_cleanops_using_subcommand escalate" -l env-file -d 'The deployment\'s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand escalate" -l project-name -d 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory\'s name]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand escalate" -l docker-host -d 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand escalate" -l color -d 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cleanops -n "__fish_cleanops_using_subcommand escalate" -l ack -d 'Acknowledge the incident\'s alert (someone is on it) instead of paging'
complete -c cleanops -n "__fish_cleanops_using_subcommand escalate" -l resolve -d 'Resolve the incident\'s alert; refused unless /readyz is ready (see --force)'
complete -c cleanops -n "__fish_cleanops_using_subcommand escalate" -l force -d 'With --resolve: resolve even when /readyz is not ready or cannot be read'
complete -c cleanops -n "__fish_cleanops_using_subcommand escalate" -s y -l yes -d 'Do it without asking (needed when not on a terminal)'
complete -c cleanops -n "__fish_cleanops_using_subcommand escalate" -l dry-run -d 'Print the exact Docker API calls and HTTP requests instead of making them'
complete -c cleanops -n "__fish_cleanops_using_subcommand escalate" -l no-mfa-header -d 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)'
complete -c cleanops -n "__fish_cleanops_using_subcommand escalate" -l allow-insecure-http -d 'Allow sending credentials over plain http:// to a host that is not loopback'
complete -c cleanops -n "__fish_cleanops_using_subcommand escalate" -l json -d 'One JSON document on stdout, no colour, no prompts'
complete -c cleanops -n "__fish_cleanops_using_subcommand escalate" -s v -l verbose -d 'Print each request on stderr (credentials never)'
complete -c cleanops -n "__fish_cleanops_using_subcommand escalate" -s h -l help -d 'Print help'
complete -c cleanops -n "__fish_cleanops_using_subcommand escalate" -s V -l version -d 'Print version'
complete -c cleanops -n "__fish_cleanops_using_subcommand notify" -l since -d 'With --timeline: how far back' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand notify" -l note -d 'The engineer\'s words, posted with it' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand notify" -l max-age -d 'Post the last diagnosis of this deployment when it is at most this old (0s: always diagnose anew)' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand notify" -l deadline -d 'How long a new diagnosis may take' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand notify" -l timeout -d 'How long each API call may take, retries included (e.g. 5s, 500ms) [env: CLEANOPS_TIMEOUT] [default: 5s]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand notify" -l profile -d 'Profile of the config file to use [env: CLEANOPS_PROFILE]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand notify" -l config -d 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand notify" -l api-url -d 'Base URL of the app\'s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand notify" -l user -d 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand notify" -l password-file -d 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand notify" -l cacert -d 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand notify" -l project-dir -d 'The deployment\'s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]' -r -f -a "(__fish_complete_directories)"
complete -c cleanops -n "__fish_cleanops_using_subcommand notify" -l env-file -d 'The deployment\'s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand notify" -l project-name -d 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory\'s name]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand notify" -l docker-host -d 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand notify" -l color -d 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cleanops -n "__fish_cleanops_using_subcommand notify" -l timeline -d 'Post the incident timeline (the audit file\'s last --since) instead of the diagnosis'
complete -c cleanops -n "__fish_cleanops_using_subcommand notify" -s y -l yes -d 'Do it without asking (needed when not on a terminal)'
complete -c cleanops -n "__fish_cleanops_using_subcommand notify" -l dry-run -d 'Print the exact Docker API calls and HTTP requests instead of making them'
complete -c cleanops -n "__fish_cleanops_using_subcommand notify" -l no-mfa-header -d 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)'
complete -c cleanops -n "__fish_cleanops_using_subcommand notify" -l allow-insecure-http -d 'Allow sending credentials over plain http:// to a host that is not loopback'
complete -c cleanops -n "__fish_cleanops_using_subcommand notify" -l json -d 'One JSON document on stdout, no colour, no prompts'
complete -c cleanops -n "__fish_cleanops_using_subcommand notify" -s v -l verbose -d 'Print each request on stderr (credentials never)'
complete -c cleanops -n "__fish_cleanops_using_subcommand notify" -s h -l help -d 'Print help'
complete -c cleanops -n "__fish_cleanops_using_subcommand notify" -s V -l version -d 'Print version'
complete -c cleanops -n "__fish_cleanops_using_subcommand timeline" -l since -d 'How far back' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand timeline" -l profile -d 'Profile of the config file to use [env: CLEANOPS_PROFILE]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand timeline" -l config -d 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand timeline" -l api-url -d 'Base URL of the app\'s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand timeline" -l user -d 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand timeline" -l password-file -d 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand timeline" -l cacert -d 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand timeline" -l project-dir -d 'The deployment\'s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]' -r -f -a "(__fish_complete_directories)"
complete -c cleanops -n "__fish_cleanops_using_subcommand timeline" -l env-file -d 'The deployment\'s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand timeline" -l project-name -d 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory\'s name]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand timeline" -l docker-host -d 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand timeline" -l color -d 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cleanops -n "__fish_cleanops_using_subcommand timeline" -l markdown -d 'A paste-ready table for the postmortem'
complete -c cleanops -n "__fish_cleanops_using_subcommand timeline" -l no-mfa-header -d 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)'
complete -c cleanops -n "__fish_cleanops_using_subcommand timeline" -l allow-insecure-http -d 'Allow sending credentials over plain http:// to a host that is not loopback'
complete -c cleanops -n "__fish_cleanops_using_subcommand timeline" -l json -d 'One JSON document on stdout, no colour, no prompts'
complete -c cleanops -n "__fish_cleanops_using_subcommand timeline" -s v -l verbose -d 'Print each request on stderr (credentials never)'
complete -c cleanops -n "__fish_cleanops_using_subcommand timeline" -s h -l help -d 'Print help'
complete -c cleanops -n "__fish_cleanops_using_subcommand timeline" -s V -l version -d 'Print version'
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and not __fish_seen_subcommand_from show help" -l profile -d 'Profile of the config file to use [env: CLEANOPS_PROFILE]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and not __fish_seen_subcommand_from show help" -l config -d 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and not __fish_seen_subcommand_from show help" -l api-url -d 'Base URL of the app\'s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and not __fish_seen_subcommand_from show help" -l user -d 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and not __fish_seen_subcommand_from show help" -l password-file -d 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and not __fish_seen_subcommand_from show help" -l cacert -d 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and not __fish_seen_subcommand_from show help" -l project-dir -d 'The deployment\'s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]' -r -f -a "(__fish_complete_directories)"
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and not __fish_seen_subcommand_from show help" -l env-file -d 'The deployment\'s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and not __fish_seen_subcommand_from show help" -l project-name -d 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory\'s name]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and not __fish_seen_subcommand_from show help" -l docker-host -d 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and not __fish_seen_subcommand_from show help" -l color -d 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and not __fish_seen_subcommand_from show help" -l no-mfa-header -d 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)'
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and not __fish_seen_subcommand_from show help" -l allow-insecure-http -d 'Allow sending credentials over plain http:// to a host that is not loopback'
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and not __fish_seen_subcommand_from show help" -l json -d 'One JSON document on stdout, no colour, no prompts'
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and not __fish_seen_subcommand_from show help" -s v -l verbose -d 'Print each request on stderr (credentials never)'
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and not __fish_seen_subcommand_from show help" -s h -l help -d 'Print help'
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and not __fish_seen_subcommand_from show help" -s V -l version -d 'Print version'
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and not __fish_seen_subcommand_from show help" -f -a "show" -d 'Each resolved setting, its value (secrets masked) and its source'
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and not __fish_seen_subcommand_from show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and __fish_seen_subcommand_from show" -l profile -d 'Profile of the config file to use [env: CLEANOPS_PROFILE]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and __fish_seen_subcommand_from show" -l config -d 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and __fish_seen_subcommand_from show" -l api-url -d 'Base URL of the app\'s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and __fish_seen_subcommand_from show" -l user -d 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and __fish_seen_subcommand_from show" -l password-file -d 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and __fish_seen_subcommand_from show" -l cacert -d 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and __fish_seen_subcommand_from show" -l project-dir -d 'The deployment\'s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]' -r -f -a "(__fish_complete_directories)"
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and __fish_seen_subcommand_from show" -l env-file -d 'The deployment\'s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and __fish_seen_subcommand_from show" -l project-name -d 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory\'s name]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and __fish_seen_subcommand_from show" -l docker-host -d 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and __fish_seen_subcommand_from show" -l color -d 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and __fish_seen_subcommand_from show" -l no-mfa-header -d 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)'
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and __fish_seen_subcommand_from show" -l allow-insecure-http -d 'Allow sending credentials over plain http:// to a host that is not loopback'
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and __fish_seen_subcommand_from show" -l json -d 'One JSON document on stdout, no colour, no prompts'
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Print each request on stderr (credentials never)'
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "show" -d 'Each resolved setting, its value (secrets masked) and its source'
complete -c cleanops -n "__fish_cleanops_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and not __fish_seen_subcommand_from serve worker db help" -l profile -d 'Profile of the config file to use [env: CLEANOPS_PROFILE]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and not __fish_seen_subcommand_from serve worker db help" -l config -d 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and not __fish_seen_subcommand_from serve worker db help" -l api-url -d 'Base URL of the app\'s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and not __fish_seen_subcommand_from serve worker db help" -l user -d 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and not __fish_seen_subcommand_from serve worker db help" -l password-file -d 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and not __fish_seen_subcommand_from serve worker db help" -l cacert -d 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and not __fish_seen_subcommand_from serve worker db help" -l project-dir -d 'The deployment\'s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]' -r -f -a "(__fish_complete_directories)"
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and not __fish_seen_subcommand_from serve worker db help" -l env-file -d 'The deployment\'s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and not __fish_seen_subcommand_from serve worker db help" -l project-name -d 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory\'s name]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and not __fish_seen_subcommand_from serve worker db help" -l docker-host -d 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and not __fish_seen_subcommand_from serve worker db help" -l color -d 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and not __fish_seen_subcommand_from serve worker db help" -l no-mfa-header -d 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)'
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and not __fish_seen_subcommand_from serve worker db help" -l allow-insecure-http -d 'Allow sending credentials over plain http:// to a host that is not loopback'
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and not __fish_seen_subcommand_from serve worker db help" -l json -d 'One JSON document on stdout, no colour, no prompts'
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and not __fish_seen_subcommand_from serve worker db help" -s v -l verbose -d 'Print each request on stderr (credentials never)'
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and not __fish_seen_subcommand_from serve worker db help" -s h -l help -d 'Print help'
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and not __fish_seen_subcommand_from serve worker db help" -s V -l version -d 'Print version'
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and not __fish_seen_subcommand_from serve worker db help" -f -a "serve" -d 'Serve the simulated app (readyz, jobs status, DLQ, replay, auth, rate limits, /_sim/ control)'
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and not __fish_seen_subcommand_from serve worker db help" -f -a "worker" -d 'Run the jobs runner as its own process (`python -m app.jobs.run`), reporting its loops to a simulator'
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and not __fish_seen_subcommand_from serve worker db help" -f -a "db" -d 'Idle stand-in for the db service of the Docker test stack (exits 0 on SIGTERM)'
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and not __fish_seen_subcommand_from serve worker db help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from serve" -l listen -d 'Address to listen on (port 0: the OS picks one, printed on start)' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from serve" -l scenario -d 'Starting state of the simulated deployment' -r -f -a "healthy\t'runner alive, heartbeat 42.7 s old, all 24 job rows fine, DLQ empty'
stale-heartbeat\t'runner stopped, heartbeat 1278.4 s old (runner 3f9c2a1b7d4e), DB fine: /readyz 503'
heartbeat-missing\t'runner never finished a loop: no jobs-runner row, jobs/status is []'
db-down\t'database unreachable: db and jobs checks fail, migrations read as pending, runner crashed'
dlq-backlog\t'healthy runner, 37 dead outbox e-mails and 3 dead lead exports in the DLQ'
clock-drift\t'server clock 90 s ahead of the client, heartbeat fresh on the server\'s clock'
slow-api\t'healthy, but every response takes 1.5 s'
upstream-defects\t'the running upstream\'s defects: kind=all/outbox DLQ 500s, keyed replays answer an empty 409'"
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from serve" -l runner-interval -d 'Seconds the simulated runner sleeps between loops' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from serve" -l global-limit -d 'Requests a minute per client IP before 429 (RATE_LIMIT_PER_MINUTE)' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from serve" -l action-limit -d 'Replays a minute per org before 429 (ADMIN_ACTION_RATE_LIMIT_PER_MINUTE)' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from serve" -l admin-password -d 'Password of the simulated admin user `admin` [env: CLEANOPS_SIM_ADMIN_PASSWORD]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from serve" -l profile -d 'Profile of the config file to use [env: CLEANOPS_PROFILE]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from serve" -l config -d 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from serve" -l api-url -d 'Base URL of the app\'s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from serve" -l user -d 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from serve" -l password-file -d 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from serve" -l cacert -d 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from serve" -l project-dir -d 'The deployment\'s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]' -r -f -a "(__fish_complete_directories)"
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from serve" -l env-file -d 'The deployment\'s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from serve" -l project-name -d 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory\'s name]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from serve" -l docker-host -d 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from serve" -l color -d 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from serve" -l list-scenarios -d 'List the scenarios and exit'
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from serve" -l no-mfa-header -d 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)'
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from serve" -l allow-insecure-http -d 'Allow sending credentials over plain http:// to a host that is not loopback'
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from serve" -l json -d 'One JSON document on stdout, no colour, no prompts'
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from serve" -s v -l verbose -d 'Print each request on stderr (credentials never)'
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from serve" -s V -l version -d 'Print version'
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from worker" -l job -d 'Run only this job (repeatable; the names accumulate) [default: the 23 jobs of a loop]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from worker" -l interval -d 'Seconds to sleep after each loop (at least 1)' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from worker" -l base-url -d 'Public base URL for links (accepted; the simulated jobs send nothing)' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from worker" -l api -d 'The API simulator holding the simulated database [env: CLEANOPS_SIM_API] [default: http://127.0.0.1:8000]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from worker" -l profile -d 'Profile of the config file to use [env: CLEANOPS_PROFILE]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from worker" -l config -d 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from worker" -l api-url -d 'Base URL of the app\'s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from worker" -l user -d 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from worker" -l password-file -d 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from worker" -l cacert -d 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from worker" -l project-dir -d 'The deployment\'s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]' -r -f -a "(__fish_complete_directories)"
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from worker" -l env-file -d 'The deployment\'s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from worker" -l project-name -d 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory\'s name]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from worker" -l docker-host -d 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from worker" -l color -d 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from worker" -l once -d 'Run one loop and exit (0 even when jobs failed)'
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from worker" -l no-mfa-header -d 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)'
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from worker" -l allow-insecure-http -d 'Allow sending credentials over plain http:// to a host that is not loopback'
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from worker" -l json -d 'One JSON document on stdout, no colour, no prompts'
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from worker" -s v -l verbose -d 'Print each request on stderr (credentials never)'
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from worker" -s h -l help -d 'Print help'
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from worker" -s V -l version -d 'Print version'
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from db" -l listen -d 'Address to accept (and drop) connections on, as PostgreSQL\'s port' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from db" -l profile -d 'Profile of the config file to use [env: CLEANOPS_PROFILE]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from db" -l config -d 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from db" -l api-url -d 'Base URL of the app\'s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from db" -l user -d 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from db" -l password-file -d 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from db" -l cacert -d 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from db" -l project-dir -d 'The deployment\'s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]' -r -f -a "(__fish_complete_directories)"
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from db" -l env-file -d 'The deployment\'s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from db" -l project-name -d 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory\'s name]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from db" -l docker-host -d 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from db" -l color -d 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from db" -l no-mfa-header -d 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)'
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from db" -l allow-insecure-http -d 'Allow sending credentials over plain http:// to a host that is not loopback'
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from db" -l json -d 'One JSON document on stdout, no colour, no prompts'
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from db" -s v -l verbose -d 'Print each request on stderr (credentials never)'
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from db" -s h -l help -d 'Print help'
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from db" -s V -l version -d 'Print version'
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from help" -f -a "serve" -d 'Serve the simulated app (readyz, jobs status, DLQ, replay, auth, rate limits, /_sim/ control)'
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from help" -f -a "worker" -d 'Run the jobs runner as its own process (`python -m app.jobs.run`), reporting its loops to a simulator'
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from help" -f -a "db" -d 'Idle stand-in for the db service of the Docker test stack (exits 0 on SIGTERM)'
complete -c cleanops -n "__fish_cleanops_using_subcommand sim; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cleanops -n "__fish_cleanops_using_subcommand completions" -l write -d 'Write the files into DIR instead of printing: cleanops.bash, _cleanops (zsh), cleanops.fish, _cleanops.ps1, cleanops.elv' -r -f -a "(__fish_complete_directories)"
complete -c cleanops -n "__fish_cleanops_using_subcommand completions" -l profile -d 'Profile of the config file to use [env: CLEANOPS_PROFILE]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand completions" -l config -d 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand completions" -l api-url -d 'Base URL of the app\'s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand completions" -l user -d 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand completions" -l password-file -d 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand completions" -l cacert -d 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand completions" -l project-dir -d 'The deployment\'s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]' -r -f -a "(__fish_complete_directories)"
complete -c cleanops -n "__fish_cleanops_using_subcommand completions" -l env-file -d 'The deployment\'s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand completions" -l project-name -d 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory\'s name]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand completions" -l docker-host -d 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand completions" -l color -d 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cleanops -n "__fish_cleanops_using_subcommand completions" -l no-mfa-header -d 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)'
complete -c cleanops -n "__fish_cleanops_using_subcommand completions" -l allow-insecure-http -d 'Allow sending credentials over plain http:// to a host that is not loopback'
complete -c cleanops -n "__fish_cleanops_using_subcommand completions" -l json -d 'One JSON document on stdout, no colour, no prompts'
complete -c cleanops -n "__fish_cleanops_using_subcommand completions" -s v -l verbose -d 'Print each request on stderr (credentials never)'
complete -c cleanops -n "__fish_cleanops_using_subcommand completions" -s h -l help -d 'Print help'
complete -c cleanops -n "__fish_cleanops_using_subcommand completions" -s V -l version -d 'Print version'
complete -c cleanops -n "__fish_cleanops_using_subcommand man" -l dir -d 'Write every page into DIR instead of printing one: cleanops.1, cleanops-restart.1, cleanops-sim-serve.1, ...' -r -f -a "(__fish_complete_directories)"
complete -c cleanops -n "__fish_cleanops_using_subcommand man" -l profile -d 'Profile of the config file to use [env: CLEANOPS_PROFILE]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand man" -l config -d 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand man" -l api-url -d 'Base URL of the app\'s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand man" -l user -d 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand man" -l password-file -d 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand man" -l cacert -d 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand man" -l project-dir -d 'The deployment\'s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]' -r -f -a "(__fish_complete_directories)"
complete -c cleanops -n "__fish_cleanops_using_subcommand man" -l env-file -d 'The deployment\'s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]' -r -F
complete -c cleanops -n "__fish_cleanops_using_subcommand man" -l project-name -d 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory\'s name]' -r
complete -c cleanops -n "__fish_cleanops_using_subcommand man" -l docker-host -d 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)' -r -f
complete -c cleanops -n "__fish_cleanops_using_subcommand man" -l color -d 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cleanops -n "__fish_cleanops_using_subcommand man" -l no-mfa-header -d 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)'
complete -c cleanops -n "__fish_cleanops_using_subcommand man" -l allow-insecure-http -d 'Allow sending credentials over plain http:// to a host that is not loopback'
complete -c cleanops -n "__fish_cleanops_using_subcommand man" -l json -d 'One JSON document on stdout, no colour, no prompts'
complete -c cleanops -n "__fish_cleanops_using_subcommand man" -s v -l verbose -d 'Print each request on stderr (credentials never)'
complete -c cleanops -n "__fish_cleanops_using_subcommand man" -s h -l help -d 'Print help'
complete -c cleanops -n "__fish_cleanops_using_subcommand man" -s V -l version -d 'Print version'
complete -c cleanops -n "__fish_cleanops_using_subcommand help; and not __fish_seen_subcommand_from diagnose demo status heartbeat dlq logs restart env-check db-check run-once replay remediate rollback escalate notify timeline config sim completions man help" -f -a "diagnose" -d 'The whole quick diagnosis in one pass: every read-only check, the likely cause, the next command'
complete -c cleanops -n "__fish_cleanops_using_subcommand help; and not __fish_seen_subcommand_from diagnose demo status heartbeat dlq logs restart env-check db-check run-once replay remediate rollback escalate notify timeline config sim completions man help" -f -a "demo" -d 'The diagnosis against a simulated deployment, with nothing to set up'
complete -c cleanops -n "__fish_cleanops_using_subcommand help; and not __fish_seen_subcommand_from diagnose demo status heartbeat dlq logs restart env-check db-check run-once replay remediate rollback escalate notify timeline config sim completions man help" -f -a "status" -d 'Readiness of the app: every /readyz check, read on 200 and on 503'
complete -c cleanops -n "__fish_cleanops_using_subcommand help; and not __fish_seen_subcommand_from diagnose demo status heartbeat dlq logs restart env-check db-check run-once replay remediate rollback escalate notify timeline config sim completions man help" -f -a "heartbeat" -d 'The jobs heartbeat (fresh, late, stale, missing, disabled), each job\'s last run, and clock drift'
complete -c cleanops -n "__fish_cleanops_using_subcommand help; and not __fish_seen_subcommand_from diagnose demo status heartbeat dlq logs restart env-check db-check run-once replay remediate rollback escalate notify timeline config sim completions man help" -f -a "dlq" -d 'The dead-letter queue: counts and items (outbox and export)'
complete -c cleanops -n "__fish_cleanops_using_subcommand help; and not __fish_seen_subcommand_from diagnose demo status heartbeat dlq logs restart env-check db-check run-once replay remediate rollback escalate notify timeline config sim completions man help" -f -a "logs" -d 'Logs of the services (default: jobs), merged in time order and read: a JSON record as time, level, message and key fields, a traceback as its exception'
complete -c cleanops -n "__fish_cleanops_using_subcommand help; and not __fish_seen_subcommand_from diagnose demo status heartbeat dlq logs restart env-check db-check run-once replay remediate rollback escalate notify timeline config sim completions man help" -f -a "restart" -d 'Restart a service\'s container (default: jobs) and verify it stays up'
complete -c cleanops -n "__fish_cleanops_using_subcommand help; and not __fish_seen_subcommand_from diagnose demo status heartbeat dlq logs restart env-check db-check run-once replay remediate rollback escalate notify timeline config sim completions man help" -f -a "env-check" -d 'Check the deployment\'s env file (JOBS_ENABLED, heartbeat settings, DATABASE_URL) and its drift from the running jobs container'
complete -c cleanops -n "__fish_cleanops_using_subcommand help; and not __fish_seen_subcommand_from diagnose demo status heartbeat dlq logs restart env-check db-check run-once replay remediate rollback escalate notify timeline config sim completions man help" -f -a "db-check" -d 'Check the database from inside the jobs container (or with pg_isready in db)'
complete -c cleanops -n "__fish_cleanops_using_subcommand help; and not __fish_seen_subcommand_from diagnose demo status heartbeat dlq logs restart env-check db-check run-once replay remediate rollback escalate notify timeline config sim completions man help" -f -a "run-once" -d 'Run one loop of the jobs runner inside the jobs container (python -m app.jobs.run --once)'
complete -c cleanops -n "__fish_cleanops_using_subcommand help; and not __fish_seen_subcommand_from diagnose demo status heartbeat dlq logs restart env-check db-check run-once replay remediate rollback escalate notify timeline config sim completions man help" -f -a "replay" -d 'Replay dead events safely: only dead ones, paced under the app\'s limit, idempotent, resumable'
complete -c cleanops -n "__fish_cleanops_using_subcommand help; and not __fish_seen_subcommand_from diagnose demo status heartbeat dlq logs restart env-check db-check run-once replay remediate rollback escalate notify timeline config sim completions man help" -f -a "remediate" -d 'The runbook\'s safe remediation, step by step, only where the diagnosis justifies it'
complete -c cleanops -n "__fish_cleanops_using_subcommand help; and not __fish_seen_subcommand_from diagnose demo status heartbeat dlq logs restart env-check db-check run-once replay remediate rollback escalate notify timeline config sim completions man help" -f -a "rollback" -d 'The runbook\'s rollback: git reset to a good commit and deploy (dry run unless --yes)'
complete -c cleanops -n "__fish_cleanops_using_subcommand help; and not __fish_seen_subcommand_from diagnose demo status heartbeat dlq logs restart env-check db-check run-once replay remediate rollback escalate notify timeline config sim completions man help" -f -a "escalate" -d 'Page the runbook\'s next escalation role with the diagnosis attached (PagerDuty, Slack); --ack, --resolve'
complete -c cleanops -n "__fish_cleanops_using_subcommand help; and not __fish_seen_subcommand_from diagnose demo status heartbeat dlq logs restart env-check db-check run-once replay remediate rollback escalate notify timeline config sim completions man help" -f -a "notify" -d 'Post the diagnosis (or the timeline) to the incident channel\'s Slack webhook'
complete -c cleanops -n "__fish_cleanops_using_subcommand help; and not __fish_seen_subcommand_from diagnose demo status heartbeat dlq logs restart env-check db-check run-once replay remediate rollback escalate notify timeline config sim completions man help" -f -a "timeline" -d 'The incident\'s actions and diagnoses, from the audit file, for the postmortem'
complete -c cleanops -n "__fish_cleanops_using_subcommand help; and not __fish_seen_subcommand_from diagnose demo status heartbeat dlq logs restart env-check db-check run-once replay remediate rollback escalate notify timeline config sim completions man help" -f -a "config" -d 'Show the resolved configuration and where each value came from'
complete -c cleanops -n "__fish_cleanops_using_subcommand help; and not __fish_seen_subcommand_from diagnose demo status heartbeat dlq logs restart env-check db-check run-once replay remediate rollback escalate notify timeline config sim completions man help" -f -a "sim" -d 'The built-in simulator of the app, for trying cleanops and for tests'
complete -c cleanops -n "__fish_cleanops_using_subcommand help; and not __fish_seen_subcommand_from diagnose demo status heartbeat dlq logs restart env-check db-check run-once replay remediate rollback escalate notify timeline config sim completions man help" -f -a "completions" -d 'Shell completions (bash, zsh, fish, PowerShell, elvish), generated from this definition'
complete -c cleanops -n "__fish_cleanops_using_subcommand help; and not __fish_seen_subcommand_from diagnose demo status heartbeat dlq logs restart env-check db-check run-once replay remediate rollback escalate notify timeline config sim completions man help" -f -a "man" -d 'Man pages, one per subcommand (cleanops.1, cleanops-restart.1, ...), generated from this definition'
complete -c cleanops -n "__fish_cleanops_using_subcommand help; and not __fish_seen_subcommand_from diagnose demo status heartbeat dlq logs restart env-check db-check run-once replay remediate rollback escalate notify timeline config sim completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cleanops -n "__fish_cleanops_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Each resolved setting, its value (secrets masked) and its source'
complete -c cleanops -n "__fish_cleanops_using_subcommand help; and __fish_seen_subcommand_from sim" -f -a "serve" -d 'Serve the simulated app (readyz, jobs status, DLQ, replay, auth, rate limits, /_sim/ control)'
complete -c cleanops -n "__fish_cleanops_using_subcommand help; and __fish_seen_subcommand_from sim" -f -a "worker" -d 'Run the jobs runner as its own process (`python -m app.jobs.run`), reporting its loops to a simulator'
complete -c cleanops -n "__fish_cleanops_using_subcommand help; and __fish_seen_subcommand_from sim" -f -a "db" -d 'Idle stand-in for the db service of the Docker test stack (exits 0 on SIGTERM)'
