// The database schema as an append-only list of migrations: never edit a shipped entry, add one.

export const MIGRATIONS: string[] = [
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
];
