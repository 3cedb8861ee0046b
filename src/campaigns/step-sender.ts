// Queues one due (contact, step): checks the window, the suppression list and the identity, renders
// the step, composes it and commits it through the queue writer with its campaign tag, so the send
// record and the message are one transaction. A contact that cannot be sent is rescheduled, paused
// (a template field missing) or stopped (suppressed, removed), never silently skipped. In cluster mode
// a step is claimed in PostgreSQL first (step-claims.ts); a step not claimed waits, unwritten.
import { IdentityChooser } from '../identities/chooser.js';
import { IdentityStore } from '../identities/store.js';
import { isDomainIdentity, type Identity } from '../identities/types.js';
import type { QueueWriter } from '../queue/writer.js';
import { rfc5322Date } from '../smtp/server/received.js';
import type { CampaignStepTag, Envelope } from '../smtp/server/ports.js';
import { TraceWriter } from '../smtp/server/trace-writer.js';
import type { Db } from '../store/db.js';
import { SuppressionStore } from '../suppression/store.js';
import type { Logger } from '../util/log.js';
import { ClaimCandidates } from './claim-candidates.js';
import { composeStep } from './compose.js';
import type { Campaign } from './definition.js';
import { renderStep, type RenderedStep } from './render.js';
import { addDelay, contactZone, isOpen, placeInWindow } from './schedule.js';
import type { StepClaims } from './step-claims.js';
import { CampaignStore, type CampaignContact, type StoredCampaign } from './store.js';
import type { ContactStops } from './stops.js';
import { trackContent } from './tracking.js';
import { TrackingLinks } from './tracking-links.js';
import { unsubscribeLocal, type UnsubscribeTokens } from './unsubscribe-token.js';

export interface StepSenderDeps {
  db: Db;
  queue: QueueWriter;
  hostname: string;
  tokens: UnsubscribeTokens;
  stops: ContactStops;
  /** Base URL of one-click links (…/u/TOKEN), read per message, and the domain of the mailto address. */
  unsubscribe: { baseUrl: () => string; domain: string };
  log: Logger;
  /** Cluster mode: claims in PostgreSQL; null or absent on a single node. */
  claims?: StepClaims | null;
}

/** A step ready to queue. */
interface Planned {
  campaign: Campaign;
  contact: CampaignContact;
  address: string;
  identity: Identity;
  /** The contact's identity was fixed by an earlier step. */
  bound: boolean;
  rendered: RenderedStep;
  thread: string[];
  nextAt: number | null;
}

/** A step whose identity reached today's cap is looked at again this much later. */
const CAPPED_RETRY_MS = 15 * 60_000;
const CLAIM_WARN_MS = 10_000;

const SUPPRESSION_STATE: Record<string, string> = { 'hard-bounce': 'bounced', complaint: 'complained', unsubscribe: 'unsubscribed', manual: 'stopped' };

export class StepSender {
  private readonly store: CampaignStore;
  private readonly identities: IdentityStore;
  private readonly chooser: IdentityChooser;
  private readonly suppressions: SuppressionStore;
  private readonly candidates: ClaimCandidates;
  private claimWarnedAt = -Infinity;

  constructor(private readonly deps: StepSenderDeps) {
    this.store = new CampaignStore(deps.db);
    this.identities = new IdentityStore(deps.db);
    this.chooser = new IdentityChooser(deps.db);
    this.suppressions = new SuppressionStore(deps.db);
    this.candidates = new ClaimCandidates(deps.db);
  }

  /** Queue the due step of `contact`; true when a message was committed. */
  async send(c: StoredCampaign, contact: CampaignContact, now: number): Promise<boolean> {
    const planned = this.plan(c, contact, now);
    if (!planned) return false;
    return this.deps.claims ? this.claimAndQueue(this.deps.claims, planned, now) : this.queue(planned, now);
  }

  /** Cluster mode: queue only what this node claimed; a message that did not commit gives its claim back. */
  private async claimAndQueue(claims: StepClaims, p: Planned, now: number): Promise<boolean> {
    const { campaign, contact, rendered } = p;
    const queueId = this.deps.queue.nextId();
    const candidates = this.candidates.of(campaign, p.identity, p.bound, now);
    let claimed;
    try {
      claimed = await claims.claim({ campaign: campaign.name, email: contact.email, step: rendered.step, queueId, candidates, retryAt: now + CAPPED_RETRY_MS });
    } catch (error) {
      this.claimFailed(campaign.name, contact.email, error);
      return false;
    }
    if (claimed.result !== 'claimed') return false;
    const identity = claimed.identity === p.identity.name ? p.identity : this.identities.get(claimed.identity);
    const queued = identity ? await this.queue({ ...p, identity }, now, queueId) : false;
    if (!queued) await claims.release(campaign.name, contact.email, rendered.step).catch((error: unknown) => {
      this.deps.log.error({ event: 'campaign-claim-release-failed', campaign: campaign.name, contact: contact.email, err: error }, 'a claim of an unqueued step stays until this node restarts');
    });
    return queued;
  }

  /** Everything decided before composing; null when the contact was rescheduled, paused or stopped. */
  plan(c: StoredCampaign, contact: CampaignContact, now: number): Planned | null {
    const def = c.definition;
    const k = contact.step + 1;
    const data = this.store.contactData(contact.email);
    if (!data) return this.stop(c.name, contact, 'stopped', 'the contact was removed', now);
    const zone = contactZone(def.schedule, data.fields);
    if (!isOpen(def.schedule, zone, now)) {
      this.store.reschedule(c.name, contact.email, placeInWindow(def.schedule, zone, now, `${c.name}:${contact.email}:${k}`));
      return null;
    }
    const identity = this.identityFor(def, contact, now);
    if (!identity) return this.retryLater(c.name, contact, now, 'no identity to send from');
    // Queued past its cap, a step would wait as 'throttled' for the identity's next day and leave at
    // midnight, outside the window: it waits here instead and is placed into a window again.
    // In cluster mode the claim admits the step against the cap summed over the nodes instead.
    if (!this.deps.claims && !this.chooser.hasRoomToday(identity, now)) return this.retryLater(c.name, contact, now, `identity ${identity.name} reached today's cap`, CAPPED_RETRY_MS);
    this.chooser.reserve(identity, now); // counted now, so the rest of this batch spreads over the pool
    if (isDomainIdentity(identity)) return this.pause(c.name, contact, `identity ${identity.name} sends for a whole domain; campaigns need an address identity`, now);
    const hit = this.suppressions.isSuppressed(contact.email, identity.from.slice(identity.from.lastIndexOf('@') + 1), now);
    if (hit) return this.stop(c.name, contact, SUPPRESSION_STATE[hit.reason] ?? 'stopped', `suppressed (${hit.reason}${hit.scope ? `, ${hit.scope}` : ''})`, now);
    const sends = this.store.sends(c.name, contact.email);
    const rendered = renderStep(def, k, contact.email, data.fields, sends[0]?.subject ?? null);
    if (!rendered.ok) return this.pause(c.name, contact, `step ${k} ${rendered.where}: no value for ${rendered.missing.join(', ')} and no fallback`, now);
    const thread = rendered.threaded ? sends.map((s) => s.headerId) : [];
    const next = def.steps[k];
    const nextAt = next ? addDelay(next.delay, now, zone) : null;
    return { campaign: def, contact, address: data.address, identity, bound: contact.identity !== null && identity.name === contact.identity, rendered, thread, nextAt };
  }

  private async queue(p: Planned, now: number, id?: string): Promise<boolean> {
    const { deps } = this;
    const tag: CampaignStepTag = { name: p.campaign.name, email: p.contact.email, step: p.rendered.step, variant: p.rendered.variant, headerId: '', subject: p.rendered.subject, nextAt: p.nextAt };
    const envelope = this.envelope(p, tag, now);
    const writer = deps.queue.open(envelope, id !== undefined ? { id } : {});
    tag.headerId = `${writer.id.toLowerCase()}@${deps.hostname}`;
    const token = deps.tokens.mint(writer.id);
    const tracking = p.campaign.tracking;
    const { text, html } = tracking === 'none' ? p.rendered : trackContent(p.rendered, tracking, new TrackingLinks(deps.tokens).urls(tracking.host, writer.id));
    try {
      const bytes = await composeStep({
        from: { name: p.campaign.fromName ?? '', address: p.identity.from },
        to: p.address, subject: p.rendered.subject, text, html,
        messageId: `<${tag.headerId}>`, date: new Date(now), thread: p.thread,
        unsubscribe: { url: `${deps.unsubscribe.baseUrl().replace(/\/$/, '')}/u/${token}`, mailto: `${unsubscribeLocal(token)}@${deps.unsubscribe.domain}` },
      });
      envelope.body = bytes.some((b) => b > 127) ? '8BITMIME' : '7BIT';
      const received = `Received: from campaign ${p.campaign.name}\r\n\tby ${deps.hostname} (Petrel) id ${writer.id};\r\n\t${rfc5322Date(now)}\r\n`;
      const trace = new TraceWriter(writer, received, { date: rfc5322Date(now), messageId: `<${tag.headerId}>` });
      trace.write(bytes);
      await trace.commit();
    } catch (error) {
      writer.abort();
      deps.log.error({ event: 'campaign-queue-failed', campaign: p.campaign.name, contact: p.contact.email, err: error }, 'queueing a campaign step failed; it is tried again');
      return false;
    }
    return this.store.sendByMessage(writer.id) !== null;
  }

  /** PostgreSQL away fails every claim of a tick: one warning per CLAIM_WARN_MS, the rest at debug. */
  private claimFailed(campaign: string, contact: string, error: unknown): void {
    const at = performance.now();
    const loud = at - this.claimWarnedAt >= CLAIM_WARN_MS;
    if (loud) this.claimWarnedAt = at;
    this.deps.log[loud ? 'warn' : 'debug']({ event: 'campaign-claim-failed', campaign, contact, err: error }, 'claiming a campaign step failed; it is tried again');
  }

  private envelope(p: Planned, tag: CampaignStepTag, now: number): Envelope {
    const nonAscii = /[^\x00-\x7f]/;
    return {
      sender: p.identity.from,
      recipients: [{ address: p.address }],
      body: '7BIT',
      smtputf8: nonAscii.test(p.identity.from) || nonAscii.test(p.address),
      authUser: `campaign:${p.campaign.name}`,
      client: { address: '127.0.0.1', port: 0, helo: 'campaign' },
      tls: null,
      role: 'local',
      listener: 'campaign',
      receivedAt: now,
      tags: [`campaign:${p.campaign.name}`.slice(0, 64)],
      metadata: { campaign: p.campaign.name, step: String(tag.step), ...(tag.variant ? { variant: tag.variant } : {}) },
      identity: p.identity.name,
      campaign: tag,
    };
  }

  /** The contact's identity (fixed by its first send), else the campaign's identity or the pool's pick. */
  private identityFor(def: Campaign, contact: CampaignContact, now: number): Identity | null {
    const fixed = contact.identity ? this.identities.get(contact.identity) : null;
    if (fixed) return fixed;
    try {
      return this.chooser.choose(def.identity !== undefined ? { identity: def.identity } : { pool: def.pool }, now);
    } catch {
      return null; // the pool or identity is gone: the contact waits (preflight and status say why)
    }
  }

  private retryLater(campaign: string, contact: CampaignContact, now: number, why: string, afterMs = 60_000): null {
    this.deps.log.debug({ event: 'campaign-step-waits', campaign, contact: contact.email, why }, 'a campaign step waits');
    this.store.reschedule(campaign, contact.email, now + afterMs);
    return null;
  }

  private pause(campaign: string, contact: CampaignContact, reason: string, now: number): null {
    this.store.pauseContact(campaign, contact.email, reason, now);
    this.deps.log.warn({ event: 'campaign-contact-paused', campaign, contact: contact.email, reason }, 'a campaign contact is paused');
    return null;
  }

  private stop(campaign: string, contact: CampaignContact, state: string, reason: string, now: number): null {
    this.deps.stops.stopWith(campaign, contact.email, state, reason, now, 'engine');
    return null;
  }
}
