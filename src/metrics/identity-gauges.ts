// Scrape-time series of sending identities (sends today, today's cap, paused) and shaping actions
// (ever set, in force, by rule), read from the database with a fixed number of queries whatever the
// number of identities. A failing query fails that scrape only (prom-client answers 500).
import { Counter, Gauge, type Registry } from 'prom-client';
import { effectiveLimits } from '../identities/caps.js';
import { IdentityStore } from '../identities/store.js';
import { dayKey, dayStartOf } from '../pacing/days.js';
import type { Db } from '../store/db.js';
import type { Clock } from '../util/clock.js';

/**
 * Sends of each identity since the start of its own day (its time zone, as caps count): one statement
 * for every identity, an index range on attempts (identity, at) each. Parameters: now, {name: dayStart} as JSON.
 */
export const SENT_SINCE_SQL = `SELECT j.key AS identity,
    (SELECT count(*) FROM attempts a WHERE a.identity = j.key AND a.at >= j.value AND a.at <= ?) AS n
  FROM json_each(?) j`;

/** Register the identity and shaping series on `registry`, read from `db` as of `clock()` at each scrape. */
export function watchIdentities(registry: Registry, db: Db, clock: Clock): void {
  const registers = [registry];
  const identities = new IdentityStore(db);
  const sentSince = db.prepare(SENT_SINCE_SQL);
  const holds = db.prepare('SELECT identity, day FROM warmup_holds');
  const byRule = db.prepare('SELECT rule, count(*) AS n FROM shaping_actions GROUP BY rule');
  const inForceByRule = db.prepare('SELECT rule, coalesce(sum(cleared_at IS NULL AND ends_at > ?), 0) AS n FROM shaping_actions GROUP BY rule');

  new Gauge({
    name: 'petrel_identity_sent_today', help: 'Sends of each identity since the start of its day (in its time zone)', labelNames: ['identity'], registers,
    collect() {
      this.reset();
      const now = clock();
      const starts = Object.fromEntries(identities.list().map((i) => [i.name, dayStartOf(dayKey(now, i.timeZone), i.timeZone)]));
      for (const r of sentSince.all(now, JSON.stringify(starts)) as Array<{ identity: string; n: number }>) this.set({ identity: r.identity }, r.n);
    },
  });
  new Gauge({
    name: 'petrel_identity_cap_today', help: 'Today\'s cap of each identity (its cap, the provider ceiling and the warm-up ramp, the lowest); absent without a cap', labelNames: ['identity'], registers,
    collect() {
      this.reset();
      const now = clock();
      const held = new Map<string, string[]>();
      for (const h of holds.all() as Array<{ identity: string; day: string }>) held.set(h.identity, [...(held.get(h.identity) ?? []), h.day]);
      for (const i of identities.list()) {
        const cap = effectiveLimits(i, held.get(i.name) ?? [], now).capToday;
        if (cap !== null) this.set({ identity: i.name }, cap);
      }
    },
  });
  new Gauge({
    name: 'petrel_identity_paused', help: '1 while an identity is paused (by an operator or a reputation rule), else 0', labelNames: ['identity'], registers,
    collect() {
      this.reset();
      for (const i of identities.list()) this.set({ identity: i.name }, i.state === 'paused' ? 1 : 0);
    },
  });
  new Counter({
    name: 'petrel_shaping_actions_total', help: 'Shaping actions set by automation rules, by rule (rows are never deleted)', labelNames: ['rule'], registers,
    collect() {
      this.reset();
      for (const r of byRule.all() as Array<{ rule: string; n: number }>) this.inc({ rule: r.rule }, r.n);
    },
  });
  new Gauge({
    name: 'petrel_shaping_actions_in_force', help: 'Shaping actions in force now, by rule (0 for rules that acted before)', labelNames: ['rule'], registers,
    collect() {
      this.reset();
      for (const r of inForceByRule.all(clock()) as Array<{ rule: string; n: number }>) this.set({ rule: r.rule }, r.n);
    },
  });
}
