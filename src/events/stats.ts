// Rolling delivery figures from the events table: per sending domain and per source IP over a window,
// with bounce and complaint rates. One GROUP BY query; SQLite errors pass through.
import type { Db } from '../store/db.js';

export interface Figures {
  accepted: number;
  delivered: number;
  deferred: number;
  bounced: number;
  /** Bounces classified hard (the address does not exist). */
  hardBounced: number;
  /** Every other bounce: block, policy, soft, rate, unknown. */
  otherBounced: number;
  expired: number;
  complained: number;
  suppressed: number;
  /** bounced / (delivered + bounced + expired); null when that is 0. */
  bounceRate: number | null;
  /** complained / delivered; null when nothing was delivered. */
  complaintRate: number | null;
}

export interface StatsReport {
  since: number;
  until: number;
  /** '' is the null sender (bounces we sent). */
  domains: (Figures & { domain: string })[];
  /** The local address of delivery connections; events without one (accepted, suppressed) are left out. */
  sourceIps: (Figures & { ip: string })[];
  total: Figures;
}

export interface StatsQuery {
  since: number;
  until?: number;
  domain?: string;
}

const COUNTED = ['accepted', 'delivered', 'deferred', 'bounced', 'expired', 'complained', 'suppressed'] as const;
type Counted = (typeof COUNTED)[number];
type Counts = Record<Counted, number> & { hardBounced: number };

interface GroupRow {
  domain: string | null;
  ip: string | null;
  type: Counted;
  hard: number;
  n: number;
}

/** The figures for events in [since, until) (until defaults to now), optionally of one sending domain. */
export function computeStats(db: Db, q: StatsQuery): StatsReport {
  const until = q.until ?? Date.now();
  // Unary + keeps the planner off events_domain when every domain is wanted:
  // events_domain (sending_domain, at) for one domain, events_at for all of them.
  const domainFilter = q.domain === undefined ? '+sending_domain IS NOT NULL' : 'sending_domain = @domain';
  const rows = db
    .prepare(
      `SELECT sending_domain AS domain, source_ip AS ip, type, class = 'hard' AS hard, count(*) AS n
       FROM events
       WHERE ${domainFilter} AND at >= @since AND at < @until AND +type IN (${COUNTED.map((t) => `'${t}'`).join(',')})
       GROUP BY 1, 2, 3, 4`,
    )
    .all({ since: q.since, until, ...(q.domain === undefined ? {} : { domain: q.domain.toLowerCase() }) }) as GroupRow[];
  const byDomain = new Map<string, Counts>();
  const byIp = new Map<string, Counts>();
  const total = emptyCounts();
  for (const row of rows) {
    add(total, row);
    add(entry(byDomain, row.domain ?? ''), row);
    if (row.ip !== null) add(entry(byIp, row.ip), row);
  }
  return {
    since: q.since,
    until,
    domains: [...byDomain].sort(([a], [b]) => a.localeCompare(b)).map(([domain, c]) => ({ domain, ...figures(c) })),
    sourceIps: [...byIp].sort(([a], [b]) => a.localeCompare(b)).map(([ip, c]) => ({ ip, ...figures(c) })),
    total: figures(total),
  };
}

/** Rates and the hard/other split from raw counts. */
export function figures(c: Counts): Figures {
  const outcomes = c.delivered + c.bounced + c.expired;
  const { accepted, delivered, deferred, bounced, hardBounced, expired, complained, suppressed } = c;
  return {
    accepted, delivered, deferred, bounced, hardBounced, otherBounced: bounced - hardBounced, expired, complained, suppressed,
    bounceRate: outcomes === 0 ? null : c.bounced / outcomes,
    complaintRate: c.delivered === 0 ? null : c.complained / c.delivered,
  };
}

function emptyCounts(): Counts {
  return { accepted: 0, delivered: 0, deferred: 0, bounced: 0, hardBounced: 0, expired: 0, complained: 0, suppressed: 0 };
}

function entry(map: Map<string, Counts>, key: string): Counts {
  let counts = map.get(key);
  if (counts === undefined) map.set(key, (counts = emptyCounts()));
  return counts;
}

function add(c: Counts, row: GroupRow): void {
  c[row.type] += row.n;
  if (row.type === 'bounced' && row.hard === 1) c.hardBounced += row.n;
}
