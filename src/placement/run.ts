// One placement test: pick the seeds (pool members with IMAP), compose one message per seed (a campaign
// step rendered for the seed, or a plain test message), queue them through the tested identity, wait
// for the seed mailboxes to report, and finish (pending seeds → missing, a placement.finished event).
// Unknown names throw Error (exit 1); a bad --step throws StoreError 'invalid' (exit 2).
import { randomBytes } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { renderStep } from '../campaigns/render.js';
import { CampaignStore } from '../campaigns/store.js';
import { EventStore } from '../events/store.js';
import { PoolStore } from '../identities/pools.js';
import { IdentityStore } from '../identities/store.js';
import type { Identity } from '../identities/types.js';
import type { Db } from '../store/db.js';
import { StoreError } from '../store/errors.js';
import { PLACEMENT_HEADER } from './handler.js';
import { reportOf, type PlacementReport } from './report.js';
import { PlacementStore } from './store.js';

export interface PlacementRequest {
  identity: string;
  seeds: string;
  campaign?: string;
  step?: number;
}

export interface Seed {
  seed: string;
  address: string;
}

/** What every seed gets (the same content; only To differs). */
export interface Content {
  fromName: string | null;
  subject: string;
  text: string;
  html: string | undefined;
}

/** A composed test message: its bytes, and how to get them once the queue id (Message-ID) is known. */
export interface SeedMessage {
  seed: Seed;
  sender: string;
  bytes: Buffer;
  final(queueId: string, hostname: string): Promise<Buffer>;
}

/** Queues one message through `identity`; resolves to the queue id once it is on disk. */
export type Enqueue = (identity: string, message: SeedMessage) => Promise<string>;

/** The identity to test; it needs an address of its own to send as. */
export function testedIdentity(db: Db, name: string): Identity {
  const identity = new IdentityStore(db).get(name);
  if (!identity) throw new Error(`no identity ${name}`);
  if (!identity.from.includes('@')) throw new Error(`identity ${name} sends for a whole domain; test an address identity`);
  return identity;
}

/** The pool's members that have a mailbox over IMAP, with the address their copy goes to. */
export function seedsOf(db: Db, pool: string): Seed[] {
  const found = new PoolStore(db).get(pool);
  if (!found) throw new Error(`no pool ${pool}`);
  const identities = new IdentityStore(db);
  const seeds = found.members.flatMap(({ identity: name }) => {
    const seed = identities.get(name);
    if (!seed?.imap) return [];
    return [{ seed: name, address: seed.from.includes('@') ? seed.from : seed.imap.user.toLowerCase() }];
  });
  if (seeds.length === 0) throw new Error(`pool ${pool} has no identity with IMAP to act as a seed mailbox`);
  return seeds;
}

/** A campaign step rendered with the seed as the contact (its fields, if it is one), or a plain message. */
export function contentOf(db: Db, request: PlacementRequest, seed: Seed, id: string): Content {
  if (request.campaign === undefined) {
    return { fromName: null, subject: `Placement test ${id}`, text: `This message tests where mail from Petrel lands (test ${id}).\r\n`, html: undefined };
  }
  const store = new CampaignStore(db);
  const def = store.require(request.campaign).definition;
  const k = request.step ?? 1;
  if (k > def.steps.length) throw new StoreError('invalid', `--step ${k}: campaign ${def.name} has steps 1 to ${def.steps.length}`);
  const fields = store.contactData(seed.address)?.fields ?? {};
  const first = k > 1 ? renderStep(def, 1, seed.address, fields, null) : null;
  const r = renderStep(def, k, seed.address, fields, first?.ok ? first.subject : null);
  if (!r.ok) throw new Error(`campaign ${def.name} step ${k}: the seed ${seed.address} has no ${r.missing.join(', ')} (in the ${r.where})`);
  return { fromName: def.fromName ?? null, subject: r.subject, text: r.text, html: r.html };
}

/** The message for one seed, with the hidden header naming the test. */
export async function composeFor(identity: Identity, seed: Seed, content: Content, id: string, now: number): Promise<SeedMessage> {
  const node = new MailComposer({
    from: { name: content.fromName ?? '', address: identity.from },
    to: seed.address,
    subject: content.subject,
    date: new Date(now),
    text: content.text,
    ...(content.html !== undefined ? { html: content.html } : {}),
    headers: { [PLACEMENT_HEADER]: id },
    newline: 'win',
  }).compile();
  return {
    seed,
    sender: identity.from,
    bytes: await node.build(),
    async final(queueId, hostname) {
      node.setHeader('Message-ID', `<${queueId}@${hostname}>`);
      return node.build();
    },
  };
}

/** Creates the test and queues its messages; a failure while queueing marks the test failed. */
export async function startPlacementTest(db: Db, request: PlacementRequest, enqueue: Enqueue, now: number): Promise<string> {
  const identity = testedIdentity(db, request.identity);
  const seeds = seedsOf(db, request.seeds);
  const id = `pt-${randomBytes(6).toString('hex')}`;
  const contents = seeds.map((seed) => contentOf(db, request, seed, id)); // every seed renders before anything is queued
  const store = new PlacementStore(db);
  store.create({ id, identity: identity.name, seeds: request.seeds, subject: contents[0]!.subject, startedAt: now }, seeds);
  try {
    for (const [i, seed] of seeds.entries()) {
      const queueId = await enqueue(identity.name, await composeFor(identity, seed, contents[i]!, id, now));
      store.setMessageId(id, seed.seed, queueId);
    }
  } catch (error) {
    store.finish(id, 'failed', now);
    throw error;
  }
  return id;
}

/** Polls until every seed reported or `waitMs` passed (real time: the mail is real). */
export async function waitForSeeds(db: Db, id: string, waitMs: number, pollMs = 500): Promise<void> {
  const store = new PlacementStore(db);
  const deadline = Date.now() + waitMs;
  while (store.pending(id) > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, Math.max(deadline - Date.now(), 0))));
  }
}

/** Ends the test (pending seeds are missing), emits placement.finished, and returns its report. */
export function finishPlacementTest(db: Db, id: string, now: number): PlacementReport {
  const store = new PlacementStore(db);
  store.finish(id, 'finished', now);
  const report = reportOf(store.get(id)!, store.results(id));
  const identity = new IdentityStore(db).get(report.identity);
  new EventStore(db).append([{
    at: now, type: 'placement.finished', sender: identity?.from ?? null,
    data: { test: id, identity: report.identity, seeds: report.seeds, ...report.summary },
  }]);
  return report;
}
