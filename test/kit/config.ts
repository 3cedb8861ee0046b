// Builds the YAML config a test server runs with: the four standard listeners on the given ports,
// the documented defaults, and the test's overrides. Only keys of the config contract are written.
import YAML from 'yaml';

export type ListenerKey = 'mx' | 'submission' | 'submissions' | 'alt';

export interface Ports {
  mx: number;
  submission: number;
  submissions: number;
  alt: number;
  /** The HTTP API; 0 (the OS chooses) when not given. */
  http?: number;
}

/** Per-test overrides; each section is merged over the defaults below. */
export interface ConfigOverrides {
  hostname?: string;
  listeners?: Partial<Record<ListenerKey, Record<string, unknown>>>; // e.g. { mx: { greetingDelayMs: 300 } }
  limits?: Record<string, number>;
  auth?: Record<string, unknown>;
  queue?: Record<string, unknown>;
  log?: Record<string, unknown>;
  tls?: Record<string, unknown>;
  /** Delivery is off unless a test turns it on: no test may send to a resolver it did not start. */
  delivery?: Record<string, unknown>;
  dns?: Record<string, unknown>;
  /** Inbound SPF/DKIM/DMARC checks are off unless a test turns them on, for the same reason. */
  inbound?: Record<string, unknown>;
  /** The MTA-STS HTTPS server; port 0 (the OS chooses) unless a test says otherwise. */
  mtaStsServer?: Record<string, unknown>;
  bounces?: Record<string, unknown>;
  suppression?: Record<string, unknown>;
  webhooks?: Record<string, unknown>;
  http?: Record<string, unknown>;
  /** Identity caps and reputation rules; the scheduled blocklist check is off unless a test turns it on. */
  sending?: Record<string, unknown>;
  shaping?: Record<string, unknown>;
  checks?: Record<string, unknown>;
  /** The campaign engine; it ticks every 100 ms in tests unless a test says otherwise. */
  campaigns?: Record<string, unknown>;
  /** The mailbox watcher (IMAP side of identities). */
  mailboxes?: Record<string, unknown>;
  /** The warm-up network among own mailboxes (identities added with --warmup-network). */
  warmupNetwork?: Record<string, unknown>;
  /** Cluster mode: store.postgres and node (docs/cluster.md). */
  store?: Record<string, unknown>;
  node?: Record<string, unknown>;
}

export const HOSTNAME = 'mail.petrel.test';

export const DEFAULT_LIMITS = {
  maxLineLength: 2048,
  maxRecipients: 100,
  maxMessageSize: 26214400,
  maxErrors: 10,
  maxConnections: 1000,
  maxConnectionsPerIp: 100,
  commandTimeoutSeconds: 300,
  dataTimeoutSeconds: 180,
};

export const DEFAULT_AUTH = {
  mechanisms: ['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2', 'OAUTHBEARER'],
  cramMd5: true,
  maxFailures: 3,
  failureDelayMs: 1000,
  maxFailuresPerIp: 10,
  failureWindowSeconds: 600,
  tokens: [{ user: 'alice@example.test', token: 'tok-alice' }],
};

/** The config object for `ports` with `o` merged in. */
export function buildConfig(ports: Ports, o: ConfigOverrides = {}): Record<string, unknown> {
  const listener = (key: ListenerKey, name: string, role: string) => ({
    name,
    address: '127.0.0.1',
    port: ports[key],
    role,
    ...o.listeners?.[key],
  });
  return {
    hostname: o.hostname ?? HOSTNAME,
    listeners: [
      listener('mx', 'mx', 'mx'),
      listener('submission', 'submission', 'submission'),
      listener('submissions', 'submissions', 'submissions'),
      listener('alt', 'submission-alt', 'submission'),
    ],
    tls: { certificates: [], ...o.tls },
    limits: { ...DEFAULT_LIMITS, ...o.limits },
    auth: { ...DEFAULT_AUTH, ...o.auth },
    queue: { memoryBodyLimit: 262144, ...o.queue },
    log: { level: 'info', ...o.log },
    delivery: { enabled: false, ...o.delivery },
    ...(o.dns ? { dns: o.dns } : {}),
    inbound: { checks: false, ...o.inbound },
    mtaStsServer: { port: 0, ...o.mtaStsServer },
    ...(o.bounces ? { bounces: o.bounces } : {}),
    ...(o.suppression ? { suppression: o.suppression } : {}),
    ...(o.webhooks ? { webhooks: o.webhooks } : {}),
    http: { port: ports.http ?? 0, ...o.http },
    sending: { ...o.sending, reputation: { blocklistIntervalSeconds: 0, ...(o.sending?.['reputation'] as Record<string, unknown> | undefined) } },
    ...(o.shaping ? { shaping: o.shaping } : {}),
    ...(o.checks ? { checks: o.checks } : {}),
    campaigns: { tickMs: 100, ...o.campaigns },
    ...(o.mailboxes ? { mailboxes: o.mailboxes } : {}),
    ...(o.warmupNetwork ? { warmupNetwork: o.warmupNetwork } : {}),
    ...(o.store ? { store: o.store } : {}),
    ...(o.node ? { node: o.node } : {}),
  };
}

/** The same as YAML text. */
export function configYaml(ports: Ports, o: ConfigOverrides = {}): string {
  return YAML.stringify(buildConfig(ports, o));
}
