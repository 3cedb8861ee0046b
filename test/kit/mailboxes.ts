// Mailbox helpers for tests: an identity whose IMAP side is a user of a test Dovecot, and what Petrel
// recorded about its mailbox (folder cursors, connection state, `petrel mailbox list --json`).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Dovecot } from './dovecot.js';
import type { AdminStep, Petrel } from './petrel.js';

/** Fast watcher timings for tests (real time, bounded): poll and check Junk every second. */
export const FAST_MAILBOXES = { pollSeconds: 1, junkCheckSeconds: 1, reconnectMinSeconds: 0.2, reconnectMaxSeconds: 2 };

/**
 * The setup step adding relay identity `name` (from `user`) whose mailbox is `user` on `d` (plain
 * IMAP, no TLS). `password` defaults to the user's; its relay is never used (delivery is off).
 */
export function imapIdentityStep(name: string, d: Pick<Dovecot, 'host' | 'port'>, user: string, password: string, extra: string[] = []): AdminStep {
  return {
    args: ['identity', 'add', name, '--from', user, '--via', 'relay', '--relay-host', '127.0.0.1', '--relay-port', '2', '--relay-tls', 'none',
      '--imap-host', d.host, '--imap-port', String(d.port), '--imap-tls', 'none', '--imap-user', user, '--imap-password-stdin', ...extra],
    stdin: `${password}\n`,
  };
}

function withDb<T>(p: Petrel, fn: (db: Database.Database) => T): T {
  const db = new Database(join(p.dataDir, 'petrel.db'), { readonly: true, fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

export interface FolderRow { folder: string; uid_validity: number; last_uid: number; last_date: number | null }

/** mailbox_folders of `identity`, by folder. */
export function foldersOf(p: Petrel, identity: string): Record<string, FolderRow> {
  const rows = withDb(p, (db) => db.prepare('SELECT folder, uid_validity, last_uid, last_date FROM mailbox_folders WHERE identity = ?').all(identity) as FolderRow[]);
  return Object.fromEntries(rows.map((r) => [r.folder, r]));
}

export interface StatusRow { identity: string; state: string; error: string | null; since: number; retry_at: number | null; checked_at: number | null }

export function statusOf(p: Petrel, identity: string): StatusRow | undefined {
  return withDb(p, (db) => db.prepare('SELECT * FROM mailbox_status WHERE identity = ?').get(identity) as StatusRow | undefined);
}

/** `petrel mailbox list --json`. */
export async function mailboxList(p: Petrel): Promise<Array<Record<string, any>>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const r = await p.cli(['mailbox', 'list', '--json']);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  return JSON.parse(r.stdout) as Array<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A small message with a unique Message-ID. */
export function mail(subject: string, from = 'someone@elsewhere.test'): string {
  return `From: ${from}\nTo: box@mail.test\nSubject: ${subject}\nMessage-ID: <${subject.replace(/\W+/g, '-')}-${Math.random().toString(36).slice(2)}@elsewhere.test>\nDate: ${new Date().toUTCString()}\n\nHello: ${subject}\n`;
}
