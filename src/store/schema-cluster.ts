// The last entry of src/store/schema.ts's list (a file of its own for its size; never edit it once
// shipped): several nodes on PostgreSQL (issue 14). SQLite: what this node has still to send to PostgreSQL (the
// outbox of its shared-table writes), its cursors there, dashboard sessions (shared, so a sign-in works
// on every node; a restart no longer signs people out), and DKIM private keys sealed in the row (files
// are not shared). PostgreSQL: the node registry, the change log every node applies, the global events
// stream, leases, campaign claims, cap counters and webhook cursors.
import type { Migration } from './schema.js';

export const CLUSTER_MIGRATION: Migration = {
  sqlite: `
  CREATE TABLE cluster_outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    tbl TEXT NOT NULL,
    op TEXT NOT NULL,                 -- upsert (row = the whole row) | delete (row = its key)
    row TEXT NOT NULL                 -- JSON
  );
  CREATE TABLE cluster_state (
    key TEXT PRIMARY KEY,             -- changes (last applied seq) | events (last shipped local id) | slot | migrated
    value TEXT NOT NULL
  );
  CREATE TABLE dashboard_sessions (
    token_hash TEXT PRIMARY KEY,      -- hex SHA-256 of the cookie's token
    subject TEXT NOT NULL,            -- 'password' or the API key id that signed in
    scope TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  ALTER TABLE dkim_keys ADD COLUMN private_key TEXT; -- sealed PEM (store/seal.ts); NULL: only the file
  `,
  postgres: `
  CREATE TABLE nodes (
    name TEXT PRIMARY KEY,
    slot INTEGER NOT NULL UNIQUE,     -- 0..1023: the low bits of the row ids this node allocates
    api_url TEXT,
    version TEXT,
    started_at TIMESTAMPTZ NOT NULL,
    heartbeat_at TIMESTAMPTZ NOT NULL
  );
  CREATE TABLE changes (
    seq BIGSERIAL PRIMARY KEY,        -- committed in order (writers hold one advisory lock): a cursor never skips
    tbl TEXT NOT NULL,
    op TEXT NOT NULL,
    row JSONB NOT NULL,
    at TIMESTAMPTZ NOT NULL DEFAULT now()
  );
  CREATE INDEX changes_at ON changes (at);
  CREATE TABLE events (
    id BIGSERIAL PRIMARY KEY,         -- the global stream's order (shippers hold one advisory lock)
    node TEXT NOT NULL,
    local_id BIGINT NOT NULL,         -- the id in the node's own events table
    at BIGINT NOT NULL,
    type TEXT NOT NULL,
    message_id TEXT, recipient TEXT, sender TEXT, sending_domain TEXT, source_ip TEXT, mx TEXT,
    code INTEGER, enhanced TEXT, text TEXT, class TEXT, reason TEXT, data TEXT,
    UNIQUE (node, local_id)
  );
  CREATE INDEX events_at ON events (at);
  CREATE INDEX events_message ON events (message_id);
  CREATE INDEX events_domain ON events (sending_domain, at);
  CREATE TABLE leases (
    name TEXT PRIMARY KEY,            -- mailbox:<identity> | webhook:<id> | <singleton task>
    holder TEXT NOT NULL,             -- node name
    expires_at TIMESTAMPTZ NOT NULL
  );
  CREATE TABLE campaign_claims (
    campaign TEXT NOT NULL,
    email TEXT NOT NULL,
    step INTEGER NOT NULL,
    node TEXT NOT NULL,
    queue_id TEXT NOT NULL,           -- the message the claiming node queues (checked at its restart)
    identity TEXT,
    day TEXT,                         -- the cap_counters day the claim counted in (given back with it)
    claimed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (campaign, email, step)
  );
  CREATE INDEX campaign_claims_node ON campaign_claims (node);
  CREATE TABLE cap_counters (
    identity TEXT NOT NULL,
    day TEXT NOT NULL,                -- YYYY-MM-DD in the identity's zone
    sent INTEGER NOT NULL,
    PRIMARY KEY (identity, day)
  );
  CREATE TABLE webhook_cursors (
    webhook_id TEXT PRIMARY KEY,
    cursor BIGINT NOT NULL            -- global id of the last event handled (sent or dropped)
  );
  CREATE TABLE cluster_meta (
    key TEXT PRIMARY KEY,             -- seal-key (fingerprint of the key that seals secrets)
    value TEXT NOT NULL
  );
  -- One campaign step's claim in one round trip (src/cluster/claims.ts): lock the shared contact row
  -- (SKIP LOCKED: another node is on it), check it still waits for the step and nobody claimed it, count
  -- the send on the first candidate identity under its cap, record the claim. All or nothing.
  CREATE FUNCTION petrel_claim(p_campaign TEXT, p_email TEXT, p_step INTEGER, p_node TEXT, p_queue_id TEXT,
      p_candidates JSONB, p_retry_at BIGINT) RETURNS TABLE (claim_result TEXT, claim_identity TEXT) AS $$
  DECLARE
    c RECORD;
    cand JSONB;
    cap INTEGER;
  BEGIN
    SELECT cc.state, cc.step INTO c FROM campaign_contacts cc
      WHERE cc.campaign = p_campaign AND cc.email = p_email FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN RETURN QUERY SELECT 'busy'::TEXT, NULL::TEXT; RETURN; END IF;
    IF c.state NOT IN ('pending', 'active') OR c.step <> p_step - 1 THEN RETURN QUERY SELECT 'moved'::TEXT, NULL::TEXT; RETURN; END IF;
    PERFORM 1 FROM campaign_claims cl WHERE cl.campaign = p_campaign AND cl.email = p_email AND cl.step = p_step;
    IF FOUND THEN RETURN QUERY SELECT 'taken'::TEXT, NULL::TEXT; RETURN; END IF;
    FOR cand IN SELECT * FROM jsonb_array_elements(p_candidates) LOOP
      cap := (cand->>'cap')::INTEGER;
      CONTINUE WHEN cap IS NOT NULL AND cap <= 0;
      INSERT INTO cap_counters AS k (identity, day, sent) VALUES (cand->>'name', cand->>'day', 1)
        ON CONFLICT (identity, day) DO UPDATE SET sent = k.sent + 1 WHERE cap IS NULL OR k.sent < cap;
      CONTINUE WHEN NOT FOUND;
      INSERT INTO campaign_claims (campaign, email, step, node, queue_id, identity, day)
        VALUES (p_campaign, p_email, p_step, p_node, p_queue_id, cand->>'name', cand->>'day');
      RETURN QUERY SELECT 'claimed'::TEXT, cand->>'name';
      RETURN;
    END LOOP;
    -- Every identity is at its cap: the step waits in the shared row. The update logs a change, which
    -- takes the change-log lock; a shipper holding it may wait for this row, so only try it.
    IF pg_try_advisory_xact_lock(7283001) THEN
      UPDATE campaign_contacts SET next_at = p_retry_at WHERE campaign = p_campaign AND email = p_email;
    END IF;
    RETURN QUERY SELECT 'capped'::TEXT, NULL::TEXT;
  END $$ LANGUAGE plpgsql;
  `,
};
