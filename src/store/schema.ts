// The database schema as an append-only list of migrations: never edit a shipped entry, add one.
// An entry is SQLite's SQL, or both backends' SQL: the embedded SQLite runs `sqlite`; PostgreSQL (cluster
// mode, src/cluster/pg-migrate.ts) runs `postgres` and mirrors the shared SQLite tables it derives from
// this same list (src/cluster/mirror/ddl.ts), so one list says what every version's schema is.

import { CLUSTER_MIGRATION } from './schema-cluster.js';

export type Migration = string | { sqlite: string; postgres: string };

export const MIGRATIONS: Migration[] = [
  `
  CREATE TABLE domains (
    name TEXT PRIMARY KEY,            -- lower-case, A-label form
    local INTEGER NOT NULL DEFAULT 0, -- mail for it is accepted on the MX role
    sending INTEGER NOT NULL DEFAULT 0, -- authenticated users may send from it
    catch_all INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE users (
    name TEXT PRIMARY KEY,            -- login name, usually an address
    password_hash TEXT NOT NULL,      -- scrypt, PHC-style string
    cram_secret TEXT,                 -- AES-GCM sealed password for CRAM-MD5, or NULL
    allow_from TEXT NOT NULL DEFAULT '[]', -- JSON array of patterns
    created_at INTEGER NOT NULL
  );
  CREATE TABLE messages (
    id TEXT PRIMARY KEY,              -- sortable queue id
    direction TEXT NOT NULL,          -- 'inbound' (MX, local domains) or 'outbound'
    state TEXT NOT NULL DEFAULT 'queued',
    received_at INTEGER NOT NULL,
    sender TEXT NOT NULL,
    size INTEGER NOT NULL,
    envelope TEXT NOT NULL,           -- JSON: the full Envelope
    body BLOB,                        -- small bodies live here...
    body_path TEXT                    -- ...large ones in the spool, relative to the data dir
  );
  CREATE INDEX messages_received ON messages (received_at);
  CREATE TABLE recipients (
    message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    address TEXT NOT NULL,
    notify TEXT,
    orcpt TEXT,
    state TEXT NOT NULL DEFAULT 'queued',
    next_attempt_at INTEGER,
    PRIMARY KEY (message_id, idx)
  );
  CREATE INDEX recipients_due ON recipients (state, next_attempt_at);
  `,
  // Outbound delivery (issue 3). Recipient states: queued | deferred (waiting for next_attempt_at)
  // | active (in a delivery attempt) | held | delivered | relayed | bounced | expired | stored
  // (inbound, kept for local mailboxes). dsn_pending marks a final state whose DSN is not yet queued.
  `
  ALTER TABLE recipients ADD COLUMN domain TEXT NOT NULL DEFAULT '';
  ALTER TABLE recipients ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE recipients ADD COLUMN last_attempt_at INTEGER;
  ALTER TABLE recipients ADD COLUMN last_code INTEGER;
  ALTER TABLE recipients ADD COLUMN last_enhanced TEXT;
  ALTER TABLE recipients ADD COLUMN last_text TEXT;
  ALTER TABLE recipients ADD COLUMN last_remote INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE recipients ADD COLUMN last_mta TEXT;
  ALTER TABLE recipients ADD COLUMN delay_notified INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE recipients ADD COLUMN dsn_pending INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE recipients ADD COLUMN final_at INTEGER;
  UPDATE recipients SET domain = lower(substr(address, instr(address, '@') + 1));
  UPDATE recipients SET state = 'stored'
    WHERE message_id IN (SELECT id FROM messages WHERE direction = 'inbound');
  UPDATE messages SET state = 'stored' WHERE direction = 'inbound';
  UPDATE recipients SET next_attempt_at = (SELECT received_at FROM messages WHERE id = message_id)
    WHERE state = 'queued';
  CREATE INDEX recipients_domain ON recipients (domain, state);
  CREATE INDEX recipients_dsn ON recipients (dsn_pending) WHERE dsn_pending = 1;
  CREATE TABLE attempts (
    id INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,             -- the recipient
    at INTEGER NOT NULL,              -- ms since epoch, start of the attempt
    duration_ms INTEGER NOT NULL,
    outcome TEXT NOT NULL,            -- delivered | relayed | deferred | bounced
    route TEXT NOT NULL,              -- mx | smarthost | transport | local
    mx TEXT, ip TEXT, port INTEGER, local_ip TEXT,
    tls TEXT,                         -- protocol version, or NULL for plaintext
    code INTEGER, enhanced TEXT, text TEXT,
    remote INTEGER NOT NULL,          -- 1 when code and text came from the peer
    phase TEXT
  );
  CREATE INDEX attempts_message ON attempts (message_id, idx);
  CREATE TABLE mta_sts_policies (
    domain TEXT PRIMARY KEY,
    policy_id TEXT NOT NULL,          -- the id= of the _mta-sts TXT record
    mode TEXT NOT NULL,               -- enforce | testing | none
    mx TEXT NOT NULL,                 -- JSON array of mx patterns
    max_age INTEGER NOT NULL,         -- seconds
    fetched_at INTEGER NOT NULL,      -- ms since epoch
    text TEXT NOT NULL                -- the policy as served
  );
  CREATE TABLE tls_sessions (
    day TEXT NOT NULL,                -- UTC date, YYYY-MM-DD (TLS-RPT reports per day)
    policy_domain TEXT NOT NULL,
    policy_type TEXT NOT NULL,        -- sts | no-policy-found
    result TEXT NOT NULL,             -- success, or an RFC 8460 result-type
    mx TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT '',
    count INTEGER NOT NULL,
    PRIMARY KEY (day, policy_domain, policy_type, result, mx, ip)
  );
  `,
  // DKIM keys (issue 4). A domain signs with its active keys (one per algorithm); a pending key
  // waits until DNS shows it; a retired key is kept published until retire_at, then removed.
  `
  CREATE TABLE dkim_keys (
    domain TEXT NOT NULL,
    selector TEXT NOT NULL,
    algorithm TEXT NOT NULL,          -- rsa-sha256 | ed25519-sha256
    bits INTEGER,                     -- RSA modulus size
    public_key TEXT NOT NULL,         -- base64 DER (SubjectPublicKeyInfo for RSA, raw 32 bytes for Ed25519), the p= value
    key_path TEXT NOT NULL,           -- PEM private key, relative to the data dir, mode 0600
    state TEXT NOT NULL,              -- pending | active | retired
    created_at INTEGER NOT NULL,
    activated_at INTEGER,
    retire_at INTEGER,
    PRIMARY KEY (domain, selector)
  );
  CREATE INDEX dkim_keys_state ON dkim_keys (domain, state);
  `,
  // Bounces, suppression, events and webhooks (issue 5). Events are append-only; their id is the
  // cursor of `events tail`, of webhooks and of the API (AUTOINCREMENT: ids never reused after a purge).
  // SQLite serialises writers, so a reader never sees event N+1 committed before event N.
  `
  CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,              -- ms since epoch
    type TEXT NOT NULL,               -- accepted | delivered | deferred | bounced | expired | complained | suppressed | unsubscribed
    message_id TEXT,                  -- queue id (no foreign key: events outlive messages)
    recipient TEXT,
    sender TEXT,                      -- envelope sender as submitted
    sending_domain TEXT,              -- domain of the sender ('' for the null sender)
    source_ip TEXT,                   -- local address of the delivery connection
    mx TEXT,                          -- remote host
    code INTEGER, enhanced TEXT, text TEXT,  -- the remote (or our own) reply
    class TEXT, reason TEXT,          -- classification (docs/bounces.md)
    data TEXT                         -- JSON: anything else (feedback type, attempt count, report source)
  );
  CREATE INDEX events_at ON events (at);
  CREATE INDEX events_message ON events (message_id);
  CREATE INDEX events_domain ON events (sending_domain, at);
  CREATE TABLE suppressions (
    address TEXT NOT NULL,            -- lower-cased
    scope TEXT NOT NULL DEFAULT '',   -- '' = every sending domain, else one sending domain
    reason TEXT NOT NULL,             -- hard-bounce | complaint | unsubscribe | manual
    detail TEXT,                      -- e.g. "userunknown 5.1.1 ..." or an operator's note
    source_message TEXT,              -- queue id of the message that caused it
    created_at INTEGER NOT NULL,
    expires_at INTEGER,               -- NULL: permanent
    PRIMARY KEY (address, scope)
  );
  CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,             -- sealed (store/seal.ts) for CLI endpoints; '' for config ones (secretEnv)
    events TEXT NOT NULL DEFAULT '[]',  -- JSON array of types; empty = all
    origin TEXT NOT NULL,             -- cli | config
    created_at INTEGER NOT NULL,
    cursor INTEGER NOT NULL,          -- id of the last event handled (sent or dropped)
    failing_since INTEGER,            -- first failure of the batch at the head, ms
    failures INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    last_error TEXT
  );
  CREATE TABLE webhook_failures (
    webhook_id TEXT NOT NULL,
    first_event INTEGER NOT NULL,
    last_event INTEGER NOT NULL,
    dropped_at INTEGER NOT NULL,
    error TEXT NOT NULL
  );
  ALTER TABLE attempts ADD COLUMN class TEXT;
  ALTER TABLE attempts ADD COLUMN reason TEXT;
  `,
  // The HTTP API (issue 6): API keys (only a hash of the secret is kept) and idempotent sends.
  `
  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,              -- public part of the key: pk_<id>_<secret>
    name TEXT NOT NULL,
    scope TEXT NOT NULL,              -- send | read | admin
    secret_hash TEXT NOT NULL,        -- hex SHA-256 of the secret part (256 random bits: no slow hash needed)
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at INTEGER
  );
  CREATE TABLE idempotency_keys (
    api_key TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,       -- SHA-256 of the request body: the same key with another body is a 422
    message_id TEXT NOT NULL,
    response TEXT NOT NULL,           -- the JSON answered the first time
    created_at INTEGER NOT NULL,
    PRIMARY KEY (api_key, key)
  );
  CREATE INDEX idempotency_created ON idempotency_keys (created_at);
  `,
  // Sending identities, pools and pacing (issue 11). Identity mail waits in the queue as 'throttled'
  // (with wait_reason and the identity it waits for) while caps, pauses or shaping actions hold it.
  // Sends are counted from the attempts rows (attempts.identity), so caps survive restarts exactly.
  `
  CREATE TABLE identities (
    name TEXT PRIMARY KEY,
    from_addr TEXT NOT NULL,          -- lower-case address, or a bare domain (every address of it)
    domain TEXT NOT NULL,             -- the sending domain (of from_addr)
    via TEXT NOT NULL,                -- mta | relay
    preset TEXT,                      -- gmail | m365 | esp
    relay TEXT,                       -- JSON: host, port, tls, verify, user, mechanisms, oauth (no secrets)
    secret TEXT,                      -- sealed JSON: password, refreshToken, clientSecret
    source TEXT,                      -- mta: local IP to bind (one of delivery.sources)
    daily_cap INTEGER, hourly_cap INTEGER,
    min_gap_ms INTEGER NOT NULL DEFAULT 0,
    hard_caps TEXT NOT NULL DEFAULT '{}', -- JSON: the provider's ceilings (daily, hourly, perMinute)
    warmup TEXT,                      -- JSON: {start, step, percent, target}
    warmup_start TEXT,                -- the day (YYYY-MM-DD in time_zone) that is warm-up day 1
    time_zone TEXT NOT NULL DEFAULT 'UTC',
    state TEXT NOT NULL DEFAULT 'active', -- active | paused
    reason TEXT,                      -- why paused
    paused_by TEXT,                   -- operator | auto
    changed_at INTEGER,               -- last pause or resume (reputation windows start after a resume)
    created_at INTEGER NOT NULL
  );
  CREATE INDEX identities_from ON identities (from_addr);
  CREATE TABLE pools (name TEXT PRIMARY KEY, created_at INTEGER NOT NULL);
  CREATE TABLE pool_members (
    pool TEXT NOT NULL REFERENCES pools(name) ON DELETE CASCADE,
    identity TEXT NOT NULL REFERENCES identities(name) ON DELETE CASCADE,
    weight INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (pool, identity)
  );
  CREATE TABLE identity_sticky (
    key TEXT PRIMARY KEY,             -- thread:<k> | contact:<k> | msgid:<Message-ID>
    identity TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE warmup_holds (
    identity TEXT NOT NULL,
    day TEXT NOT NULL,                -- a day whose errors hold the ramp (YYYY-MM-DD in the identity's zone)
    reason TEXT NOT NULL,
    PRIMARY KEY (identity, day)
  );
  CREATE TABLE shaping_actions (
    id INTEGER PRIMARY KEY,
    rule TEXT NOT NULL,
    kind TEXT NOT NULL,               -- throttle | suspend
    factor REAL,                      -- throttle: rate multiplier
    rate INTEGER,                     -- throttle: the per-minute rate in force (factor x the rate before)
    scope TEXT NOT NULL,              -- identity:<name> | source:<key>
    provider TEXT,                    -- NULL: towards every provider
    started_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    cleared_at INTEGER,               -- ended early by an operator
    identity TEXT,                    -- the identity whose reply triggered it
    message_id TEXT,
    code INTEGER, enhanced TEXT, text TEXT  -- the triggering reply
  );
  CREATE INDEX shaping_actions_open ON shaping_actions (ends_at) WHERE cleared_at IS NULL;
  ALTER TABLE messages ADD COLUMN identity TEXT;
  CREATE INDEX messages_identity ON messages (identity, received_at) WHERE identity IS NOT NULL;
  ALTER TABLE attempts ADD COLUMN identity TEXT;
  CREATE INDEX attempts_identity ON attempts (identity, at) WHERE identity IS NOT NULL;
  ALTER TABLE recipients ADD COLUMN wait_reason TEXT;
  ALTER TABLE recipients ADD COLUMN wait_identity TEXT;
  CREATE INDEX recipients_wait ON recipients (wait_identity) WHERE wait_identity IS NOT NULL;
  `,
  // Contacts, lists and campaigns (issue 12). A campaign's contacts move pending -> active (step k
  // sent) -> finished, or stop: replied | bounced | unsubscribed | complained | stopped | paused.
  // campaign_sends is the exactly-once record: one row per (campaign, contact, step), written in the
  // same transaction as the queued message it names (queue/message-rows.ts).
  `
  CREATE TABLE contacts (
    email TEXT PRIMARY KEY,           -- lower-cased address
    address TEXT NOT NULL,            -- as imported (the local part's case kept)
    fields TEXT NOT NULL DEFAULT '{}', -- JSON: the CSV's other columns (first_name, company, timezone, ...)
    org_domain TEXT NOT NULL,         -- organisational domain of the address (companyReply)
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX contacts_org ON contacts (org_domain);
  CREATE TABLE lists (name TEXT PRIMARY KEY, created_at INTEGER NOT NULL);
  CREATE TABLE list_members (
    list TEXT NOT NULL REFERENCES lists(name) ON DELETE CASCADE,
    email TEXT NOT NULL REFERENCES contacts(email) ON DELETE CASCADE,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (list, email)
  );
  CREATE INDEX list_members_email ON list_members (email);
  CREATE TABLE campaigns (
    name TEXT PRIMARY KEY,
    definition TEXT NOT NULL,         -- JSON: the validated campaign (src/campaigns/definition.ts)
    state TEXT NOT NULL DEFAULT 'draft', -- draft | running | paused | stopped | finished
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    changed_at INTEGER,
    last_start_at INTEGER             -- when the engine last started a new contact (spreading)
  );
  CREATE TABLE campaign_contacts (
    campaign TEXT NOT NULL REFERENCES campaigns(name) ON DELETE CASCADE,
    email TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    step INTEGER NOT NULL DEFAULT 0,  -- steps sent so far
    next_at INTEGER,                  -- the next step is due (NULL: not started yet, or nothing more to send)
    identity TEXT,                    -- fixed by the first send: the whole thread leaves from it
    started_at INTEGER,
    last_sent_at INTEGER,
    reason TEXT,                      -- why it stopped or is paused
    changed_at INTEGER NOT NULL,
    PRIMARY KEY (campaign, email)
  );
  CREATE INDEX campaign_contacts_due ON campaign_contacts (campaign, state, next_at);
  CREATE INDEX campaign_contacts_email ON campaign_contacts (email);
  CREATE INDEX campaign_contacts_started ON campaign_contacts (campaign, started_at);
  CREATE TABLE campaign_sends (
    id INTEGER PRIMARY KEY,
    campaign TEXT NOT NULL,
    email TEXT NOT NULL,
    step INTEGER NOT NULL,            -- 1-based
    variant TEXT,                     -- the A/B variant's id, NULL without variants
    message_id TEXT NOT NULL,         -- queue id
    header_id TEXT NOT NULL,          -- the Message-ID field's value, without angle brackets
    identity TEXT,
    subject TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    outcome TEXT,                     -- replied | unsubscribed | complained | bounced: the stop this send led to
    opened_at INTEGER,
    clicked_at INTEGER,
    UNIQUE (campaign, email, step)
  );
  CREATE INDEX campaign_sends_message ON campaign_sends (message_id);
  CREATE INDEX campaign_sends_header ON campaign_sends (header_id);
  CREATE INDEX campaign_sends_email ON campaign_sends (email);
  CREATE TABLE campaign_cursors (
    name TEXT PRIMARY KEY,            -- events | inbound: how far the campaign watchers have read
    position INTEGER NOT NULL
  );
  `,
  // An operator's hold or bounce of a recipient in a delivery attempt: applied when the attempt ends
  // without delivering it (queue/control.ts), so an action never races the attempt and is never lost.
  `
  ALTER TABLE recipients ADD COLUMN operator_request TEXT; -- hold | bounce
  `,
  // Mailboxes over IMAP (issue 13): an identity's IMAP side, how far each watched folder was read,
  // each connection's state, what arrived (the unified inbox), the warm-up network's own mail, and
  // placement tests. Only src/mailboxes, src/inbox, src/warmup-network and src/placement write them.
  `
  ALTER TABLE identities ADD COLUMN imap TEXT;                 -- JSON ImapSettings (mailboxes/types.ts), NULL: none
  ALTER TABLE identities ADD COLUMN warmup_network INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE mailbox_folders (
    identity TEXT NOT NULL,
    folder TEXT NOT NULL,             -- the folder's path (INBOX, Junk, [Gmail]/Spam, ...)
    uid_validity INTEGER NOT NULL,
    last_uid INTEGER NOT NULL,        -- every message up to this UID was handled
    last_date INTEGER,                -- internal date of the newest handled message (UIDVALIDITY change: re-read since)
    PRIMARY KEY (identity, folder)
  );
  CREATE TABLE mailbox_status (
    identity TEXT PRIMARY KEY,
    state TEXT NOT NULL,              -- connecting | idle | polling | auth-failed | error | stopped
    error TEXT,
    since INTEGER NOT NULL,           -- in this state since
    retry_at INTEGER,                 -- next connection attempt after a failure
    checked_at INTEGER                -- last time new mail was looked for
  );
  CREATE TABLE inbox_messages (
    id INTEGER PRIMARY KEY,
    identity TEXT NOT NULL,           -- the mailbox it arrived in
    folder TEXT NOT NULL,
    uid_validity INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    header_id TEXT,                   -- its Message-ID, without angle brackets
    kind TEXT NOT NULL,               -- reply | auto_reply | bounce | complaint | unsubscribe | other
    from_addr TEXT,
    from_name TEXT,
    subject TEXT,
    date INTEGER,                     -- its Date field (or the internal date)
    received_at INTEGER NOT NULL,     -- when Petrel read it
    snippet TEXT,                     -- the new text of the message, first 200 characters
    text TEXT,                        -- the plain text, at most 64 KiB
    in_reply_to TEXT,
    campaign TEXT,                    -- the send it answers, when matched
    email TEXT,                       -- the contact
    send_id INTEGER,
    return_at INTEGER,                -- an auto-reply's stated return
    unread INTEGER NOT NULL DEFAULT 1,
    handled_at INTEGER,               -- answered from the inbox, or marked handled
    unsubscribe TEXT,                 -- suggested | confirmed | dismissed (unsubscribe requests by reply)
    UNIQUE (identity, folder, uid_validity, uid)
  );
  CREATE INDEX inbox_messages_header ON inbox_messages (identity, header_id);
  CREATE INDEX inbox_messages_list ON inbox_messages (received_at);
  CREATE INDEX inbox_messages_email ON inbox_messages (email);
  CREATE TABLE warmup_mail (
    tag TEXT PRIMARY KEY,             -- the hidden tag header's value
    sender TEXT NOT NULL,             -- identity names
    recipient TEXT NOT NULL,
    message_id TEXT,                  -- queue id
    header_id TEXT NOT NULL,          -- Message-ID, without angle brackets
    thread_tag TEXT,                  -- for a reply: the tag of the message it answers
    sent_at INTEGER NOT NULL,
    received_at INTEGER,
    folder TEXT,                      -- where it landed
    placement TEXT,                   -- inbox | spam (NULL: not arrived yet)
    rescued INTEGER NOT NULL DEFAULT 0,
    flagged INTEGER NOT NULL DEFAULT 0,
    replied_at INTEGER
  );
  CREATE INDEX warmup_mail_sender ON warmup_mail (sender, sent_at);
  CREATE INDEX warmup_mail_recipient ON warmup_mail (recipient, received_at);
  CREATE TABLE placement_tests (
    id TEXT PRIMARY KEY,
    identity TEXT NOT NULL,
    seeds TEXT NOT NULL,              -- the seed pool
    subject TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    state TEXT NOT NULL               -- running | finished | failed
  );
  CREATE TABLE placement_results (
    test_id TEXT NOT NULL REFERENCES placement_tests(id) ON DELETE CASCADE,
    seed TEXT NOT NULL,               -- the seed identity
    address TEXT NOT NULL,
    message_id TEXT,                  -- queue id of the test message
    result TEXT NOT NULL,             -- inbox | spam | missing | pending
    folder TEXT,
    spf TEXT, dkim TEXT, dmarc TEXT,
    auth_results TEXT,                -- the Authentication-Results field(s) as stamped
    arrived_at INTEGER,
    PRIMARY KEY (test_id, seed)
  );
  `,
  // Mailboxes: what was handled per folder, by Message-ID (or a digest of the message), so a folder whose
  // UIDVALIDITY changed is re-read only since its last date, without handling the same message twice.
  `
  CREATE TABLE mailbox_seen (
    identity TEXT NOT NULL,
    folder TEXT NOT NULL,
    key TEXT NOT NULL,                -- <Message-ID> or sha256:<digest of the message as read>
    date INTEGER NOT NULL,            -- its internal date (rows older than the folder's last_date - 2 days are pruned)
    PRIMARY KEY (identity, folder, key)
  );
  `,
  CLUSTER_MIGRATION,
];
