// Contacts and lists: the only SQL of the contacts, lists and list_members tables (a PostgreSQL backend
// is one more file of this shape). Bad list names are StoreError('invalid'); SQLite errors pass through.
import type { Db } from '../store/db.js';
import { StoreError } from '../store/errors.js';

export interface Contact {
  /** Lower-cased address: the key. */
  email: string;
  /** As imported (the local part's case kept). */
  address: string;
  fields: Record<string, string>;
  /** Organisational domain of the address (RFC 7489), the domain itself when it has none. */
  orgDomain: string;
  /** Names of the lists it is on, sorted. */
  lists: string[];
  createdAt: number;
  updatedAt: number;
}

export interface NewContact {
  email: string;
  address: string;
  fields: Record<string, string>;
  orgDomain: string;
}

export interface ListInfo {
  name: string;
  createdAt: number;
  members: number;
}

export type ContactOrder = 'newest' | 'email';

export interface ContactQuery {
  list?: string;
  limit: number;
  /** newest (default): by created_at then email, descending; email: ascending. */
  order?: ContactOrder;
  /** The last contact of the previous page. */
  after?: { createdAt: number; email: string };
}

interface Row {
  email: string;
  address: string;
  fields: string;
  org_domain: string;
  created_at: number;
  updated_at: number;
  lists: string;
}

const LIST_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A list name (letters, digits, `.`, `_`, `-`; up to 64) or StoreError('invalid'). */
export function requireListName(name: string): string {
  if (!LIST_NAME.test(name)) throw new StoreError('invalid', `invalid list name ${JSON.stringify(name)} (letters, digits, ".", "_" and "-", up to 64)`);
  return name;
}

// Every read carries the contact's lists as a JSON array, so a page is one query.
const SELECT = `SELECT c.*, (SELECT json_group_array(m.list) FROM list_members m WHERE m.email = c.email) AS lists FROM contacts c`;

export class ContactStore {
  private readonly findStmt;
  private readonly insertStmt;
  private readonly updateStmt;
  private readonly memberStmt;
  private readonly ensureListStmt;
  private readonly upsertTx;

  constructor(private readonly db: Db) {
    this.findStmt = db.prepare('SELECT fields FROM contacts WHERE email = ?').pluck();
    this.insertStmt = db.prepare(
      `INSERT INTO contacts (email, address, fields, org_domain, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.updateStmt = db.prepare('UPDATE contacts SET address = ?, fields = ?, org_domain = ?, updated_at = ? WHERE email = ?');
    this.memberStmt = db.prepare('INSERT OR IGNORE INTO list_members (list, email, added_at) VALUES (?, ?, ?)');
    this.ensureListStmt = db.prepare('INSERT OR IGNORE INTO lists (name, created_at) VALUES (?, ?)');
    this.upsertTx = db.transaction((list: string, contacts: readonly NewContact[], now: number) => {
      this.ensureListStmt.run(list, now);
      let created = 0;
      for (const c of contacts) created += this.upsertOne(list, c, now) ? 1 : 0;
      return { created, updated: contacts.length - created };
    });
  }

  /**
   * Add contacts to `list` (created if needed) in one transaction: a new contact is inserted; an
   * existing one gets the newer address and its fields merged (the new values win); both join the list.
   */
  upsertMany(list: string, contacts: readonly NewContact[], now = Date.now()): { created: number; updated: number } {
    return this.upsertTx(requireListName(list), contacts, now);
  }

  get(email: string): Contact | null {
    const row = this.db.prepare(`${SELECT} WHERE c.email = ?`).get(email.trim().toLowerCase()) as Row | undefined;
    return row === undefined ? null : toContact(row);
  }

  /** A page of contacts (of one list), newest first or by email. */
  list(q: ContactQuery): Contact[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.list !== undefined) (where.push('c.email IN (SELECT email FROM list_members WHERE list = ?)'), args.push(q.list));
    const byEmail = q.order === 'email';
    if (q.after !== undefined && byEmail) (where.push('c.email > ?'), args.push(q.after.email));
    else if (q.after !== undefined) (where.push('(c.created_at, c.email) < (?, ?)'), args.push(q.after.createdAt, q.after.email));
    const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const order = byEmail ? 'c.email' : 'c.created_at DESC, c.email DESC';
    const rows = this.db.prepare(`${SELECT} ${filter} ORDER BY ${order} LIMIT ?`).all(...args, q.limit) as Row[];
    return rows.map(toContact);
  }

  /** Contacts in all, or members of one list. */
  count(list?: string): number {
    const stmt = list === undefined
      ? this.db.prepare('SELECT count(*) FROM contacts')
      : this.db.prepare('SELECT count(*) FROM list_members WHERE list = ?').bind(list);
    return stmt.pluck().get() as number;
  }

  /** Delete a contact (and its memberships), or only take it off `list`; false when there was nothing. */
  remove(email: string, list?: string): boolean {
    const key = email.trim().toLowerCase();
    const result = list === undefined
      ? this.db.prepare('DELETE FROM contacts WHERE email = ?').run(key)
      : this.db.prepare('DELETE FROM list_members WHERE list = ? AND email = ?').run(list, key);
    return result.changes > 0;
  }

  /** Create a list unless it exists. */
  ensureList(name: string, now = Date.now()): ListInfo {
    this.ensureListStmt.run(requireListName(name), now);
    return this.getList(name)!;
  }

  /** A new list; StoreError('exists') when there is one of that name. */
  createList(name: string, now = Date.now()): ListInfo {
    if (this.db.prepare('INSERT OR IGNORE INTO lists (name, created_at) VALUES (?, ?)').run(requireListName(name), now).changes === 0) {
      throw new StoreError('exists', `list ${name} exists`);
    }
    return { name, createdAt: now, members: 0 };
  }

  getList(name: string): ListInfo | null {
    const row = this.db.prepare(`${LIST_SELECT} WHERE l.name = ?`).get(name) as ListRow | undefined;
    return row === undefined ? null : toList(row);
  }

  /** Every list by name, with its member count. */
  lists(): ListInfo[] {
    return (this.db.prepare(`${LIST_SELECT} ORDER BY l.name`).all() as ListRow[]).map(toList);
  }

  /** Delete a list; its members stay as contacts. False when there was no such list. */
  removeList(name: string): boolean {
    return this.db.prepare('DELETE FROM lists WHERE name = ?').run(name).changes > 0;
  }

  /** True when the contact is new. */
  private upsertOne(list: string, c: NewContact, now: number): boolean {
    const old = this.findStmt.get(c.email) as string | undefined;
    if (old === undefined) this.insertStmt.run(c.email, c.address, JSON.stringify(c.fields), c.orgDomain, now, now);
    else this.updateStmt.run(c.address, JSON.stringify({ ...parseFields(old), ...c.fields }), c.orgDomain, now, c.email);
    this.memberStmt.run(list, c.email, now);
    return old === undefined;
  }
}

const LIST_SELECT = `SELECT l.name, l.created_at, (SELECT count(*) FROM list_members m WHERE m.list = l.name) AS members FROM lists l`;

interface ListRow {
  name: string;
  created_at: number;
  members: number;
}

const toList = (r: ListRow): ListInfo => ({ name: r.name, createdAt: r.created_at, members: r.members });

function parseFields(json: string): Record<string, string> {
  const value: unknown = JSON.parse(json);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

function toContact(r: Row): Contact {
  return {
    email: r.email,
    address: r.address,
    fields: parseFields(r.fields),
    orgDomain: r.org_domain,
    lists: (JSON.parse(r.lists) as string[]).sort(),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
