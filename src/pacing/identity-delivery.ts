// Delivery of an identity's job: route it (the identity's relay, or MX bound to its source IP),
// ask the gate how many recipients may go now (in cluster mode, the shared daily counter too), send
// those, and answer for the rest with a wait (state 'throttled', reason, next slot). Never rejects.
import type { RecipientResult, DeliveryJob, Deliver } from '../delivery/job.js';
import type { LocalDelivery } from '../delivery/local.js';
import type { RemoteDelivery } from '../delivery/remote.js';
import type { RemoteRoute, Route } from '../delivery/route.js';
import type { Router } from '../delivery/router.js';
import type { EventStore } from '../events/store.js';
import type { RelayCredentials } from '../identities/relay-auth.js';
import type { Identity } from '../identities/types.js';
import type { Clock } from '../util/clock.js';
import { admitOnCluster, type ClusterAdmission, type SharedCaps } from './cluster-caps.js';
import type { SendDecision } from './decide.js';
import type { SendGate } from './gate.js';
import type { Reactions } from './reactions.js';
import type { ProviderShaping, ShapingPort } from './shaping-port.js';

export interface IdentityDeliveryDeps {
  gate: SendGate;
  router: Router;
  local: LocalDelivery;
  remote: RemoteDelivery;
  credentials: RelayCredentials;
  shaping: ShapingPort;
  reactions: Reactions;
  events: EventStore;
  clock: Clock;
  isLocalDomain: (domain: string) => boolean;
  /** EHLO name for a source address (delivery.sources), else our default. */
  heloFor: (address: string) => string;
  /** Delivery for mail without a (known) identity. */
  fallback: Deliver;
  /** Cluster mode: the daily counters shared by the nodes (src/cluster/caps.ts); absent on one node. */
  sharedCaps?: SharedCaps | undefined;
}

export class IdentityDelivery {
  /** Identities whose mail waits now, with the reason of the last 'identity.throttled' event. */
  private readonly throttled = new Map<string, string>();

  constructor(private readonly deps: IdentityDeliveryDeps) {}

  readonly deliver: Deliver = async (job) => {
    const identity = job.identity ? this.deps.gate.identity(job.identity) : null;
    if (!identity || this.deps.isLocalDomain(job.domain)) return this.deps.fallback(job);
    const route = await this.routeFor(identity, job.domain);
    if (route.kind !== 'remote') return route.kind === 'local' ? this.deps.local.deliver(job) : failAll(job, route, this.deps.clock());
    const provider = this.deps.shaping.providerOf(route.hosts.map((h) => h.name));
    const shaped = withLimits(route, provider);
    const { gate } = this.deps;
    const first = gate.admit(identity, job.recipients.length, provider, `${job.messageId}/${job.domain}`);
    let admitted = job.recipients.slice(0, first.decision.admit);
    let waiting = admitted.length < job.recipients.length ? this.gateWait(identity, provider, job, admitted.length, route.via, first.decision) : [];
    const asking = admitted.length > 0 ? this.clusterAdmit(identity, job, admitted.length) : null;
    const shared = asking ? await asking : null; // no await at all on one node: its path is unchanged
    if (shared?.wait) {
      const held = admitted.slice(shared.admitted);
      if (first.reservation) gate.release(first.reservation, held.length);
      admitted = admitted.slice(0, shared.admitted);
      waiting = [...held.map((r) => waitResult(r.idx, identity.name, shared.wait!, route.via, this.deps.clock())), ...waiting];
      this.noteThrottled(identity, shared.wait, job.messageId);
    } else if (waiting.length === 0) {
      this.throttled.delete(identity.name);
    }
    if (admitted.length === 0) return waiting;
    const results = await this.deps.remote.deliver(shaped, { ...job, recipients: admitted });
    const skipped = results.filter((r) => r.attempt.skipped).length;
    if (first.reservation) gate.release(first.reservation, skipped);
    if (shared && skipped > 0) await this.deps.sharedCaps?.giveBack(identity.name, shared.day, skipped);
    this.deps.reactions.onResults(identity, provider, job.messageId, results);
    return [...results, ...waiting];
  };

  /** Waits for the recipients past the first `admitted`, with what holds them back (the gate says) and until when. */
  private gateWait(identity: Identity, provider: ProviderShaping | null, job: DeliveryJob, admitted: number, via: RemoteRoute['via'], first: SendDecision): RecipientResult[] {
    const rest = job.recipients.slice(admitted);
    const again = this.deps.gate.admit(identity, rest.length, provider); // what holds the rest back, and until when
    if (again.decision.admit > 0 && again.reservation) this.deps.gate.release(again.reservation, again.decision.admit);
    // A slot may open between the two questions (the clock moved): then the first answer says why.
    const d = 'until' in again.decision ? again.decision : first;
    const wait = 'until' in d ? { until: Math.max(d.until, this.deps.clock()), reason: d.reason } : { until: this.deps.clock() + 1000, reason: 'throttled: cap reached' };
    this.noteThrottled(identity, wait, job.messageId);
    return rest.map((r) => waitResult(r.idx, identity.name, wait, via, this.deps.clock()));
  }

  /**
   * Cluster mode: count `n` admitted sends against the identity's cap summed over the nodes. Not for a
   * campaign step (its claim counted it) nor an identity without a daily cap; null then.
   */
  private clusterAdmit(identity: Identity, job: DeliveryJob, n: number): Promise<ClusterAdmission> | null {
    const caps = this.deps.sharedCaps;
    if (!caps || job.envelope.campaign) return null;
    const cap = this.deps.gate.capToday(identity);
    return cap === null ? null : admitOnCluster(caps, identity, cap, n, this.deps.clock);
  }

  private async routeFor(identity: Identity, domain: string): Promise<Route> {
    const relay = this.deps.credentials.relayOf(identity);
    if (relay) return this.deps.router.relayRoute('identity', relay, this.deps.credentials.authOf(identity));
    const route = await this.deps.router.route(domain);
    if (route.kind !== 'remote' || !identity.source) return route;
    // Connections bound to the identity's source are its own: never shared with another source.
    return { ...route, key: `${route.key}|src=${identity.source}`, source: { address: identity.source, helo: this.deps.heloFor(identity.source) } };
  }

  /** One 'identity.throttled' event when an identity's mail starts waiting, or waits for a new reason. */
  private noteThrottled(identity: Identity, wait: { until: number; reason: string }, messageId: string): void {
    const kind = wait.reason.replace(/ until .*$/, '');
    if (this.throttled.get(identity.name) === kind) return;
    this.throttled.set(identity.name, kind);
    this.deps.events.append([{
      at: this.deps.clock(), type: 'identity.throttled', messageId, sender: identity.from, sendingDomain: identity.domain,
      text: wait.reason, data: { identity: identity.name, reason: wait.reason, until: new Date(wait.until).toISOString() },
    }]);
  }
}

function withLimits(route: RemoteRoute, provider: ProviderShaping | null): RemoteRoute {
  if (!provider || (provider.connectionsPerSource === undefined && provider.messagesPerConnection === undefined)) return route;
  return { ...route, limits: { connections: provider.connectionsPerSource, messagesPerConnection: provider.messagesPerConnection } };
}

function waitResult(idx: number, identity: string, wait: { until: number; reason: string }, via: RemoteRoute['via'], now: number): RecipientResult {
  return {
    idx,
    outcome: { code: 451, enhanced: '4.7.0', text: wait.reason, remote: false, phase: 'connect' },
    attempt: { startedAt: now, durationMs: 0, route: via, skipped: true },
    wait: { until: wait.until, reason: wait.reason, identity },
  };
}

function failAll(job: DeliveryJob, route: Extract<Route, { kind: 'fail' }>, now: number): RecipientResult[] {
  return job.recipients.map((r) => ({ idx: r.idx, outcome: route.outcome, attempt: { startedAt: now, durationMs: 0, route: route.via } }));
}
