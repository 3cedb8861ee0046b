// The warm-up network's sender in `petrel serve`: one timer on the injected clock; each tick every
// active identity of the network whose next warm-up send is due queues one original to a partner,
// and a low inbox rate of its warm-up mail holds its ramp for the day. Failures are logged; the next
// tick tries again.
import { IdentityStore } from '../identities/store.js';
import { isDomainIdentity, type Identity } from '../identities/types.js';
import type { MailDeps } from '../mailboxes/deps.js';
import { dayKey, dayStartOf, nextDayStart } from '../pacing/days.js';
import { FIGURE_DAYS, figuresOf, lowInboxRate } from './figures.js';
import { choosePartner } from './pairs.js';
import { hasRoomToday, heldDays } from './room.js';
import { dailyTarget, nextSendAt } from './schedule.js';
import { sendOriginal } from './send.js';
import { WarmupStore } from './store.js';

export interface RunningWarmupNetwork {
  wake(): void;
  stop(): Promise<void>;
}

const DAY_MS = 86_400_000;

/** Members: identities flagged --warmup-network with a mailbox to read and one address to send as. */
export function networkOf(identities: readonly Identity[]): Identity[] {
  return identities.filter((i) => i.warmupNetwork === true && i.imap !== undefined && !isDomainIdentity(i));
}

export function startWarmupNetwork(deps: MailDeps): RunningWarmupNetwork {
  const cfg = deps.config.warmupNetwork;
  if (!cfg.enabled) return { wake: () => undefined, stop: async () => undefined };
  const tick = new WarmupTick(deps);
  let running: Promise<void> | null = null;
  let stopped = false;
  const run = () => {
    if (running || stopped) return;
    running = tick.run().catch((error: unknown) => deps.log.error({ event: 'warmup-tick-failed', err: error }, 'a warm-up tick failed')).finally(() => (running = null));
  };
  const timer = setInterval(run, cfg.tickSeconds * 1000);
  timer.unref();
  run();
  return {
    wake: run,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}

class WarmupTick {
  private readonly store: WarmupStore;
  private readonly identities: IdentityStore;

  constructor(private readonly deps: MailDeps) {
    this.store = new WarmupStore(deps.db);
    this.identities = new IdentityStore(deps.db);
  }

  async run(): Promise<void> {
    const network = networkOf(this.identities.list());
    const names = network.filter((i) => i.state === 'active').map((i) => i.name);
    for (const identity of network) {
      const now = this.deps.clock();
      this.watchReputation(identity, now);
      if (identity.state !== 'active') continue;
      const to = this.due(identity, names, now);
      if (to) await this.send(identity, network.find((i) => i.name === to)!, now);
    }
  }

  /** The partner of `identity`'s next original when one is due now, else null. */
  private due(identity: Identity, names: readonly string[], now: number): string | null {
    const day = dayKey(now, identity.timeZone);
    const bounds = { start: dayStartOf(day, identity.timeZone), end: nextDayStart(now, identity.timeZone) };
    const target = dailyTarget(identity, heldDays(this.deps.db, identity.name), now, this.deps.config.warmupNetwork);
    const sent = this.store.originalsSince(identity.name, bounds.start);
    if (nextSendAt(sent, target, bounds, `${identity.name}/${day}`) > now) return null;
    if (!hasRoomToday(this.deps.db, identity, now)) return null; // campaigns used today's cap: warm-up yields
    return choosePartner(identity.name, names, this.store.partnersSince(identity.name, now - FIGURE_DAYS * DAY_MS), `${identity.name}/${day}/${sent}`);
  }

  private async send(from: Identity, to: Identity, now: number): Promise<void> {
    try {
      const tag = await sendOriginal(this.deps, from, to, now);
      this.deps.log.info({ event: 'warmup-sent', identity: from.name, to: to.name, tag }, 'warm-up mail queued');
    } catch (error) {
      this.deps.log.warn({ event: 'warmup-send-failed', identity: from.name, to: to.name, err: error }, 'queueing warm-up mail failed; the next tick tries again');
    }
  }

  /** A low 7-day inbox rate holds the ramp today (warmup_holds, which the send gate and caps read). */
  private watchReputation(identity: Identity, now: number): void {
    const cfg = this.deps.config.warmupNetwork;
    const f = figuresOf(identity.name, this.store.counts(identity.name, now - FIGURE_DAYS * DAY_MS));
    if (!identity.warmup || !lowInboxRate(f, cfg)) return;
    const reason = `warm-up inbox rate ${Math.round(f.inboxRate! * 100)}% over ${f.inbox + f.spam} placements (below ${Math.round(cfg.minInboxRate * 100)}%)`;
    const held = this.deps.db.prepare('INSERT INTO warmup_holds (identity, day, reason) VALUES (?, ?, ?) ON CONFLICT DO NOTHING')
      .run(identity.name, dayKey(now, identity.timeZone), reason).changes > 0;
    if (held) this.deps.log.warn({ event: 'warmup-ramp-held', identity: identity.name, inboxRate: f.inboxRate, placements: f.inbox + f.spam }, `warm-up ramp held for today: ${reason}`);
  }
}
