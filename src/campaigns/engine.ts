// The campaign engine of `petrel serve`: every tick (and when woken) it applies stops from events and
// inbound mail first, then for each running campaign enrolls new list members, starts new contacts
// (dailyLimit, spread over the window) and queues due steps through the identities layer. A tick that
// fails is logged and the next one tries again; nothing is marked sent unless its message committed.
// In cluster mode every node sends due steps (each one claimed, step-claims.ts), while enrolling,
// starting and finishing run on the one node holding the campaign's lease.
import type { Db } from '../store/db.js';
import type { Clock } from '../util/clock.js';
import { CoalescedRun } from '../util/coalesce.js';
import type { Logger } from '../util/log.js';
import { prepareEventInsert } from '../events/store.js';
import { dayStartOf } from '../pacing/days.js';
import { EventStops } from './event-stops.js';
import { InboundWatcher } from './inbound.js';
import { addDelay, contactZone, localDay, startIntervalMs } from './schedule.js';
import { StepSender, type StepSenderDeps } from './step-sender.js';
import { CampaignStore, type StoredCampaign } from './store.js';
import { ContactStops } from './stops.js';

const RESWEEP_MS = 600_000;
/** Cluster mode picks a tick's batch at random from this many batches' worth of due contacts. */
const CLUSTER_SPREAD = 4;

export interface EngineDeps extends Omit<StepSenderDeps, 'stops'> {
  dataDir: string;
  clock: Clock;
  tickMs: number;
  batch: number;
  unsubscribeScope: 'global' | 'domain';
  /** An auto-reply without a stated return pauses the contact this many days. */
  autoReplyPauseDays?: number;
  /** Called after steps were queued (wakes the delivery scheduler). */
  onQueued(): void;
}

export class CampaignEngine {
  private readonly store: CampaignStore;
  private readonly stops: ContactStops;
  private readonly eventStops: EventStops;
  private readonly inbound: InboundWatcher;
  private readonly sender: StepSender;
  private readonly event;
  /** The list mark and time each campaign was last enrolled at. */
  private readonly enrolledAt = new Map<string, { mark: number; at: number }>();
  private readonly runner = new CoalescedRun(() => this.tick());

  constructor(private readonly deps: EngineDeps) {
    const { db } = deps;
    this.store = new CampaignStore(db);
    this.stops = new ContactStops(db, { unsubscribeScope: deps.unsubscribeScope });
    this.eventStops = new EventStops(db, this.stops);
    this.inbound = new InboundWatcher({ db, dataDir: deps.dataDir, stops: this.stops, tokens: deps.tokens, log: deps.log, ...(deps.autoReplyPauseDays !== undefined ? { autoReplyPauseDays: deps.autoReplyPauseDays } : {}) });
    this.sender = new StepSender({ ...deps, stops: this.stops });
    this.event = prepareEventInsert(db);
  }

  get contactStops(): ContactStops {
    return this.stops;
  }

  start(): void {
    this.runner.every(this.deps.tickMs);
  }

  stop(): Promise<void> {
    return this.runner.stop();
  }

  /** Run a tick soon; calls during a tick coalesce into one more. */
  wake(): Promise<void> {
    return this.runner.wake();
  }

  private async tick(): Promise<void> {
    try {
      this.eventStops.drain();
      this.inbound.drain();
      await this.deps.claims?.settle(); // claims a crash left are settled before this node claims again
      let queued = 0;
      for (const c of this.store.running()) queued += await this.run(c, this.deps.clock());
      if (queued > 0) this.deps.onQueued();
    } catch (error) {
      this.deps.log.error({ event: 'campaign-tick-failed', err: error }, 'a campaign engine tick failed; the next one tries again');
    }
  }

  /** One campaign's work for this tick; returns the steps queued. */
  private async run(c: StoredCampaign, now: number): Promise<number> {
    const lead = await this.leads(c.name);
    if (lead) {
      this.enroll(c, now);
      this.startContacts(c, now);
    }
    const due = this.due(c.name, now);
    const results = await Promise.all(due.map((contact) => this.sender.send(c, contact, now)));
    const queued = results.filter(Boolean).length;
    if (lead && due.length === 0 && this.store.done(c.name)) this.finish(c, now);
    return queued;
  }

  /** Always on a single node; in cluster mode while this node holds the campaign's lease. */
  private async leads(name: string): Promise<boolean> {
    const { claims } = this.deps;
    if (!claims) return true;
    try {
      return await claims.leads(name);
    } catch {
      return false; // PostgreSQL away: the one-writer work waits for it
    }
  }

  /** Due contacts; in cluster mode a random part of a wider set, so nodes seldom reach for the same ones. */
  private due(name: string, now: number): ReturnType<CampaignStore['due']> {
    const { batch, claims } = this.deps;
    if (!claims) return this.store.due(name, now, batch);
    const wide = this.store.due(name, now, batch * CLUSTER_SPREAD);
    for (let i = wide.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [wide[i], wide[j]] = [wide[j]!, wide[i]!];
    }
    return wide.slice(0, batch);
  }

  /**
   * New list members join a running campaign: looked for when some list gained a member, and every
   * ten minutes anyway (a rowid freed by a removal can come back, leaving the mark unchanged).
   */
  private enroll(c: StoredCampaign, now: number): void {
    const mark = this.store.listMark();
    const last = this.enrolledAt.get(c.name);
    if (last && last.mark === mark && now - last.at < RESWEEP_MS && now >= last.at) return;
    this.enrolledAt.set(c.name, { mark, at: now });
    const added = this.store.enroll(c.name, c.definition.list, now);
    if (added > 0) this.deps.log.info({ event: 'campaign-enrolled', campaign: c.name, contacts: added }, 'contacts joined the campaign');
  }

  /** Start new contacts: at most dailyLimit a day, one per start interval, so a day's starts spread over its window. */
  private startContacts(c: StoredCampaign, now: number): void {
    const def = c.definition;
    const zone = def.schedule === 'always' ? 'UTC' : def.schedule.timezone === 'contact' ? def.schedule.fallbackTimezone : def.schedule.timezone;
    // Contacts start at any hour: a step due outside its window is placed into the next one, spread
    // over it (step-sender.ts), so a night's starts do not all leave at the window's first second.
    let room = this.deps.batch;
    if (def.dailyLimit !== undefined) room = Math.min(room, def.dailyLimit - this.store.startedSince(c.name, dayStartOf(localDay(now, zone), zone)));
    const interval = startIntervalMs(def.schedule, def.dailyLimit);
    // A clock set back behind the last start waits for it rather than starting one contact per tick.
    if (interval !== null) room = Math.min(room, c.lastStartAt === null ? 1 : Math.floor(Math.max(0, now - c.lastStartAt) / interval));
    if (room <= 0) return;
    // One transaction for the batch: on its own each start is two commits, each an fsync.
    this.deps.db.transaction(() => {
      for (const contact of this.store.unstarted(c.name, room)) {
        const fields = this.store.contactData(contact.email)?.fields ?? {};
        this.store.start(c.name, contact.email, addDelay(def.steps[0]!.delay, now, contactZone(def.schedule, fields)), now);
      }
    })();
  }

  private finish(c: StoredCampaign, now: number): void {
    const counts = this.store.counts(c.name);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    if (total === 0) return; // an empty list: nothing ran, nothing finished
    this.deps.db.transaction(() => {
      this.store.setState(c.name, 'finished', now);
      this.event({ at: now, type: 'campaign.finished', data: { campaign: c.name, contacts: counts } });
    })();
    this.deps.log.info({ event: 'campaign-finished', campaign: c.name, contacts: counts }, 'campaign finished');
  }
}
