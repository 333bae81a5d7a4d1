-- The app's dead-letter tables as PostgreSQL holds them in the deployed app (docs/app-contract.md):
-- outbox events keyed by uuid; export events under forced row-level security on
-- app.current_org_id; and the runner's job records. Only what cleanops reads and writes.
CREATE TABLE outbox_events (
  event_id uuid PRIMARY KEY,
  org_id uuid NOT NULL,
  kind varchar(32) NOT NULL,
  payload_json json NOT NULL,
  dedupe_key varchar(255) NOT NULL,
  status varchar(16) NOT NULL DEFAULT 'pending',
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  last_error varchar(255),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX ix_outbox_org_dedupe ON outbox_events (org_id, dedupe_key);
CREATE INDEX ix_outbox_org_status ON outbox_events (org_id, status, next_attempt_at);

CREATE TABLE export_events (
  event_id varchar(36) PRIMARY KEY,
  lead_id varchar(36),
  mode varchar(32) NOT NULL,
  target_url varchar(512),
  target_url_host varchar(255),
  payload json,
  attempts integer NOT NULL DEFAULT 0,
  last_error_code varchar(64),
  created_at timestamptz NOT NULL DEFAULT now(),
  org_id uuid NOT NULL,
  replay_count integer NOT NULL DEFAULT 0,
  last_replayed_at timestamptz,
  last_replayed_by varchar(100)
);
ALTER TABLE export_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE export_events FORCE ROW LEVEL SECURITY;
CREATE POLICY export_events_org_isolation ON export_events
  USING (org_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid)
  WITH CHECK (org_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid);

CREATE TABLE job_heartbeats (
  name varchar(64) PRIMARY KEY,
  runner_id varchar(128),
  last_heartbeat timestamptz NOT NULL,
  last_success_at timestamptz,
  last_error varchar(128),
  last_error_at timestamptz,
  consecutive_failures integer NOT NULL DEFAULT 0,
  updated_at timestamptz
);
