// Delivery-test helpers: submit mail to a Petrel with swaks (STARTTLS + AUTH, as a user would), and
// watch recipients and attempts straight from its database until they reach the state a test awaits.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { ALICE, type Petrel } from './petrel.js';
import { swaks } from './peers.js';

export interface RecipientRow {
  messageId: string;
  idx: number;
  address: string;
  state: string;
  attempts: number;
  nextAttemptAt: number | null;
  lastCode: number | null;
  lastEnhanced: string | null;
  lastText: string | null;
  lastMta: string | null;
  dsnPending: number;
}

export interface AttemptRow {
  idx: number;
  at: number;
  outcome: string;
  route: string;
  mx: string | null;
  ip: string | null;
  tls: string | null;
  code: number | null;
  enhanced: string | null;
  text: string | null;
}

function withDb<T>(p: Petrel, fn: (db: Database.Database) => T): T {
  const db = new Database(join(p.dataDir, 'petrel.db'), { readonly: true, fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

export function recipientsOf(p: Petrel, messageId: string): RecipientRow[] {
  return withDb(p, (db) => db.prepare(
    `SELECT message_id AS messageId, idx, address, state, attempts, next_attempt_at AS nextAttemptAt,
            last_code AS lastCode, last_enhanced AS lastEnhanced, last_text AS lastText, last_mta AS lastMta,
            dsn_pending AS dsnPending
     FROM recipients WHERE message_id = ? ORDER BY idx`).all(messageId) as RecipientRow[]);
}

export function attemptsOf(p: Petrel, messageId: string): AttemptRow[] {
  return withDb(p, (db) => db.prepare(
    'SELECT idx, at, outcome, route, mx, ip, tls, code, enhanced, text FROM attempts WHERE message_id = ? ORDER BY id',
  ).all(messageId) as AttemptRow[]);
}

/** Messages Petrel made or received, newest last: for finding DSNs and locally stored copies. */
export function messagesWhere(p: Petrel, where: string, ...params: unknown[]): Array<{ id: string; sender: string; direction: string; listener: string }> {
  return withDb(p, (db) => db.prepare(
    `SELECT id, sender, direction, json_extract(envelope, '$.listener') AS listener FROM messages WHERE ${where} ORDER BY id`,
  ).all(...params) as Array<{ id: string; sender: string; direction: string; listener: string }>);
}

/** Poll until `check` returns a value (not undefined/false); fail with `describe()` after timeoutMs. */
export async function eventually<T>(check: () => T | undefined | false, describe: () => string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `eventually` for checks that have to wait for something themselves (a CLI call, an HTTP request). */
export async function eventuallyAsync<T>(check: () => Promise<T | undefined | false>, describe: () => string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every recipient of the message in one of `states`; returns the rows. */
export function untilRecipients(p: Petrel, id: string, states: string[], timeoutMs?: number): Promise<RecipientRow[]> {
  return eventually(
    () => {
      const rows = recipientsOf(p, id);
      return rows.length > 0 && rows.every((r) => states.includes(r.state)) ? rows : undefined;
    },
    () => `recipients of ${id}: ${JSON.stringify(recipientsOf(p, id))}\n--- logs ---\n${p.logs.slice(-4000)}`,
    timeoutMs,
  );
}

export interface Submission {
  from?: string;
  to: string[];
  subject?: string;
  body?: string;
  extra?: string[]; // more swaks arguments, e.g. ['--add-header', 'X-Test: 1']
}

/** Submit with swaks on 587-style submission (STARTTLS + AUTH PLAIN as alice); returns the queue id. */
export async function submit(p: Petrel, m: Submission): Promise<string> {
  const r = await swaks([
    '--server', `127.0.0.1:${p.ports.submission}`, '--tls', '--auth', 'PLAIN', '--auth-user', ALICE.user, '--auth-password', ALICE.password,
    '--from', m.from ?? ALICE.user, '--to', m.to.join(','), '--header', `Subject: ${m.subject ?? 'delivery test'}`,
    '--body', m.body ?? 'Hello from the delivery tests.', ...(m.extra ?? []),
  ]);
  const id = /queued as ([0-9A-Za-z]+)/.exec(r.stdout)?.[1];
  if (r.code !== 0 || !id) throw new Error(`swaks failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  return id;
}

export interface EventRow {
  id: number;
  type: string;
  messageId: string | null;
  recipient: string | null;
  sendingDomain: string | null;
  sourceIp: string | null;
  code: number | null;
  enhanced: string | null;
  class: string | null;
  reason: string | null;
  data: string | null;
}

/** Events stored for a message (or all, when `messageId` is omitted), oldest first. */
export function eventsOf(p: Petrel, messageId?: string): EventRow[] {
  const columns = `id, type, message_id AS messageId, recipient, sending_domain AS sendingDomain, source_ip AS sourceIp,
    code, enhanced, class, reason, data`;
  return withDb(p, (db) => (messageId === undefined
    ? db.prepare(`SELECT ${columns} FROM events ORDER BY id`).all()
    : db.prepare(`SELECT ${columns} FROM events WHERE message_id = ? ORDER BY id`).all(messageId)) as EventRow[]);
}

/** Suppression entries for an address: [{ scope, reason, source_message }]. */
export function suppressionsOf(p: Petrel, address: string): Array<{ scope: string; reason: string; source_message: string | null }> {
  return withDb(p, (db) => db.prepare('SELECT scope, reason, source_message FROM suppressions WHERE address = ? ORDER BY scope').all(address.toLowerCase()) as Array<{ scope: string; reason: string; source_message: string | null }>);
}
