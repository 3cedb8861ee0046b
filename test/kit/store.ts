// Reads what the server stored, straight from <dataDir>/petrel.db (opened read-only) and the spool.
// For assertions only; throws if the database or a referenced spool file is missing.
import Database from 'better-sqlite3';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface StoredMessage {
  id: string;
  sender: string;
  size: number;
  state: string;
  body: Buffer;
  bodyPath: string | null; // relative to the data dir when the body is in the spool
}

function open(dataDir: string): Database.Database {
  return new Database(join(dataDir, 'petrel.db'), { readonly: true, fileMustExist: true });
}

function bodyOf(dataDir: string, row: { body: Buffer | null; body_path: string | null }): Buffer {
  if (row.body) return row.body;
  if (row.body_path) return readFileSync(join(dataDir, row.body_path));
  return Buffer.alloc(0);
}

/** The stored body of queue id `id`, e.g. to look for the Received header. */
export function readStoredBody(dataDir: string, id: string): Buffer {
  const db = open(dataDir);
  try {
    const row = db.prepare('SELECT body, body_path FROM messages WHERE id = ?').get(id) as
      | { body: Buffer | null; body_path: string | null }
      | undefined;
    if (!row) throw new Error(`no message ${id} in ${dataDir}/petrel.db`);
    return bodyOf(dataDir, row);
  } finally {
    db.close();
  }
}

/** Every stored message with its body. */
export function readAllMessages(dataDir: string): StoredMessage[] {
  const db = open(dataDir);
  try {
    const rows = db.prepare('SELECT id, sender, size, state, body, body_path FROM messages ORDER BY id').all() as {
      id: string;
      sender: string;
      size: number;
      state: string;
      body: Buffer | null;
      body_path: string | null;
    }[];
    return rows.map((r) => ({
      id: r.id,
      sender: r.sender,
      size: r.size,
      state: r.state,
      body: bodyOf(dataDir, r),
      bodyPath: r.body_path,
    }));
  } finally {
    db.close();
  }
}

/** Number of recipient rows per message id. */
export function recipientCounts(dataDir: string): Map<string, number> {
  const db = open(dataDir);
  try {
    const rows = db.prepare('SELECT message_id AS id, COUNT(*) AS n FROM recipients GROUP BY message_id').all() as {
      id: string;
      n: number;
    }[];
    return new Map(rows.map((r) => [r.id, r.n]));
  } finally {
    db.close();
  }
}

/** Every regular file under <dataDir>/spool, as paths relative to the data dir (bounded walk). */
export function spoolFiles(dataDir: string): string[] {
  const root = join(dataDir, 'spool');
  if (!existsSync(root)) return [];
  const found: string[] = [];
  const stack = [root];
  for (let guard = 0; stack.length > 0 && guard < 100_000; guard++) {
    const dir = stack.pop()!;
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) stack.push(p);
      else found.push(relative(dataDir, p));
    }
  }
  return found;
}

/** The header block of a message (up to the first empty line) as text. */
export function headerBlock(body: Buffer): string {
  const s = body.toString('utf8');
  const end = s.indexOf('\r\n\r\n');
  return end < 0 ? s : s.slice(0, end + 2);
}
