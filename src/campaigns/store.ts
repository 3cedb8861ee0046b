// The campaigns store: campaigns, each contact's place in them, and the sends (the only SQL of these
// tables, so another backend is one file). Unknown names throw StoreError('not-found').
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/db.js';
import { StoreError } from '../store/errors.js';
import { parseCampaign, type Campaign } from './definition.js';
import { validateCampaign } from './validate.js';

export const CAMPAIGN_STATES = ['draft', 'running', 'paused', 'stopped', 'finished'] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];

export const CONTACT_STATES = ['pending', 'active', 'finished', 'replied', 'bounced', 'unsubscribed', 'complained', 'stopped', 'paused'] as const;
export type ContactState = (typeof CONTACT_STATES)[number];

export interface StoredCampaign {
  name: string;
  definition: Campaign;
  state: CampaignState;
  createdAt: number;
  startedAt: number | null;
  changedAt: number | null;
  lastStartAt: number | null;
}

export interface CampaignContact {
  campaign: string;
  email: string;
  state: ContactState;
  step: number;
  nextAt: number | null;
  identity: string | null;
  startedAt: number | null;
  lastSentAt: number | null;
  reason: string | null;
}

export interface CampaignSend {
  id: number;
  campaign: string;
  email: string;
  step: number;
  variant: string | null;
  messageId: string;
  headerId: string;
  identity: string | null;
  subject: string;
  sentAt: number;
  outcome: string | null;
}

const CONTACT_COLUMNS = `campaign, email, state, step, next_at AS nextAt, identity, started_at AS startedAt,
  last_sent_at AS lastSentAt, reason`;
const SEND_COLUMNS = `id, campaign, email, step, variant, message_id AS messageId, header_id AS headerId, identity,
  subject, sent_at AS sentAt, outcome`;

interface CampaignRow { name: string; definition: string; state: CampaignState; createdAt: number; startedAt: number | null; changedAt: number | null; lastStartAt: number | null }

export class CampaignStore {
  /** Statements by their text, prepared once per store: the engine reads several per step it sends. */
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Db) {}

  private sql(text: string): Statement {
    let statement = this.statements.get(text);
    if (!statement) this.statements.set(text, (statement = this.db.prepare(text)));
    return statement;
  }

  /** Store a campaign as given (the input is kept, and parsed again on every read). Throws CampaignInputError. */
  create(input: unknown, now: number): StoredCampaign {
    const definition = validateCampaign(input);
    if (this.get(definition.name)) throw new StoreError('exists', `campaign ${definition.name} exists`);
    this.sql('INSERT INTO campaigns (name, definition, state, created_at, changed_at) VALUES (?, ?, ?, ?, ?)')
      .run(definition.name, JSON.stringify(input), 'draft', now, now);
    return this.get(definition.name)!;
  }

  /** Replace the definition of a campaign, keeping what was sent (it may not drop steps already sent). */
  replace(input: unknown, now: number): StoredCampaign {
    const definition = validateCampaign(input);
    const found = this.require(definition.name);
    const sent = this.sentSteps(definition.name);
    if (definition.steps.length < sent) throw new StoreError('invalid', `campaign ${definition.name} sent ${sent} steps; the new definition has ${definition.steps.length}`);
    this.sql('UPDATE campaigns SET definition = ?, changed_at = ? WHERE name = ?').run(JSON.stringify(input), now, found.name);
    return this.get(definition.name)!;
  }

  get(name: string): StoredCampaign | null {
    const row = this.sql(`SELECT name, definition, state, created_at AS createdAt, started_at AS startedAt,
      changed_at AS changedAt, last_start_at AS lastStartAt FROM campaigns WHERE name = ?`).get(name) as CampaignRow | undefined;
    return row ? fromRow(row) : null;
  }

  require(name: string): StoredCampaign {
    return this.get(name) ?? notFound(`campaign ${name}`);
  }

  list(): StoredCampaign[] {
    const rows = this.sql(`SELECT name, definition, state, created_at AS createdAt, started_at AS startedAt,
      changed_at AS changedAt, last_start_at AS lastStartAt FROM campaigns ORDER BY created_at, name`).all() as CampaignRow[];
    return rows.map(fromRow);
  }

  running(): StoredCampaign[] {
    return this.list().filter((c) => c.state === 'running');
  }

  setState(name: string, state: CampaignState, now: number): void {
    this.require(name);
    this.sql('UPDATE campaigns SET state = ?, changed_at = ?, started_at = CASE WHEN ? = \'running\' THEN coalesce(started_at, ?) ELSE started_at END WHERE name = ?')
      .run(state, now, state, now, name);
  }

  /** Delete a campaign with its contacts' progress and its send records (a new one may take the name). */
  remove(name: string): boolean {
    return this.db.transaction(() => {
      this.sql('DELETE FROM campaign_sends WHERE campaign = ?').run(name);
      return this.sql('DELETE FROM campaigns WHERE name = ?').run(name).changes > 0;
    })();
  }

  /** The definition as it was given (YAML or JSON input), before defaults were filled in. */
  source(name: string): unknown {
    const text = this.sql('SELECT definition FROM campaigns WHERE name = ?').pluck().get(name) as string | undefined;
    return text === undefined ? null : (JSON.parse(text) as unknown);
  }

  /** Add the list's members that are not in the campaign yet (new imports join a running campaign). */
  enroll(name: string, list: string, now: number): number {
    return this.sql(`INSERT INTO campaign_contacts (campaign, email, state, changed_at)
      SELECT ?, email, 'pending', ? FROM list_members WHERE list = ? ORDER BY added_at, email
      ON CONFLICT (campaign, email) DO NOTHING`).run(name, now, list).changes;
  }

  /** Grows whenever any list gains a member (the newest membership's rowid): enrolment need not rescan lists otherwise. */
  listMark(): number {
    return this.sql('SELECT coalesce(max(rowid), 0) FROM list_members').pluck().get() as number;
  }

  contact(name: string, email: string): CampaignContact | null {
    return (this.sql(`SELECT ${CONTACT_COLUMNS} FROM campaign_contacts WHERE campaign = ? AND email = ?`).get(name, email) as CampaignContact | undefined) ?? null;
  }

  contacts(name: string, opts: { state?: ContactState; limit?: number } = {}): CampaignContact[] {
    const where = opts.state ? 'AND state = ?' : '';
    const args: unknown[] = [name, ...(opts.state ? [opts.state] : []), opts.limit ?? 1000];
    return this.sql(`SELECT ${CONTACT_COLUMNS} FROM campaign_contacts WHERE campaign = ? ${where} ORDER BY changed_at DESC, email LIMIT ?`).all(...args) as CampaignContact[];
  }

  /** Started contacts (pending or active) whose next step is due at `now`, earliest first. */
  due(name: string, now: number, limit: number): CampaignContact[] {
    return this.sql(`SELECT ${CONTACT_COLUMNS} FROM campaign_contacts
      WHERE campaign = ? AND state IN ('pending', 'active') AND next_at <= ? ORDER BY next_at LIMIT ?`).all(name, now, limit) as CampaignContact[];
  }

  /** Contacts not started yet, in list order. */
  unstarted(name: string, limit: number): CampaignContact[] {
    return this.sql(`SELECT ${CONTACT_COLUMNS} FROM campaign_contacts
      WHERE campaign = ? AND state = 'pending' AND started_at IS NULL AND next_at IS NULL ORDER BY rowid LIMIT ?`).all(name, limit) as CampaignContact[];
  }

  /** Start a contact: its first step is due at `dueAt`. */
  start(name: string, email: string, dueAt: number, now: number): void {
    this.sql(`UPDATE campaign_contacts SET next_at = ?, started_at = ?, changed_at = ? WHERE campaign = ? AND email = ? AND state = 'pending' AND started_at IS NULL`)
      .run(dueAt, now, now, name, email);
    this.sql('UPDATE campaigns SET last_start_at = ? WHERE name = ?').run(now, name);
  }

  startedSince(name: string, since: number): number {
    return this.sql('SELECT count(*) FROM campaign_contacts WHERE campaign = ? AND started_at >= ?').pluck().get(name, since) as number;
  }

  /** Move a due step later (outside the window, or waiting), keeping its state. */
  reschedule(name: string, email: string, at: number): void {
    this.sql('UPDATE campaign_contacts SET next_at = ? WHERE campaign = ? AND email = ?').run(at, name, email);
  }

  /** Pause one contact with a reason (a template field missing); resume by hand. */
  pauseContact(name: string, email: string, reason: string, now: number): void {
    this.sql(`UPDATE campaign_contacts SET state = 'paused', reason = ?, changed_at = ? WHERE campaign = ? AND email = ? AND state IN ('pending', 'active')`)
      .run(reason, now, name, email);
  }

  /** Resume paused contacts of a campaign (all, or one): their due step is tried again now. */
  resumeContacts(name: string, now: number, email?: string): number {
    const one = email === undefined ? '' : 'AND email = ?';
    return this.sql(`UPDATE campaign_contacts SET state = CASE WHEN step = 0 THEN 'pending' ELSE 'active' END,
      reason = NULL, next_at = CASE WHEN started_at IS NULL THEN NULL ELSE ? END, changed_at = ?
      WHERE campaign = ? AND state = 'paused' ${one}`).run(now, now, name, ...(email === undefined ? [] : [email])).changes;
  }

  counts(name: string): Record<ContactState, number> {
    const rows = this.sql('SELECT state, count(*) AS n FROM campaign_contacts WHERE campaign = ? GROUP BY state').all(name) as Array<{ state: ContactState; n: number }>;
    const counts = Object.fromEntries(CONTACT_STATES.map((s) => [s, 0])) as Record<ContactState, number>;
    for (const r of rows) counts[r.state] = r.n;
    return counts;
  }

  /** Whether nothing is left to send: no pending, active or paused contact. */
  done(name: string): boolean {
    return this.sql(`SELECT 1 FROM campaign_contacts WHERE campaign = ? AND state IN ('pending', 'active', 'paused') LIMIT 1`).get(name) === undefined;
  }

  sends(name: string, email: string): CampaignSend[] {
    return this.sql(`SELECT ${SEND_COLUMNS} FROM campaign_sends WHERE campaign = ? AND email = ? ORDER BY step`).all(name, email) as CampaignSend[];
  }

  sendByMessage(messageId: string): CampaignSend | null {
    return (this.sql(`SELECT ${SEND_COLUMNS} FROM campaign_sends WHERE message_id = ?`).get(messageId) as CampaignSend | undefined) ?? null;
  }

  sendById(id: number): CampaignSend | null {
    return (this.sql(`SELECT ${SEND_COLUMNS} FROM campaign_sends WHERE id = ?`).get(id) as CampaignSend | undefined) ?? null;
  }

  /** The newest send whose Message-ID is one of `headerIds` (a reply's In-Reply-To and References). */
  sendByHeaderIds(headerIds: readonly string[]): CampaignSend | null {
    const find = this.sql(`SELECT ${SEND_COLUMNS} FROM campaign_sends WHERE header_id = ? ORDER BY sent_at DESC LIMIT 1`);
    const found = headerIds.map((id) => find.get(id) as CampaignSend | undefined).filter((s): s is CampaignSend => s !== undefined);
    return found.sort((a, b) => b.sentAt - a.sentAt)[0] ?? null;
  }

  /** The contact's address (as imported) and fields; null once the contact was removed. */
  contactData(email: string): { address: string; fields: Record<string, string> } | null {
    const row = this.sql('SELECT address, fields FROM contacts WHERE email = ?').get(email) as { address: string; fields: string } | undefined;
    return row ? { address: row.address, fields: JSON.parse(row.fields) as Record<string, string> } : null;
  }

  private sentSteps(name: string): number {
    return this.sql('SELECT coalesce(max(step), 0) FROM campaign_sends WHERE campaign = ?').pluck().get(name) as number;
  }
}

/** Parsed definitions by their stored text: the engine reads every running campaign each tick. */
const parsed = new Map<string, Campaign>();

function fromRow(row: CampaignRow): StoredCampaign {
  let definition = parsed.get(row.definition);
  if (!definition) {
    definition = parseCampaign(JSON.parse(row.definition));
    if (parsed.size > 500) parsed.clear();
    parsed.set(row.definition, definition);
  }
  return { ...row, definition };
}

function notFound(what: string): never {
  throw new StoreError('not-found', `no ${what}`);
}
