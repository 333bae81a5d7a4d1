
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'cleanops' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'cleanops'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'cleanops' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [env: CLEANOPS_PROFILE]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Base URL of the app''s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'The deployment''s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'The deployment''s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]')
            [CompletionResult]::new('--project-name', '--project-name', [CompletionResultType]::ParameterName, 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory''s name]')
            [CompletionResult]::new('--docker-host', '--docker-host', [CompletionResultType]::ParameterName, 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)')
            [CompletionResult]::new('--no-mfa-header', '--no-mfa-header', [CompletionResultType]::ParameterName, 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)')
            [CompletionResult]::new('--allow-insecure-http', '--allow-insecure-http', [CompletionResultType]::ParameterName, 'Allow sending credentials over plain http:// to a host that is not loopback')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON document on stdout, no colour, no prompts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('diagnose', 'diagnose', [CompletionResultType]::ParameterValue, 'The whole quick diagnosis in one pass: every read-only check, the likely cause, the next command')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'The diagnosis against a simulated deployment, with nothing to set up')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Readiness of the app: every /readyz check, read on 200 and on 503')
            [CompletionResult]::new('heartbeat', 'heartbeat', [CompletionResultType]::ParameterValue, 'The jobs heartbeat (fresh, late, stale, missing, disabled), each job''s last run, and clock drift')
            [CompletionResult]::new('dlq', 'dlq', [CompletionResultType]::ParameterValue, 'The dead-letter queue: counts and items (outbox and export)')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Logs of the services (default: jobs), merged in time order and read: a JSON record as time, level, message and key fields, a traceback as its exception')
            [CompletionResult]::new('restart', 'restart', [CompletionResultType]::ParameterValue, 'Restart a service''s container (default: jobs) and verify it stays up')
            [CompletionResult]::new('env-check', 'env-check', [CompletionResultType]::ParameterValue, 'Check the deployment''s env file (JOBS_ENABLED, heartbeat settings, DATABASE_URL) and its drift from the running jobs container')
            [CompletionResult]::new('db-check', 'db-check', [CompletionResultType]::ParameterValue, 'Check the database from inside the jobs container (or with pg_isready in db)')
            [CompletionResult]::new('run-once', 'run-once', [CompletionResultType]::ParameterValue, 'Run one loop of the jobs runner inside the jobs container (python -m app.jobs.run --once)')
            [CompletionResult]::new('replay', 'replay', [CompletionResultType]::ParameterValue, 'Replay dead events safely: only dead ones, paced under the app''s limit, idempotent, resumable')
            [CompletionResult]::new('remediate', 'remediate', [CompletionResultType]::ParameterValue, 'The runbook''s safe remediation, step by step, only where the diagnosis justifies it')
            [CompletionResult]::new('rollback', 'rollback', [CompletionResultType]::ParameterValue, 'The runbook''s rollback: git reset to a good commit and deploy (dry run unless --yes)')
            [CompletionResult]::new('escalate', 'escalate', [CompletionResultType]::ParameterValue, 'Page the runbook''s next escalation role with the diagnosis attached (PagerDuty, Slack); --ack, --resolve')
            [CompletionResult]::new('notify', 'notify', [CompletionResultType]::ParameterValue, 'Post the diagnosis (or the timeline) to the incident channel''s Slack webhook')
            [CompletionResult]::new('timeline', 'timeline', [CompletionResultType]::ParameterValue, 'The incident''s actions and diagnoses, from the audit file, for the postmortem')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the resolved configuration and where each value came from')
            [CompletionResult]::new('sim', 'sim', [CompletionResultType]::ParameterValue, 'The built-in simulator of the app, for trying cleanops and for tests')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Shell completions (bash, zsh, fish, PowerShell, elvish), generated from this definition')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Man pages, one per subcommand (cleanops.1, cleanops-restart.1, ...), generated from this definition')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cleanops;diagnose' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long each API call may take, retries included (e.g. 5s, 500ms) [env: CLEANOPS_TIMEOUT] [default: 5s]')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'The whole pass ends by then, whatever hangs; what did not finish shows as timed out')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Run only this check (repeatable)')
            [CompletionResult]::new('--skip', '--skip', [CompletionResultType]::ParameterName, 'Skip this check (repeatable; the names of --check)')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Diagnose again every INTERVAL (start to start), redrawing in place on a terminal, one report a round otherwise; never faster than the app''s rate limit allows (30 admin calls a minute per client IP, 2 a round): a shorter INTERVAL is stretched, with a message. Ctrl-C ends it with exit 130')
            [CompletionResult]::new('--rounds', '--rounds', [CompletionResultType]::ParameterName, 'With --watch: stop after N rounds, exiting with the last round''s code')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [env: CLEANOPS_PROFILE]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Base URL of the app''s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'The deployment''s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'The deployment''s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]')
            [CompletionResult]::new('--project-name', '--project-name', [CompletionResultType]::ParameterName, 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory''s name]')
            [CompletionResult]::new('--docker-host', '--docker-host', [CompletionResultType]::ParameterName, 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)')
            [CompletionResult]::new('--markdown', '--markdown', [CompletionResultType]::ParameterName, 'A paste-ready incident note (times in UTC)')
            [CompletionResult]::new('--list-checks', '--list-checks', [CompletionResultType]::ParameterName, 'List the checks and exit')
            [CompletionResult]::new('--deep', '--deep', [CompletionResultType]::ParameterName, 'Also check the database from inside the jobs container (an exec)')
            [CompletionResult]::new('--no-mfa-header', '--no-mfa-header', [CompletionResultType]::ParameterName, 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)')
            [CompletionResult]::new('--allow-insecure-http', '--allow-insecure-http', [CompletionResultType]::ParameterName, 'Allow sending credentials over plain http:// to a host that is not loopback')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON document on stdout, no colour, no prompts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cleanops;demo' {
            [CompletionResult]::new('--scenario', '--scenario', [CompletionResultType]::ParameterName, 'Which simulated incident')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [env: CLEANOPS_PROFILE]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Base URL of the app''s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'The deployment''s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'The deployment''s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]')
            [CompletionResult]::new('--project-name', '--project-name', [CompletionResultType]::ParameterName, 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory''s name]')
            [CompletionResult]::new('--docker-host', '--docker-host', [CompletionResultType]::ParameterName, 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)')
            [CompletionResult]::new('--list-scenarios', '--list-scenarios', [CompletionResultType]::ParameterName, 'List the scenarios and exit')
            [CompletionResult]::new('--markdown', '--markdown', [CompletionResultType]::ParameterName, 'A paste-ready incident note instead of the screen')
            [CompletionResult]::new('--no-mfa-header', '--no-mfa-header', [CompletionResultType]::ParameterName, 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)')
            [CompletionResult]::new('--allow-insecure-http', '--allow-insecure-http', [CompletionResultType]::ParameterName, 'Allow sending credentials over plain http:// to a host that is not loopback')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON document on stdout, no colour, no prompts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cleanops;status' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long each API call may take, retries included (e.g. 5s, 500ms) [env: CLEANOPS_TIMEOUT] [default: 5s]')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Time between polls with --wait-ready (at least 500ms)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [env: CLEANOPS_PROFILE]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Base URL of the app''s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'The deployment''s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'The deployment''s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]')
            [CompletionResult]::new('--project-name', '--project-name', [CompletionResultType]::ParameterName, 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory''s name]')
            [CompletionResult]::new('--docker-host', '--docker-host', [CompletionResultType]::ParameterName, 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)')
            [CompletionResult]::new('--api-only', '--api-only', [CompletionResultType]::ParameterName, 'Only the API''s readiness, not the containers (no Docker engine needed)')
            [CompletionResult]::new('--wait-ready', '--wait-ready', [CompletionResultType]::ParameterName, 'Poll until /readyz is ready (for scripts after a restart); --timeout bounds the wait')
            [CompletionResult]::new('--no-mfa-header', '--no-mfa-header', [CompletionResultType]::ParameterName, 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)')
            [CompletionResult]::new('--allow-insecure-http', '--allow-insecure-http', [CompletionResultType]::ParameterName, 'Allow sending credentials over plain http:// to a host that is not loopback')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON document on stdout, no colour, no prompts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cleanops;heartbeat' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long each API call may take, retries included (e.g. 5s, 500ms) [env: CLEANOPS_TIMEOUT] [default: 5s]')
            [CompletionResult]::new('--late-after', '--late-after', [CompletionResultType]::ParameterName, 'A heartbeat older than this (but within the threshold) is late [default: half the threshold]')
            [CompletionResult]::new('--max-drift', '--max-drift', [CompletionResultType]::ParameterName, 'Clock drift above this is a finding')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Time between polls with --wait-fresh (at least 500ms)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [env: CLEANOPS_PROFILE]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Base URL of the app''s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'The deployment''s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'The deployment''s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]')
            [CompletionResult]::new('--project-name', '--project-name', [CompletionResultType]::ParameterName, 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory''s name]')
            [CompletionResult]::new('--docker-host', '--docker-host', [CompletionResultType]::ParameterName, 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)')
            [CompletionResult]::new('--no-jobs', '--no-jobs', [CompletionResultType]::ParameterName, 'Skip the per-job table (GET /v1/admin/jobs/status needs admin credentials)')
            [CompletionResult]::new('--all-jobs', '--all-jobs', [CompletionResultType]::ParameterName, 'List every job in the table, not only those that need a look')
            [CompletionResult]::new('--wait-fresh', '--wait-fresh', [CompletionResultType]::ParameterName, 'Poll until the heartbeat is fresh (after a remediation); --timeout bounds the wait')
            [CompletionResult]::new('--no-mfa-header', '--no-mfa-header', [CompletionResultType]::ParameterName, 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)')
            [CompletionResult]::new('--allow-insecure-http', '--allow-insecure-http', [CompletionResultType]::ParameterName, 'Allow sending credentials over plain http:// to a host that is not loopback')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON document on stdout, no colour, no prompts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cleanops;dlq' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long each API call may take, retries included (e.g. 5s, 500ms) [env: CLEANOPS_TIMEOUT] [default: 5s]')
            [CompletionResult]::new('--kind', '--kind', [CompletionResultType]::ParameterName, 'Which dead letters: outbox events (e-mails, webhooks), export events, or both')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'How many items to list (pages through the server''s 100 per request when larger)')
            [CompletionResult]::new('--max', '--max', [CompletionResultType]::ParameterName, 'Exit 1 when more than N events are dead (for scripts)')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'Where to read it: the admin API, or PostgreSQL in the db container (psql, read-only) [default: the API, and the database for a kind the API cannot list]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [env: CLEANOPS_PROFILE]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Base URL of the app''s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'The deployment''s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'The deployment''s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]')
            [CompletionResult]::new('--project-name', '--project-name', [CompletionResultType]::ParameterName, 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory''s name]')
            [CompletionResult]::new('--docker-host', '--docker-host', [CompletionResultType]::ParameterName, 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'List every item (up to 2000)')
            [CompletionResult]::new('--show-pii', '--show-pii', [CompletionResultType]::ParameterName, 'Show e-mail addresses in summaries instead of masking them')
            [CompletionResult]::new('--no-mfa-header', '--no-mfa-header', [CompletionResultType]::ParameterName, 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)')
            [CompletionResult]::new('--allow-insecure-http', '--allow-insecure-http', [CompletionResultType]::ParameterName, 'Allow sending credentials over plain http:// to a host that is not loopback')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON document on stdout, no colour, no prompts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cleanops;logs' {
            [CompletionResult]::new('--tail', '--tail', [CompletionResultType]::ParameterName, 'Lines from the end of each container''s log [default: 500, or all with --since]')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only lines since: RFC 3339 or a duration ago (15m, 2h)')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Only lines until: RFC 3339 or a duration ago')
            [CompletionResult]::new('--grep', '--grep', [CompletionResultType]::ParameterName, 'Only lines matching REGEX (case-insensitive; repeat for any of several), each line matched as stored (a JSON record with all its fields); matching lines are shown one by one')
            [CompletionResult]::new('--level', '--level', [CompletionResultType]::ParameterName, 'Only records at LEVEL or above; lines without a level are kept, except those that continue a lower record; every line of a traceback counts as error')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long each API call may take, retries included (e.g. 5s, 500ms) [env: CLEANOPS_TIMEOUT] [default: 5s]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [env: CLEANOPS_PROFILE]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Base URL of the app''s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'The deployment''s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'The deployment''s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]')
            [CompletionResult]::new('--project-name', '--project-name', [CompletionResultType]::ParameterName, 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory''s name]')
            [CompletionResult]::new('--docker-host', '--docker-host', [CompletionResultType]::ParameterName, 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)')
            [CompletionResult]::new('--full', '--full', [CompletionResultType]::ParameterName, 'Show everything: a JSON record''s every field and whole exception, a traceback''s every line')
            [CompletionResult]::new('--timestamps', '--timestamps', [CompletionResultType]::ParameterName, 'Prefix each line with its time (RFC 3339, UTC, from the engine; a JSON record''s own time is then left out)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Keep following, across restarts and re-creations of the container')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Keep following, across restarts and re-creations of the container')
            [CompletionResult]::new('--raw', '--raw', [CompletionResultType]::ParameterName, 'Print log lines exactly as stored: no reading or reformatting, control characters included (on a terminal they are shown escaped by default)')
            [CompletionResult]::new('--no-mfa-header', '--no-mfa-header', [CompletionResultType]::ParameterName, 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)')
            [CompletionResult]::new('--allow-insecure-http', '--allow-insecure-http', [CompletionResultType]::ParameterName, 'Allow sending credentials over plain http:// to a host that is not loopback')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON document on stdout, no colour, no prompts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cleanops;restart' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Seconds the container gets to stop before it is killed')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds the container gets to stop before it is killed')
            [CompletionResult]::new('--wait-limit', '--wait-limit', [CompletionResultType]::ParameterName, 'How long --wait-heartbeat waits [default: the heartbeat threshold plus one loop]')
            [CompletionResult]::new('--settle', '--settle', [CompletionResultType]::ParameterName, 'How long the restart count must hold still to call the container stable')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [env: CLEANOPS_PROFILE]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Base URL of the app''s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'The deployment''s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'The deployment''s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]')
            [CompletionResult]::new('--project-name', '--project-name', [CompletionResultType]::ParameterName, 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory''s name]')
            [CompletionResult]::new('--docker-host', '--docker-host', [CompletionResultType]::ParameterName, 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do it without asking (needed when not on a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do it without asking (needed when not on a terminal)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the exact Docker API calls and HTTP requests instead of making them')
            [CompletionResult]::new('--wait-heartbeat', '--wait-heartbeat', [CompletionResultType]::ParameterName, 'After the restart, wait until the /readyz jobs heartbeat is fresh (jobs only)')
            [CompletionResult]::new('--no-mfa-header', '--no-mfa-header', [CompletionResultType]::ParameterName, 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)')
            [CompletionResult]::new('--allow-insecure-http', '--allow-insecure-http', [CompletionResultType]::ParameterName, 'Allow sending credentials over plain http:// to a host that is not loopback')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON document on stdout, no colour, no prompts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cleanops;env-check' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long each API call may take, retries included (e.g. 5s, 500ms) [env: CLEANOPS_TIMEOUT] [default: 5s]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [env: CLEANOPS_PROFILE]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Base URL of the app''s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'The deployment''s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'The deployment''s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]')
            [CompletionResult]::new('--project-name', '--project-name', [CompletionResultType]::ParameterName, 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory''s name]')
            [CompletionResult]::new('--docker-host', '--docker-host', [CompletionResultType]::ParameterName, 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)')
            [CompletionResult]::new('--no-drift', '--no-drift', [CompletionResultType]::ParameterName, 'Skip the comparison with the running jobs container (no Docker engine needed)')
            [CompletionResult]::new('--no-mfa-header', '--no-mfa-header', [CompletionResultType]::ParameterName, 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)')
            [CompletionResult]::new('--allow-insecure-http', '--allow-insecure-http', [CompletionResultType]::ParameterName, 'Allow sending credentials over plain http:// to a host that is not loopback')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON document on stdout, no colour, no prompts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cleanops;db-check' {
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'Where to check from')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'How long the check may run inside the container')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long each API call may take, retries included (e.g. 5s, 500ms) [env: CLEANOPS_TIMEOUT] [default: 5s]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [env: CLEANOPS_PROFILE]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Base URL of the app''s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'The deployment''s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'The deployment''s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]')
            [CompletionResult]::new('--project-name', '--project-name', [CompletionResultType]::ParameterName, 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory''s name]')
            [CompletionResult]::new('--docker-host', '--docker-host', [CompletionResultType]::ParameterName, 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)')
            [CompletionResult]::new('--no-mfa-header', '--no-mfa-header', [CompletionResultType]::ParameterName, 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)')
            [CompletionResult]::new('--allow-insecure-http', '--allow-insecure-http', [CompletionResultType]::ParameterName, 'Allow sending credentials over plain http:// to a host that is not loopback')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON document on stdout, no colour, no prompts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cleanops;run-once' {
            [CompletionResult]::new('--job', '--job', [CompletionResultType]::ParameterName, 'Only this job (repeatable); without it, all 23 jobs run next to the live loop')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'How long the loop may run')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long each API call may take, retries included (e.g. 5s, 500ms) [env: CLEANOPS_TIMEOUT] [default: 5s]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [env: CLEANOPS_PROFILE]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Base URL of the app''s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'The deployment''s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'The deployment''s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]')
            [CompletionResult]::new('--project-name', '--project-name', [CompletionResultType]::ParameterName, 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory''s name]')
            [CompletionResult]::new('--docker-host', '--docker-host', [CompletionResultType]::ParameterName, 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do it without asking (needed when not on a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do it without asking (needed when not on a terminal)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the exact Docker API calls and HTTP requests instead of making them')
            [CompletionResult]::new('--no-mfa-header', '--no-mfa-header', [CompletionResultType]::ParameterName, 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)')
            [CompletionResult]::new('--allow-insecure-http', '--allow-insecure-http', [CompletionResultType]::ParameterName, 'Allow sending credentials over plain http:// to a host that is not loopback')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON document on stdout, no colour, no prompts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cleanops;replay' {
            [CompletionResult]::new('--kind', '--kind', [CompletionResultType]::ParameterName, 'Only this kind of dead event')
            [CompletionResult]::new('--event-type', '--event-type', [CompletionResultType]::ParameterName, 'Only events of this type (email, webhook, export, ...)')
            [CompletionResult]::new('--error', '--error', [CompletionResultType]::ParameterName, 'Only events whose last error contains this text')
            [CompletionResult]::new('--older-than', '--older-than', [CompletionResultType]::ParameterName, 'Only events dead for longer than this (e.g. 1h)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most N events (with --batch: the server''s batch size, 1..100)')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'Replays a minute (the app allows 5 a minute per org, shared by everyone) [default: 5, or the resumed run''s]')
            [CompletionResult]::new('--resume', '--resume', [CompletionResultType]::ParameterName, 'Carry on with an interrupted run, re-posting only where the outcome is unknown')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'How to replay: through the admin API (paced, one idempotency key per event), or in the database (outbox events only: reset to pending where still dead, one transaction per 50)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long each API call may take, retries included (e.g. 5s, 500ms) [env: CLEANOPS_TIMEOUT] [default: 5s]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [env: CLEANOPS_PROFILE]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Base URL of the app''s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'The deployment''s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'The deployment''s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]')
            [CompletionResult]::new('--project-name', '--project-name', [CompletionResultType]::ParameterName, 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory''s name]')
            [CompletionResult]::new('--docker-host', '--docker-host', [CompletionResultType]::ParameterName, 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)')
            [CompletionResult]::new('--from-dlq', '--from-dlq', [CompletionResultType]::ParameterName, 'Replay what the DLQ holds (with the filters below)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replay even events that are not dead right now (a sent event is sent again)')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Use the server''s batch replay (POST /v1/admin/queue/dlq/replay?confirm=true)')
            [CompletionResult]::new('--list-runs', '--list-runs', [CompletionResultType]::ParameterName, 'List the runs in the journal and exit')
            [CompletionResult]::new('--verify', '--verify', [CompletionResultType]::ParameterName, 'After the run, wait for the runner''s next loop and report which events are dead again (--via db: until the events leave pending)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do it without asking (needed when not on a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do it without asking (needed when not on a terminal)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the exact Docker API calls and HTTP requests instead of making them')
            [CompletionResult]::new('--no-mfa-header', '--no-mfa-header', [CompletionResultType]::ParameterName, 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)')
            [CompletionResult]::new('--allow-insecure-http', '--allow-insecure-http', [CompletionResultType]::ParameterName, 'Allow sending credentials over plain http:// to a host that is not loopback')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON document on stdout, no colour, no prompts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cleanops;remediate' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long the whole remediation may take')
            [CompletionResult]::new('--escalate-after', '--escalate-after', [CompletionResultType]::ParameterName, 'Escalate by itself, once (cleanops escalate: the next role), when /readyz is still not ready this long after the walk began, or when the walk stops without readiness (a manual step, a failed step)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [env: CLEANOPS_PROFILE]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Base URL of the app''s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'The deployment''s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'The deployment''s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]')
            [CompletionResult]::new('--project-name', '--project-name', [CompletionResultType]::ParameterName, 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory''s name]')
            [CompletionResult]::new('--docker-host', '--docker-host', [CompletionResultType]::ParameterName, 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do it without asking (needed when not on a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do it without asking (needed when not on a terminal)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the exact Docker API calls and HTTP requests instead of making them')
            [CompletionResult]::new('--until-ready', '--until-ready', [CompletionResultType]::ParameterName, 'After the steps, keep waiting until /readyz is ready (bounded by --timeout)')
            [CompletionResult]::new('--no-mfa-header', '--no-mfa-header', [CompletionResultType]::ParameterName, 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)')
            [CompletionResult]::new('--allow-insecure-http', '--allow-insecure-http', [CompletionResultType]::ParameterName, 'Allow sending credentials over plain http:// to a host that is not loopback')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON document on stdout, no colour, no prompts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cleanops;rollback' {
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The good commit to go back to')
            [CompletionResult]::new('--deploy', '--deploy', [CompletionResultType]::ParameterName, 'The deploy script, relative to the project directory')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'How long to wait for readiness after the deploy')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [env: CLEANOPS_PROFILE]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Base URL of the app''s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'The deployment''s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'The deployment''s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]')
            [CompletionResult]::new('--project-name', '--project-name', [CompletionResultType]::ParameterName, 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory''s name]')
            [CompletionResult]::new('--docker-host', '--docker-host', [CompletionResultType]::ParameterName, 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Run it (without --yes it only prints what it would do)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Run it (without --yes it only prints what it would do)')
            [CompletionResult]::new('--no-mfa-header', '--no-mfa-header', [CompletionResultType]::ParameterName, 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)')
            [CompletionResult]::new('--allow-insecure-http', '--allow-insecure-http', [CompletionResultType]::ParameterName, 'Allow sending credentials over plain http:// to a host that is not loopback')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON document on stdout, no colour, no prompts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cleanops;escalate' {
            [CompletionResult]::new('--note', '--note', [CompletionResultType]::ParameterName, 'The engineer''s words, sent along (PagerDuty custom_details.note, the Slack message) and kept in the audit file')
            [CompletionResult]::new('--max-age', '--max-age', [CompletionResultType]::ParameterName, 'Send the last diagnosis of this deployment when it is at most this old (0s: always diagnose anew)')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'How long a new diagnosis may take')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long each API call may take, retries included (e.g. 5s, 500ms) [env: CLEANOPS_TIMEOUT] [default: 5s]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [env: CLEANOPS_PROFILE]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Base URL of the app''s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'The deployment''s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'The deployment''s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]')
            [CompletionResult]::new('--project-name', '--project-name', [CompletionResultType]::ParameterName, 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory''s name]')
            [CompletionResult]::new('--docker-host', '--docker-host', [CompletionResultType]::ParameterName, 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)')
            [CompletionResult]::new('--ack', '--ack', [CompletionResultType]::ParameterName, 'Acknowledge the incident''s alert (someone is on it) instead of paging')
            [CompletionResult]::new('--resolve', '--resolve', [CompletionResultType]::ParameterName, 'Resolve the incident''s alert; refused unless /readyz is ready (see --force)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'With --resolve: resolve even when /readyz is not ready or cannot be read')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do it without asking (needed when not on a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do it without asking (needed when not on a terminal)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the exact Docker API calls and HTTP requests instead of making them')
            [CompletionResult]::new('--no-mfa-header', '--no-mfa-header', [CompletionResultType]::ParameterName, 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)')
            [CompletionResult]::new('--allow-insecure-http', '--allow-insecure-http', [CompletionResultType]::ParameterName, 'Allow sending credentials over plain http:// to a host that is not loopback')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON document on stdout, no colour, no prompts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cleanops;notify' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'With --timeline: how far back')
            [CompletionResult]::new('--note', '--note', [CompletionResultType]::ParameterName, 'The engineer''s words, posted with it')
            [CompletionResult]::new('--max-age', '--max-age', [CompletionResultType]::ParameterName, 'Post the last diagnosis of this deployment when it is at most this old (0s: always diagnose anew)')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'How long a new diagnosis may take')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long each API call may take, retries included (e.g. 5s, 500ms) [env: CLEANOPS_TIMEOUT] [default: 5s]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [env: CLEANOPS_PROFILE]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Base URL of the app''s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'The deployment''s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'The deployment''s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]')
            [CompletionResult]::new('--project-name', '--project-name', [CompletionResultType]::ParameterName, 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory''s name]')
            [CompletionResult]::new('--docker-host', '--docker-host', [CompletionResultType]::ParameterName, 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)')
            [CompletionResult]::new('--timeline', '--timeline', [CompletionResultType]::ParameterName, 'Post the incident timeline (the audit file''s last --since) instead of the diagnosis')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do it without asking (needed when not on a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do it without asking (needed when not on a terminal)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the exact Docker API calls and HTTP requests instead of making them')
            [CompletionResult]::new('--no-mfa-header', '--no-mfa-header', [CompletionResultType]::ParameterName, 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)')
            [CompletionResult]::new('--allow-insecure-http', '--allow-insecure-http', [CompletionResultType]::ParameterName, 'Allow sending credentials over plain http:// to a host that is not loopback')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON document on stdout, no colour, no prompts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cleanops;timeline' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'How far back')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [env: CLEANOPS_PROFILE]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Base URL of the app''s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'The deployment''s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'The deployment''s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]')
            [CompletionResult]::new('--project-name', '--project-name', [CompletionResultType]::ParameterName, 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory''s name]')
            [CompletionResult]::new('--docker-host', '--docker-host', [CompletionResultType]::ParameterName, 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)')
            [CompletionResult]::new('--markdown', '--markdown', [CompletionResultType]::ParameterName, 'A paste-ready table for the postmortem')
            [CompletionResult]::new('--no-mfa-header', '--no-mfa-header', [CompletionResultType]::ParameterName, 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)')
            [CompletionResult]::new('--allow-insecure-http', '--allow-insecure-http', [CompletionResultType]::ParameterName, 'Allow sending credentials over plain http:// to a host that is not loopback')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON document on stdout, no colour, no prompts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cleanops;config' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [env: CLEANOPS_PROFILE]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Base URL of the app''s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'The deployment''s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'The deployment''s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]')
            [CompletionResult]::new('--project-name', '--project-name', [CompletionResultType]::ParameterName, 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory''s name]')
            [CompletionResult]::new('--docker-host', '--docker-host', [CompletionResultType]::ParameterName, 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)')
            [CompletionResult]::new('--no-mfa-header', '--no-mfa-header', [CompletionResultType]::ParameterName, 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)')
            [CompletionResult]::new('--allow-insecure-http', '--allow-insecure-http', [CompletionResultType]::ParameterName, 'Allow sending credentials over plain http:// to a host that is not loopback')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON document on stdout, no colour, no prompts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Each resolved setting, its value (secrets masked) and its source')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cleanops;config;show' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [env: CLEANOPS_PROFILE]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Base URL of the app''s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'The deployment''s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'The deployment''s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]')
            [CompletionResult]::new('--project-name', '--project-name', [CompletionResultType]::ParameterName, 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory''s name]')
            [CompletionResult]::new('--docker-host', '--docker-host', [CompletionResultType]::ParameterName, 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)')
            [CompletionResult]::new('--no-mfa-header', '--no-mfa-header', [CompletionResultType]::ParameterName, 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)')
            [CompletionResult]::new('--allow-insecure-http', '--allow-insecure-http', [CompletionResultType]::ParameterName, 'Allow sending credentials over plain http:// to a host that is not loopback')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON document on stdout, no colour, no prompts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cleanops;config;help' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Each resolved setting, its value (secrets masked) and its source')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cleanops;config;help;show' {
            break
        }
        'cleanops;config;help;help' {
            break
        }
        'cleanops;sim' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [env: CLEANOPS_PROFILE]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Base URL of the app''s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'The deployment''s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'The deployment''s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]')
            [CompletionResult]::new('--project-name', '--project-name', [CompletionResultType]::ParameterName, 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory''s name]')
            [CompletionResult]::new('--docker-host', '--docker-host', [CompletionResultType]::ParameterName, 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)')
            [CompletionResult]::new('--no-mfa-header', '--no-mfa-header', [CompletionResultType]::ParameterName, 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)')
            [CompletionResult]::new('--allow-insecure-http', '--allow-insecure-http', [CompletionResultType]::ParameterName, 'Allow sending credentials over plain http:// to a host that is not loopback')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON document on stdout, no colour, no prompts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the simulated app (readyz, jobs status, DLQ, replay, auth, rate limits, /_sim/ control)')
            [CompletionResult]::new('worker', 'worker', [CompletionResultType]::ParameterValue, 'Run the jobs runner as its own process (`python -m app.jobs.run`), reporting its loops to a simulator')
            [CompletionResult]::new('db', 'db', [CompletionResultType]::ParameterValue, 'Idle stand-in for the db service of the Docker test stack (exits 0 on SIGTERM)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cleanops;sim;serve' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address to listen on (port 0: the OS picks one, printed on start)')
            [CompletionResult]::new('--scenario', '--scenario', [CompletionResultType]::ParameterName, 'Starting state of the simulated deployment')
            [CompletionResult]::new('--runner-interval', '--runner-interval', [CompletionResultType]::ParameterName, 'Seconds the simulated runner sleeps between loops')
            [CompletionResult]::new('--global-limit', '--global-limit', [CompletionResultType]::ParameterName, 'Requests a minute per client IP before 429 (RATE_LIMIT_PER_MINUTE)')
            [CompletionResult]::new('--action-limit', '--action-limit', [CompletionResultType]::ParameterName, 'Replays a minute per org before 429 (ADMIN_ACTION_RATE_LIMIT_PER_MINUTE)')
            [CompletionResult]::new('--admin-password', '--admin-password', [CompletionResultType]::ParameterName, 'Password of the simulated admin user `admin` [env: CLEANOPS_SIM_ADMIN_PASSWORD]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [env: CLEANOPS_PROFILE]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Base URL of the app''s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'The deployment''s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'The deployment''s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]')
            [CompletionResult]::new('--project-name', '--project-name', [CompletionResultType]::ParameterName, 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory''s name]')
            [CompletionResult]::new('--docker-host', '--docker-host', [CompletionResultType]::ParameterName, 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)')
            [CompletionResult]::new('--list-scenarios', '--list-scenarios', [CompletionResultType]::ParameterName, 'List the scenarios and exit')
            [CompletionResult]::new('--no-mfa-header', '--no-mfa-header', [CompletionResultType]::ParameterName, 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)')
            [CompletionResult]::new('--allow-insecure-http', '--allow-insecure-http', [CompletionResultType]::ParameterName, 'Allow sending credentials over plain http:// to a host that is not loopback')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON document on stdout, no colour, no prompts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cleanops;sim;worker' {
            [CompletionResult]::new('--job', '--job', [CompletionResultType]::ParameterName, 'Run only this job (repeatable; the names accumulate) [default: the 23 jobs of a loop]')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Seconds to sleep after each loop (at least 1)')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Public base URL for links (accepted; the simulated jobs send nothing)')
            [CompletionResult]::new('--api', '--api', [CompletionResultType]::ParameterName, 'The API simulator holding the simulated database [env: CLEANOPS_SIM_API] [default: http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [env: CLEANOPS_PROFILE]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Base URL of the app''s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'The deployment''s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'The deployment''s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]')
            [CompletionResult]::new('--project-name', '--project-name', [CompletionResultType]::ParameterName, 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory''s name]')
            [CompletionResult]::new('--docker-host', '--docker-host', [CompletionResultType]::ParameterName, 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)')
            [CompletionResult]::new('--once', '--once', [CompletionResultType]::ParameterName, 'Run one loop and exit (0 even when jobs failed)')
            [CompletionResult]::new('--no-mfa-header', '--no-mfa-header', [CompletionResultType]::ParameterName, 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)')
            [CompletionResult]::new('--allow-insecure-http', '--allow-insecure-http', [CompletionResultType]::ParameterName, 'Allow sending credentials over plain http:// to a host that is not loopback')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON document on stdout, no colour, no prompts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cleanops;sim;db' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address to accept (and drop) connections on, as PostgreSQL''s port')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [env: CLEANOPS_PROFILE]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Base URL of the app''s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'The deployment''s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'The deployment''s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]')
            [CompletionResult]::new('--project-name', '--project-name', [CompletionResultType]::ParameterName, 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory''s name]')
            [CompletionResult]::new('--docker-host', '--docker-host', [CompletionResultType]::ParameterName, 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)')
            [CompletionResult]::new('--no-mfa-header', '--no-mfa-header', [CompletionResultType]::ParameterName, 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)')
            [CompletionResult]::new('--allow-insecure-http', '--allow-insecure-http', [CompletionResultType]::ParameterName, 'Allow sending credentials over plain http:// to a host that is not loopback')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON document on stdout, no colour, no prompts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cleanops;sim;help' {
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the simulated app (readyz, jobs status, DLQ, replay, auth, rate limits, /_sim/ control)')
            [CompletionResult]::new('worker', 'worker', [CompletionResultType]::ParameterValue, 'Run the jobs runner as its own process (`python -m app.jobs.run`), reporting its loops to a simulator')
            [CompletionResult]::new('db', 'db', [CompletionResultType]::ParameterValue, 'Idle stand-in for the db service of the Docker test stack (exits 0 on SIGTERM)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cleanops;sim;help;serve' {
            break
        }
        'cleanops;sim;help;worker' {
            break
        }
        'cleanops;sim;help;db' {
            break
        }
        'cleanops;sim;help;help' {
            break
        }
        'cleanops;completions' {
            [CompletionResult]::new('--write', '--write', [CompletionResultType]::ParameterName, 'Write the files into DIR instead of printing: cleanops.bash, _cleanops (zsh), cleanops.fish, _cleanops.ps1, cleanops.elv')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [env: CLEANOPS_PROFILE]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Base URL of the app''s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'The deployment''s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'The deployment''s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]')
            [CompletionResult]::new('--project-name', '--project-name', [CompletionResultType]::ParameterName, 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory''s name]')
            [CompletionResult]::new('--docker-host', '--docker-host', [CompletionResultType]::ParameterName, 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)')
            [CompletionResult]::new('--no-mfa-header', '--no-mfa-header', [CompletionResultType]::ParameterName, 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)')
            [CompletionResult]::new('--allow-insecure-http', '--allow-insecure-http', [CompletionResultType]::ParameterName, 'Allow sending credentials over plain http:// to a host that is not loopback')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON document on stdout, no colour, no prompts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cleanops;man' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Write every page into DIR instead of printing one: cleanops.1, cleanops-restart.1, cleanops-sim-serve.1, ...')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [env: CLEANOPS_PROFILE]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CLEANOPS_CONFIG] [default: $XDG_CONFIG_HOME/cleanops/config.toml]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Base URL of the app''s API [env: CLEANOPS_API_URL] [default: https://api.panidobro.com]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Admin username [env: CLEANOPS_USERNAME, ADMIN_BASIC_USERNAME]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the admin password [env: CLEANOPS_PASSWORD_FILE; the password itself: ADMIN_BASIC_PASSWORD]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra CA certificate (PEM) to trust for the API (and the PagerDuty and Slack URLs)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'The deployment''s directory [env: CLEANOPS_PROJECT_DIR] [default: /opt/cleaning]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'The deployment''s env file [env: CLEANOPS_ENV_FILE, ENV_FILE] [default: <project dir>/.env]')
            [CompletionResult]::new('--project-name', '--project-name', [CompletionResultType]::ParameterName, 'Compose project name [env: COMPOSE_PROJECT_NAME] [default: the project directory''s name]')
            [CompletionResult]::new('--docker-host', '--docker-host', [CompletionResultType]::ParameterName, 'Docker engine [env: DOCKER_HOST] (unix://, tcp://, ssh://)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE)')
            [CompletionResult]::new('--no-mfa-header', '--no-mfa-header', [CompletionResultType]::ParameterName, 'Do not send `X-Auth-MFA: true` on admin calls (for test, ci and e2e instances reached directly; without it cleanops finds that out itself at the cost of one refused call a run)')
            [CompletionResult]::new('--allow-insecure-http', '--allow-insecure-http', [CompletionResultType]::ParameterName, 'Allow sending credentials over plain http:// to a host that is not loopback')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON document on stdout, no colour, no prompts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each request on stderr (credentials never)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cleanops;help' {
            [CompletionResult]::new('diagnose', 'diagnose', [CompletionResultType]::ParameterValue, 'The whole quick diagnosis in one pass: every read-only check, the likely cause, the next command')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'The diagnosis against a simulated deployment, with nothing to set up')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Readiness of the app: every /readyz check, read on 200 and on 503')
            [CompletionResult]::new('heartbeat', 'heartbeat', [CompletionResultType]::ParameterValue, 'The jobs heartbeat (fresh, late, stale, missing, disabled), each job''s last run, and clock drift')
            [CompletionResult]::new('dlq', 'dlq', [CompletionResultType]::ParameterValue, 'The dead-letter queue: counts and items (outbox and export)')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Logs of the services (default: jobs), merged in time order and read: a JSON record as time, level, message and key fields, a traceback as its exception')
            [CompletionResult]::new('restart', 'restart', [CompletionResultType]::ParameterValue, 'Restart a service''s container (default: jobs) and verify it stays up')
            [CompletionResult]::new('env-check', 'env-check', [CompletionResultType]::ParameterValue, 'Check the deployment''s env file (JOBS_ENABLED, heartbeat settings, DATABASE_URL) and its drift from the running jobs container')
            [CompletionResult]::new('db-check', 'db-check', [CompletionResultType]::ParameterValue, 'Check the database from inside the jobs container (or with pg_isready in db)')
            [CompletionResult]::new('run-once', 'run-once', [CompletionResultType]::ParameterValue, 'Run one loop of the jobs runner inside the jobs container (python -m app.jobs.run --once)')
            [CompletionResult]::new('replay', 'replay', [CompletionResultType]::ParameterValue, 'Replay dead events safely: only dead ones, paced under the app''s limit, idempotent, resumable')
            [CompletionResult]::new('remediate', 'remediate', [CompletionResultType]::ParameterValue, 'The runbook''s safe remediation, step by step, only where the diagnosis justifies it')
            [CompletionResult]::new('rollback', 'rollback', [CompletionResultType]::ParameterValue, 'The runbook''s rollback: git reset to a good commit and deploy (dry run unless --yes)')
            [CompletionResult]::new('escalate', 'escalate', [CompletionResultType]::ParameterValue, 'Page the runbook''s next escalation role with the diagnosis attached (PagerDuty, Slack); --ack, --resolve')
            [CompletionResult]::new('notify', 'notify', [CompletionResultType]::ParameterValue, 'Post the diagnosis (or the timeline) to the incident channel''s Slack webhook')
            [CompletionResult]::new('timeline', 'timeline', [CompletionResultType]::ParameterValue, 'The incident''s actions and diagnoses, from the audit file, for the postmortem')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the resolved configuration and where each value came from')
            [CompletionResult]::new('sim', 'sim', [CompletionResultType]::ParameterValue, 'The built-in simulator of the app, for trying cleanops and for tests')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Shell completions (bash, zsh, fish, PowerShell, elvish), generated from this definition')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Man pages, one per subcommand (cleanops.1, cleanops-restart.1, ...), generated from this definition')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cleanops;help;diagnose' {
            break
        }
        'cleanops;help;demo' {
            break
        }
        'cleanops;help;status' {
            break
        }
        'cleanops;help;heartbeat' {
            break
        }
        'cleanops;help;dlq' {
            break
        }
        'cleanops;help;logs' {
            break
        }
        'cleanops;help;restart' {
            break
        }
        'cleanops;help;env-check' {
            break
        }
        'cleanops;help;db-check' {
            break
        }
        'cleanops;help;run-once' {
            break
        }
        'cleanops;help;replay' {
            break
        }
        'cleanops;help;remediate' {
            break
        }
        'cleanops;help;rollback' {
            break
        }
        'cleanops;help;escalate' {
            break
        }
        'cleanops;help;notify' {
            break
        }
        'cleanops;help;timeline' {
            break
        }
        'cleanops;help;config' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Each resolved setting, its value (secrets masked) and its source')
            break
        }
        'cleanops;help;config;show' {
            break
        }
        'cleanops;help;sim' {
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the simulated app (readyz, jobs status, DLQ, replay, auth, rate limits, /_sim/ control)')
            [CompletionResult]::new('worker', 'worker', [CompletionResultType]::ParameterValue, 'Run the jobs runner as its own process (`python -m app.jobs.run`), reporting its loops to a simulator')
            [CompletionResult]::new('db', 'db', [CompletionResultType]::ParameterValue, 'Idle stand-in for the db service of the Docker test stack (exits 0 on SIGTERM)')
            break
        }
        'cleanops;help;sim;serve' {
            break
        }
        'cleanops;help;sim;worker' {
            break
        }
        'cleanops;help;sim;db' {
            break
        }
        'cleanops;help;completions' {
            break
        }
        'cleanops;help;man' {
            break
        }
        'cleanops;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
