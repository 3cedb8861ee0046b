// The pool case of the outbound bench (contender petrel-pool, `--case pool`): Petrel with N sending
// identities (src/identities, default 50) and a pool of them, the same messages spread over the
// identities' addresses, so every message goes through the send gate (src/pacing): identity lookup,
// relay route, caps and counters, the identity on each attempt row. It is the Petrel contender with
// a variant (lib/petrel-outbound.mjs); everything else (feed, release, timing, CPU) is the same.
//
// Each identity is `--via relay` to the bench's smtp-sink (`--relay-tls none`) with its own relay
// account: its address as AUTH user, a password (smtp-sink answers AUTH with 250). The account
// matters: Petrel keys relay connections by host, port, TLS and user, so without one all identities
// would share one destination. With it each identity is its own destination, as separate provider
// accounts are, and delivery.concurrency.global keeps the total at the baseline's connections.
// Caps are far above what the run sends (nothing may wait), no minimum gap, no warm-up.
//
// sharedRelay (--pool-shared-relay) takes the connection layout out of the comparison: no relay
// accounts, so every identity's mail goes to one destination over the baseline's connections (the
// shaping rules' default connectionsPerSource, 10, is raised to match). What is left is the identity
// path itself: lookup, gate, counters, the identity on the attempt rows.
//
// Checks after each drain (a failure fails the run): every attempt of the run carries an identity
// and the route `identity`, all N identities sent, no recipient was throttled, no
// identity.throttled event; and the sink's own dump (X-Mail-Args) shows each message's MAIL FROM
// to be one of the identity addresses.

import { SENDER_DOMAIN } from './message.mjs';
import { openReadonly, petrelContender } from './petrel-outbound.mjs';
import { HOST } from './smtp.mjs';

export const POOL_DEFAULTS = { identities: 50, perDestination: 1 };
const POOL_NAME = 'bench-pool';
const RELAY_PASSWORD = 'relay-password-not-secret';

/** Identity names pool00..pool49: the addresses are as long as sender@bench.test, so every message has the same size. */
function identityNames(n) {
  const width = Math.max(2, String(n - 1).length);
  return Array.from({ length: n }, (_, k) => `pool${String(k).padStart(width, '0')}`);
}

/** Attempts and events so far: the run's rows are the ones after this mark. */
function markOf(dataDir) {
  const db = openReadonly(dataDir);
  try {
    return {
      attempt: db.prepare('SELECT coalesce(max(id), 0) FROM attempts').pluck().get(),
      event: db.prepare('SELECT coalesce(max(id), 0) FROM events').pluck().get(),
    };
  } finally {
    db.close();
  }
}

function attemptsSince(dataDir, mark) {
  const db = openReadonly(dataDir);
  try {
    const a = db
      .prepare(
        `SELECT count(*) AS attempts, count(identity) AS withIdentity, count(DISTINCT identity) AS identities,
                sum(route = 'identity') AS viaIdentity, sum(outcome = 'relayed') AS relayed
         FROM attempts WHERE id > ?`,
      )
      .get(mark.attempt);
    const throttledEvents = db.prepare("SELECT count(*) FROM events WHERE id > ? AND type = 'identity.throttled'").pluck().get(mark.event);
    return { ...a, viaIdentity: a.viaIdentity ?? 0, relayed: a.relayed ?? 0, throttledEvents };
  } finally {
    db.close();
  }
}

/** What is wrong with the run's attempts and the sink's envelopes, or null. */
function problemOf({ count, n, addresses, attempts, senders }) {
  const wrong = [];
  if (attempts.attempts !== count) wrong.push(`${attempts.attempts} attempts for ${count} messages`);
  if (attempts.withIdentity !== count) wrong.push(`${attempts.withIdentity} attempts with an identity, wanted ${count}`);
  if (attempts.viaIdentity !== count) wrong.push(`${attempts.viaIdentity} attempts by route 'identity', wanted ${count}`);
  if (attempts.identities !== n) wrong.push(`${attempts.identities} identities sent, wanted ${n}`);
  if (attempts.throttledEvents > 0) wrong.push(`${attempts.throttledEvents} identity.throttled events`);
  if (senders === null) wrong.push('the sink kept no dump of envelopes');
  else {
    const total = [...senders.values()].reduce((a, b) => a + b, 0);
    const foreign = [...senders.keys()].filter((s) => !addresses.has(s));
    if (total !== count) wrong.push(`the sink's dump has ${total} transactions, wanted ${count}`);
    if (foreign.length > 0) wrong.push(`MAIL FROM not an identity: ${foreign.slice(0, 3).join(', ')}`);
  }
  return wrong.length ? wrong.join('; ') : null;
}

/**
 * The petrel-pool contender. `sendsPerIdentity`: the most one identity sends in the whole bench
 * (every size and repeat); the caps are twice that, at least 1,000.
 */
export function petrelPoolContender({ connections, dkim, identities = POOL_DEFAULTS.identities, perDestination = POOL_DEFAULTS.perDestination, sharedRelay = false, sendsPerIdentity }) {
  const names = identityNames(identities);
  const list = names.map((name) => `${name}@${SENDER_DOMAIN}`);
  const addresses = new Set(list);
  const cap = Math.max(1000, 2 * sendsPerIdentity);
  let mark = null;
  const variant = {
    name: 'petrel-pool',
    label: `Petrel pool (${identities} ids${sharedRelay ? ', 1 relay' : ''})`,
    concurrency: `{ perDestination: ${sharedRelay ? connections : perDestination}, global: ${connections} }`,
    config: sharedRelay ? [`shaping: { overrides: { default: { connectionsPerSource: ${connections} } } }`] : [],
    settings: { identities, perDestination: sharedRelay ? connections : perDestination, global: connections, sharedRelay, dailyCap: cap, hourlyCap: cap, minGapSeconds: 0 },
    async setup({ cli, sinkPort }) {
      for (const [k, name] of names.entries()) {
        await cli(
          ['identity', 'add', name, '--from', list[k], '--via', 'relay', '--relay-host', HOST, '--relay-port', String(sinkPort),
            '--relay-tls', 'none', ...(sharedRelay ? [] : ['--relay-password-stdin']), '--daily-cap', String(cap), '--hourly-cap', String(cap), '--min-gap-seconds', '0'],
          sharedRelay ? '' : `${RELAY_PASSWORD}\n`,
        );
      }
      // Pools choose identities for API sends; SMTP mail is fixed by its envelope sender. Made for completeness.
      await cli(['pool', 'add', POOL_NAME, ...names.flatMap((name) => ['--identity', name])]);
      console.log(`  Petrel pool: ${identities} relay identities (caps ${cap}/day, ${cap}/hour, no gap) in pool ${POOL_NAME}`);
    },
    /** Message i goes out as identity i mod N. */
    senderOf: (i) => list[i % identities],
    beforeRelease({ dataDir, sink }) {
      mark = markOf(dataDir);
      sink.resetDump();
    },
    async verify({ dataDir, sink, count }) {
      const attempts = attemptsSince(dataDir, mark);
      const senders = await sink.mailSenders();
      const perIdentity = senders ? [...senders.values()] : [];
      const problem = problemOf({ count, n: identities, addresses, attempts, senders });
      return {
        identityAttempts: attempts,
        sinkSenders: senders && {
          messages: perIdentity.reduce((a, b) => a + b, 0),
          fromIdentities: [...senders].filter(([s]) => addresses.has(s)).reduce((a, [, c]) => a + c, 0),
          distinct: senders.size,
          perIdentityMin: Math.min(...perIdentity),
          perIdentityMax: Math.max(...perIdentity),
        },
        ...(problem ? { problem } : {}),
      };
    },
  };
  return petrelContender({ connections, dkim, variant });
}
