// Reacting to the replies of an identity's sends, as they come: automation rules set throttles and
// suspensions (each an event with the reply that triggered it), reputation signals hold the warm-up
// ramp for the day, and the reputation monitor is told to look at the identity again.
import { classifyReply } from '../bounce/classify/index.js';
import type { RecipientResult } from '../delivery/job.js';
import type { EventStore } from '../events/store.js';
import type { Identity } from '../identities/types.js';
import type { Db } from '../store/db.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/log.js';
import { sourceKeyOf, type ShapingActionStore } from './actions.js';
import { dayKey } from './days.js';
import type { SendGate } from './gate.js';
import type { ProviderShaping, ShapingPort, TriggeredRule } from './shaping-port.js';

/** Reply classes that hold the warm-up ramp for the day even when no rule fires. */
const HOLDING_CLASSES = new Set(['block', 'policy', 'complaint']);

export interface ReactionDeps {
  db: Db;
  gate: SendGate;
  actions: ShapingActionStore;
  events: EventStore;
  shaping: ShapingPort;
  clock: Clock;
  log: Logger;
  /** The reputation monitor: look at this identity soon. */
  poke?: (identity: string) => void;
}

export class Reactions {
  private readonly hold;

  constructor(private readonly deps: ReactionDeps) {
    this.hold = deps.db.prepare('INSERT INTO warmup_holds (identity, day, reason) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
  }

  /** Look at the results of one job of `identity` sent towards `provider`. */
  onResults(identity: Identity, provider: ProviderShaping | null, messageId: string, results: readonly RecipientResult[]): void {
    let signal = false;
    for (const r of results) {
      if (r.attempt.skipped || r.outcome.code < 400) continue;
      const cls = classifyReply(r.outcome);
      const rules = this.deps.shaping.match({ provider: provider?.name ?? null, code: r.outcome.code, enhanced: r.outcome.enhanced, text: r.outcome.text, class: cls.class });
      for (const rule of rules) this.apply(identity, provider, messageId, rule, r);
      if (rules.length > 0 || HOLDING_CLASSES.has(cls.class)) {
        signal = true;
        this.holdRamp(identity, rules[0]?.name ?? `${cls.class} reply`);
      }
      if (cls.class === 'hard') signal = true;
    }
    if (signal) this.deps.poke?.(identity.name);
  }

  /** Hold `identity`'s warm-up ramp for today (its zone). */
  holdRamp(identity: Identity, reason: string): void {
    if (!identity.warmup) return;
    if (this.hold.run(identity.name, dayKey(this.deps.clock(), identity.timeZone), reason).changes > 0) this.deps.gate.invalidate();
  }

  private apply(identity: Identity, provider: ProviderShaping | null, messageId: string, rule: TriggeredRule, r: RecipientResult): void {
    const { gate, clock } = this.deps;
    const now = clock();
    const scope = rule.action.scope === 'identity' ? `identity:${identity.name}` : `source:${sourceKeyOf(identity)}`;
    const towards = rule.action.scope === 'identity' ? null : provider?.name ?? null;
    const same = gate.actionsInForce().find((a) => a.rule === rule.name && a.scope === scope && a.provider === towards);
    if (same) {
      // One action per rule and scope at a time: firing again renews its end, never compounds the factor.
      const renewed = now + rule.action.durationMs;
      if (renewed > same.endsAt) {
        this.deps.actions.extend(same.id, renewed);
        same.endsAt = renewed;
      }
      return;
    }
    const rate = rule.action.kind === 'throttle' ? gate.throttledRate(identity, provider, rule.action.factor) : null;
    const action = this.deps.db.transaction(() => {
      const added = this.deps.actions.add({
        rule: rule.name, kind: rule.action.kind, factor: rule.action.kind === 'throttle' ? rule.action.factor : null, rate, scope, provider: towards,
        startedAt: now, endsAt: now + rule.action.durationMs, identity: identity.name, messageId,
        code: r.outcome.code, enhanced: r.outcome.enhanced, text: r.outcome.text.slice(0, 1000),
      });
      this.deps.events.append([{
        at: now, type: 'shaping.action', messageId, recipient: null, sender: identity.from, sendingDomain: identity.domain,
        code: r.outcome.code, enhanced: r.outcome.enhanced, text: r.outcome.text.slice(0, 1000),
        data: { identity: identity.name, rule: rule.name, action: rule.action.kind, scope, provider: towards, ...(rate !== null ? { rate } : {}), until: new Date(added.endsAt).toISOString(), description: rule.description },
      }]);
      return added;
    })();
    gate.addAction(action);
    this.deps.log.warn({ event: 'shaping-action', identity: identity.name, rule: rule.name, action: action.kind, scope, provider: towards, until: new Date(action.endsAt).toISOString(), reply: `${r.outcome.code} ${r.outcome.enhanced} ${r.outcome.text}` }, rule.description);
  }
}
