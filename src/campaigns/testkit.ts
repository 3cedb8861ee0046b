// Helpers shared by the campaign unit tests: a list of contacts, a campaign enrolled on it, and steps
// queued through the real commit path (prepareBatchInsert). Not used by production code.
import { prepareBatchInsert, type PendingMessage } from '../queue/message-rows.js';
import { QueueIdGenerator } from '../queue/queue-id.js';
import { makeEnvelope } from '../queue/testkit.js';
import type { Db } from '../store/db.js';
import type { CampaignInput } from './definition.js';
import { CampaignStore, type StoredCampaign } from './store.js';

export const NOW = Date.UTC(2026, 2, 2, 10);
export const SENDER = 'ann@acme.test';
export const DAY = 86_400_000;

/** Contacts (lower-case emails, optional fields) added to `list`, created if new. */
export function addContacts(db: Db, list: string, rows: Array<string | [string, Record<string, string>]>): void {
  db.prepare('INSERT OR IGNORE INTO lists (name, created_at) VALUES (?, ?)').run(list, NOW);
  for (const row of rows) {
    const [email, fields] = typeof row === 'string' ? [row, {}] : row;
    db.prepare('INSERT INTO contacts (email, address, fields, org_domain, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(email, email, JSON.stringify(fields), email.slice(email.indexOf('@') + 1), NOW, NOW);
    db.prepare('INSERT INTO list_members (list, email, added_at) VALUES (?, ?, ?)').run(list, email, NOW);
  }
}

/** A valid two-step campaign on list `leads`, pool `sales`, with `over` on top. */
export function campaignInput(over: Partial<CampaignInput> = {}): CampaignInput {
  return {
    name: 'spring', list: 'leads', pool: 'sales',
    steps: [{ delay: 0, subject: 'Hi {{first_name | "there"}}', text: 'Hello.' }, { delay: '3d', text: 'Following up.' }],
    ...over,
  };
}

/** Create the campaign (draft) and enroll its list's members as pending contacts. */
export function createCampaign(db: Db, over: Partial<CampaignInput> = {}): StoredCampaign {
  const store = new CampaignStore(db);
  const c = store.create(campaignInput(over), NOW);
  store.enroll(c.name, c.definition.list, NOW);
  return c;
}

export interface StepOptions {
  campaign?: string;
  step?: number;
  variant?: string | null;
  nextAt?: number | null;
  at?: number;
  identity?: string;
  /** The queue id to use (default: a fresh one). */
  id?: string;
}

const ids = new QueueIdGenerator();

/** The Message-ID (without brackets) a test step is sent with. */
export const headerIdOf = (queueId: string): string => `${queueId.toLowerCase()}@acme.test`;

/** A pending campaign step for `email` as the engine hands it to the commit. */
export function stepMessage(email: string, o: StepOptions = {}): PendingMessage {
  const id = o.id ?? ids.next(o.at ?? NOW);
  const step = o.step ?? 1;
  const envelope = makeEnvelope({
    sender: SENDER, recipients: [{ address: email }], receivedAt: o.at ?? NOW,
    ...(o.identity ? { identity: o.identity } : {}),
    campaign: {
      name: o.campaign ?? 'spring', email, step, variant: o.variant ?? null, headerId: headerIdOf(id),
      subject: `subject of step ${step}`, nextAt: o.nextAt === undefined ? (o.at ?? NOW) + 3 * DAY : o.nextAt,
    },
  });
  return { id, envelope, body: { kind: 'memory', data: Buffer.from(`Subject: x\r\n\r\nstep ${step}\r\n`), size: 20 } };
}

/** Queue steps through the commit path in one batch; returns their queue ids (written or not). */
export function queueSteps(db: Db, messages: readonly PendingMessage[]): string[] {
  prepareBatchInsert(db)(messages);
  return messages.map((m) => m.id);
}

/** Queue one step for `email`; returns its queue id. */
export const queueStep = (db: Db, email: string, o: StepOptions = {}): string => queueSteps(db, [stepMessage(email, o)])[0]!;

/** The first row of `sql`, for short assertions. */
export const row = (db: Db, sql: string, ...args: unknown[]): Record<string, unknown> | undefined =>
  db.prepare(sql).get(...args) as Record<string, unknown> | undefined;
