// The one typed schema for petrel.yaml: every setting with its default, bounds and meaning.
// Parsing fails on unknown keys (strict objects) or out-of-range values; callers get zod issues.
import { isIP } from 'node:net';
import { hostname as osHostname } from 'node:os';
import { z } from 'zod';
import { EVENT_TYPES } from '../events/types.js';
import { sendingSchema, shapingSchema } from './schema-sending.js';
import { campaignsSchema } from './schema-campaigns.js';
import { mailboxesSchema } from './schema-mailboxes.js';
import { nodeSchema, storeSchema } from './schema-cluster.js';
import { warmupNetworkSchema } from './schema-warmup-network.js';

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)*$/i;

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();

export const listenerSchema = z
  .strictObject({
    /** Unique label used in logs and the Received header. */
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, { error: 'letters, digits, - and _ only' }),
    /** IP literal to bind; 0.0.0.0 or :: for every interface. */
    address: z.string().refine((value) => isIP(value) !== 0, { error: 'must be an IP address' }),
    /** TCP port; 0 lets the OS choose (useful in tests). */
    port: z.number().int().min(0).max(65535),
    /** mx: inbound from the internet; submission: STARTTLS + AUTH; submissions: implicit TLS (RFC 8314). */
    role: z.enum(['mx', 'submission', 'submissions']),
    /** Wait this long before the greeting; a client that talks first gets 554 (0 disables). */
    greetingDelayMs: nonNegativeInt.max(60_000).default(0),
    /** Accept a bare LF as end of line in DATA instead of rejecting the message. */
    normalizeBareLf: z.boolean().default(false),
    /** Overrides limits.maxConnections for this listener. */
    maxConnections: positiveInt.optional(),
    /** Overrides limits.maxConnectionsPerIp for this listener. */
    maxConnectionsPerIp: positiveInt.optional(),
  });

const DEFAULT_LISTENERS: z.input<typeof listenerSchema>[] = [
  { name: 'mx', address: '127.0.0.1', port: 2025, role: 'mx' },
  { name: 'submission', address: '127.0.0.1', port: 2587, role: 'submission' },
  { name: 'submissions', address: '127.0.0.1', port: 2465, role: 'submissions' },
  { name: 'submission-alt', address: '127.0.0.1', port: 2525, role: 'submission' },
];

const certificateSchema = z.strictObject({
  /** PEM certificate chain file. */
  cert: z.string().min(1),
  /** PEM private key file. */
  key: z.string().min(1),
});

const tlsSchema = z.strictObject({
  /** Certificates to serve; empty means a self-signed one under <dataDir>/tls. */
  certificates: z.array(certificateSchema).default([]),
  /** Oldest TLS version accepted. */
  minVersion: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2'),
});

const limitsSchema = z.strictObject({
  /** Longest command line in bytes, CRLF included (RFC 5321 requires at least 512). */
  maxLineLength: z.number().int().min(512).max(65_536).default(2048),
  /** Recipients per transaction; more get 452 4.5.3. */
  maxRecipients: positiveInt.max(10_000).default(100),
  /** Largest message in bytes, advertised in EHLO SIZE; larger gets 552 5.3.4. */
  maxMessageSize: positiveInt.default(26_214_400),
  /** Bad commands per session before 421 4.7.0 and close. */
  maxErrors: positiveInt.default(10),
  /** Concurrent connections across all listeners. */
  maxConnections: positiveInt.default(1000),
  /** Concurrent connections from one client IP. */
  maxConnectionsPerIp: positiveInt.default(100),
  /** Idle time waiting for a command (RFC 5321 4.5.3.2 asks for 5 minutes). */
  commandTimeoutSeconds: positiveInt.default(300),
  /** Idle time inside DATA or BDAT. */
  dataTimeoutSeconds: positiveInt.default(180),
});

export const AUTH_MECHANISMS = ['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2', 'OAUTHBEARER'] as const;

/** A static bearer token: inline, or read from an environment variable when the config loads. */
const tokenSchema = z
  .strictObject({
    /** The user this token authenticates as. */
    user: z.string().min(1).transform((name) => name.toLowerCase()),
    /** The secret itself; filled in from tokenEnv by loadConfig. */
    token: z.string().min(1).optional(),
    /** Name of the environment variable holding the secret. */
    tokenEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
  })
  .refine((entry) => (entry.token === undefined) !== (entry.tokenEnv === undefined), {
    error: 'give exactly one of token or tokenEnv',
  });

const authSchema = z.strictObject({
  /** SASL mechanisms offered, in this order; a subset of the supported ones. */
  mechanisms: z
    .array(z.enum(AUTH_MECHANISMS))
    .refine((list) => new Set(list).size === list.length, { error: 'duplicate mechanism' })
    .default([...AUTH_MECHANISMS]),
  /** Keep a sealed password copy so CRAM-MD5 works; false never stores it nor offers CRAM-MD5. */
  cramMd5: z.boolean().default(true),
  /** Failed attempts per connection before 421 4.7.0 and close. */
  maxFailures: positiveInt.default(3),
  /** The nth failure waits n * failureDelayMs before replying. */
  failureDelayMs: nonNegativeInt.max(60_000).default(1000),
  /** Failed attempts per client IP within failureWindowSeconds before AUTH gets 421 4.7.0. */
  maxFailuresPerIp: positiveInt.default(10),
  failureWindowSeconds: positiveInt.default(600),
  /** Static bearer tokens for XOAUTH2 and OAUTHBEARER. */
  tokens: z.array(tokenSchema).default([]),
});

const queueSchema = z.strictObject({
  /** Bodies up to this many bytes stay in SQLite; larger ones stream to <dataDir>/spool. */
  memoryBodyLimit: nonNegativeInt.default(262_144),
});

/** A DNS server as "ip" or "ip:port" ("[v6]:port" for IPv6 with a port). */
const dnsServer = z.string().refine((value) => parseHostPort(value, 53) !== null, { error: 'must be ip or ip:port' });

const dnsSchema = z.strictObject({
  /** Resolvers to ask, in order; empty means those of /etc/resolv.conf. */
  servers: z.array(dnsServer).default([]),
  /** Time to wait for one answer before trying the next server. */
  timeoutMs: positiveInt.max(60_000).default(3000),
  /** Rounds over the server list before a lookup fails with TIMEOUT. */
  attempts: positiveInt.max(10).default(2),
  /** Cached answers live for their TTL, clamped to these bounds (negative answers use the SOA minimum). */
  minTtlSeconds: nonNegativeInt.default(0),
  maxTtlSeconds: positiveInt.default(86_400),
  /** Entries kept in the answer cache (least recently used go first). */
  cacheSize: positiveInt.default(10_000),
});

const secretFields = {
  /** The secret itself, or the name of an environment variable holding it (exactly one). */
  password: z.string().min(1).optional(),
  passwordEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
};

/** OAuth2 refresh-token flow for XOAUTH2 (Google Workspace, Microsoft 365). */
const oauthSchema = z.strictObject({
  /** Token endpoint, e.g. https://oauth2.googleapis.com/token. */
  tokenUrl: z.url(),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1).optional(),
  clientSecretEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
  refreshToken: z.string().min(1).optional(),
  refreshTokenEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
  /** Space-separated scopes, when the provider wants them on refresh (Microsoft does). */
  scope: z.string().optional(),
})
  .refine((o) => (o.refreshToken === undefined) !== (o.refreshTokenEnv === undefined), { error: 'give exactly one of refreshToken or refreshTokenEnv' })
  .refine((o) => o.clientSecret === undefined || o.clientSecretEnv === undefined, { error: 'give at most one of clientSecret or clientSecretEnv' });

const relayAuthSchema = z.strictObject({
  user: z.string().min(1),
  ...secretFields,
  oauth: oauthSchema.optional(),
  /** Mechanisms to use, in order of preference, when the server offers them. */
  mechanisms: z.array(z.enum(['XOAUTH2', 'CRAM-MD5', 'PLAIN', 'LOGIN'])).optional(),
}).refine((a) => a.password === undefined || a.passwordEnv === undefined, { error: 'give at most one of password or passwordEnv' });

/** A relay host: the smarthost, or the target of a transport override. */
const relaySchema = z.strictObject({
  /** Host name or IP; a name is resolved with A/AAAA (never MX). */
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(587),
  /** starttls: STARTTLS required; implicit: TLS from connect (465); none: plaintext (loopback only, please). */
  tls: z.enum(['starttls', 'implicit', 'opportunistic', 'none']).default('starttls'),
  /** Verify the relay's certificate (name and chain). */
  verify: z.boolean().default(true),
  auth: relayAuthSchema.optional(),
});

const transportSchema = relaySchema.extend({
  /** Recipient domain: "example.com" matches that domain only, ".example.com" every subdomain of it. */
  domain: z.string().min(1).transform((d) => d.toLowerCase()),
});

const sourceSchema = z.strictObject({
  /** Local IP to bind outgoing connections to. */
  address: z.string().refine((value) => isIP(value) !== 0, { error: 'must be an IP address' }),
  /** EHLO name used from this address (should match its PTR); defaults to hostname. */
  helo: z.string().regex(HOSTNAME, { error: 'must be a host name' }).optional(),
});

const tlsPolicySchema = z.strictObject({
  domain: z.string().min(1).transform((d) => d.toLowerCase()),
  /** none: never STARTTLS; opportunistic; required: TLS, any certificate; verify: TLS with a valid certificate for the MX name. */
  mode: z.enum(['none', 'opportunistic', 'required', 'verify']),
});

const retrySchema = z.strictObject({
  /** First retry after about this long; each later one waits twice as long (Postfix minimal_backoff_time). */
  minBackoffSeconds: positiveInt.default(300),
  /** Never wait longer than this between attempts (Postfix maximal_backoff_time). */
  maxBackoffSeconds: positiveInt.default(4000),
  /** Random spread added to each wait, as a fraction of it. */
  jitter: z.number().min(0).max(1).default(0.2),
  /** A message still undelivered after this long is bounced with 4.4.7 (Postfix maximal_queue_lifetime). */
  maxLifetimeSeconds: positiveInt.default(432_000),
  /** Longest "retry after N" hint in a 4xx reply we honour. */
  maxHintSeconds: positiveInt.default(86_400),
});

const concurrencySchema = z.strictObject({
  /** Concurrent outgoing connections in total. */
  global: positiveInt.max(10_000).default(100),
  /** Concurrent connections to one destination (an MX host set, a relay). */
  perDestination: positiveInt.max(1000).default(20),
  /** Recipients in one transaction (Postfix smtp_destination_recipient_limit is 50). */
  recipientsPerTransaction: positiveInt.max(1000).default(50),
  /** Transactions on one connection before it is closed and a new one opened. */
  messagesPerConnection: positiveInt.max(10_000).default(100),
  /** Recipients held in memory ready for delivery (the active set). */
  readySetSize: positiveInt.default(10_000),
});

const deliverySchema = z.strictObject({
  /** Run the delivery scheduler in `petrel serve`. */
  enabled: z.boolean().default(true),
  /** Our EHLO name when no source says otherwise; defaults to hostname. */
  helo: z.string().regex(HOSTNAME, { error: 'must be a host name' }).optional(),
  /** Local addresses to send from, rotated per connection; empty lets the OS choose. */
  sources: z.array(sourceSchema).default([]),
  /** TCP port of MX hosts; only tests and private networks change it. */
  mxPort: z.number().int().min(1).max(65535).default(25),
  /** Send everything through this relay instead of looking up MX records. */
  smarthost: relaySchema.optional(),
  /** Per-domain routes, like Postfix transport_maps; the most specific domain wins. */
  transports: z.array(transportSchema).default([]),
  tls: z
    .strictObject({
      /** Default for MX delivery: opportunistic STARTTLS, certificate not checked. */
      mode: z.enum(['none', 'opportunistic', 'required', 'verify']).default('opportunistic'),
      /** Per-domain overrides. */
      policies: z.array(tlsPolicySchema).default([]),
      /** Extra CA certificate files (PEM) trusted when verifying peers, relays and MTA-STS hosts. */
      caFiles: z.array(z.string().min(1)).default([]),
    })
    .prefault({}),
  mtaSts: z
    .strictObject({
      /** Fetch and enforce MTA-STS policies (RFC 8461). */
      enabled: z.boolean().default(true),
      /** HTTPS port of mta-sts.<domain>; only tests change it. */
      port: z.number().int().min(1).max(65535).default(443),
      fetchTimeoutMs: positiveInt.default(10_000),
    })
    .prefault({}),
  retry: retrySchema.prefault({}),
  concurrency: concurrencySchema.prefault({}),
  /** After this many connection failures in a row, a destination's queue waits deadBackoffSeconds. */
  deadDestinationFailures: positiveInt.default(5),
  deadBackoffSeconds: positiveInt.default(300),
  /** Send a delay DSN (NOTIFY=DELAY) once a recipient has waited this long; 0 never. */
  delayWarningSeconds: nonNegativeInt.default(14_400),
  /** More Received headers than this means a mail loop: bounce 5.4.6 (Postfix hopcount_limit). */
  maxReceivedHeaders: positiveInt.default(50),
  /** Per-phase client timeouts in seconds (RFC 5321 §4.5.3.2); unset phases use the defaults. */
  timeouts: z.partialRecord(z.enum(['connect', 'greeting', 'ehlo', 'helo', 'starttls', 'auth', 'mail', 'rcpt', 'data', 'data-block', 'data-end', 'rset', 'quit']), positiveInt).default({}),
  /** How often the scheduler looks for due mail when it has not been woken. */
  pollIntervalMs: positiveInt.max(60_000).default(1000),
});

const mtaStsServerSchema = z.strictObject({
  /** Serve https://mta-sts.<domain>/.well-known/mta-sts.txt for every sending domain. */
  enabled: z.boolean().default(true),
  /** IP to bind; MTA-STS clients fetch from port 443, so put this behind it (or bind 443 directly). */
  address: z.string().refine((value) => isIP(value) !== 0, { error: 'must be an IP address' }).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8443),
});

const dkimSchema = z.strictObject({
  /** After `dkim activate`, the replaced key stays published (in `domain records`) this long, then is retired. */
  retireDays: positiveInt.max(365).default(7),
});

const checksSchema = z.strictObject({
  /** DNS blocklists queried with each sending IP (reversed octets / IPv6 nibbles) by `domain check`. */
  ipBlocklists: z.array(z.string().regex(HOSTNAME)).default(['zen.spamhaus.org', 'bl.spamcop.net', 'b.barracudacentral.org']),
  /** Domain blocklists queried with the domain name. */
  domainBlocklists: z.array(z.string().regex(HOSTNAME)).default(['dbl.spamhaus.org', 'multi.surbl.org', 'multi.uribl.com']),
});

const inboundSchema = z.strictObject({
  /** SPF, DKIM, DMARC and ARC on the MX role, recorded in an Authentication-Results header. */
  checks: z.boolean().default(true),
  /** Our name in Authentication-Results (RFC 8601 authserv-id); defaults to hostname. */
  authservId: z.string().regex(HOSTNAME, { error: 'must be a host name' }).optional(),
  /** Refuse (550 5.7.1 at end of data) mail failing DMARC whose domain publishes p=reject. */
  rejectDmarc: z.boolean().default(true),
  /** Refuse mail whose SPF result is fail. */
  rejectSpfFail: z.boolean().default(false),
});

const bouncesSchema = z.strictObject({
  /**
   * verp: outgoing mail carries a signed return path (b+TOKEN@domain) so each bounce finds its message;
   * sender: the envelope sender is kept as submitted.
   */
  returnPath: z.enum(['verp', 'sender']).default('verp'),
  /** Domain of VERP return paths (must be a local domain). Unset: the sender's domain when it is local. */
  domain: z.string().regex(HOSTNAME, { error: 'must be a host name' }).optional(),
  /** Process DSNs and feedback reports that reach ordinary local mailboxes too (matched through their headers). */
  scanMailboxes: z.boolean().default(true),
});

const suppressionSchema = z.strictObject({
  /** drop: a suppressed recipient is left out of the message (a 'suppressed' event); refuse: 550 5.7.1 at RCPT. */
  mode: z.enum(['drop', 'refuse']).default('drop'),
});

const webhookEndpointSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  /** Name of the environment variable holding the signing secret (never the secret itself in the file). */
  secretEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
  /** Event types to send; empty: all. */
  events: z.array(z.enum(EVENT_TYPES)).default([]),
});

const webhooksSchema = z.strictObject({
  endpoints: z.array(webhookEndpointSchema).default([]),
  /** Events per request (JSON array); order is kept per endpoint. */
  batchSize: positiveInt.max(1000).default(100),
  timeoutMs: positiveInt.max(120_000).default(10_000),
  /** A batch still failing after this long is dropped (recorded) and the endpoint moves on. */
  retryHours: positiveInt.max(24 * 30).default(24),
});

const httpSchema = z.strictObject({
  /** The HTTP API (/v1), the dashboard (/), /metrics, /healthz and /readyz. */
  enabled: z.boolean().default(true),
  address: z.string().refine((value) => isIP(value) !== 0, { error: 'must be an IP address' }).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8025),
  /** Requests larger than this are refused with 413 (a message with attachments, base64). */
  bodyLimitBytes: positiveInt.default(40 * 1024 * 1024),
  /** Environment variable holding the dashboard's admin password (API keys with scope admin also sign in). */
  adminPasswordEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
  /** Serve /metrics without an API key (scrapers on a trusted network); otherwise a read key is needed. */
  publicMetrics: z.boolean().default(true),
});

const logSchema = z.strictObject({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export const configSchema = z.strictObject({
  /** Our name in the greeting, Received headers and the self-signed certificate. */
  hostname: z.string().regex(HOSTNAME, { error: 'must be a host name' }).default(() => osHostname()),
  /** Database, spool, keys and TLS material; loadConfig makes it absolute. */
  dataDir: z.string().min(1).default('./petrel-data'),
  /** Shared state: the embedded SQLite (default) or PostgreSQL for several nodes (docs/cluster.md). */
  store: storeSchema.prefault({}),
  node: nodeSchema.prefault({}),
  listeners: z
    .array(listenerSchema)
    .min(1)
    .refine((list) => new Set(list.map((l) => l.name)).size === list.length, {
      error: 'listener names must be unique',
    })
    .prefault(DEFAULT_LISTENERS),
  tls: tlsSchema.prefault({}),
  limits: limitsSchema.prefault({}),
  auth: authSchema.prefault({}),
  queue: queueSchema.prefault({}),
  dns: dnsSchema.prefault({}),
  delivery: deliverySchema.prefault({}),
  dkim: dkimSchema.prefault({}),
  mtaStsServer: mtaStsServerSchema.prefault({}),
  checks: checksSchema.prefault({}),
  inbound: inboundSchema.prefault({}),
  bounces: bouncesSchema.prefault({}),
  suppression: suppressionSchema.prefault({}),
  webhooks: webhooksSchema.prefault({}),
  http: httpSchema.prefault({}),
  sending: sendingSchema.prefault({}),
  shaping: shapingSchema.prefault({}),
  campaigns: campaignsSchema.prefault({}),
  mailboxes: mailboxesSchema.prefault({}),
  warmupNetwork: warmupNetworkSchema.prefault({}),
  log: logSchema.prefault({}),
});

export type PetrelConfig = z.infer<typeof configSchema>;
export type ListenerConfig = z.infer<typeof listenerSchema>;
export type AuthConfig = PetrelConfig['auth'];
export type DnsConfig = PetrelConfig['dns'];
export type DeliveryConfig = PetrelConfig['delivery'];
export type RelayConfig = z.infer<typeof relaySchema>;
export type LogLevel = PetrelConfig['log']['level'];

/** Split "host", "host:port" or "[v6]:port"; null when the host part is not an IP literal. */
export function parseHostPort(value: string, defaultPort: number): { host: string; port: number } | null {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  if (bracketed) return checked(bracketed[1]!, bracketed[2], defaultPort, 6);
  if (isIP(value) !== 0) return { host: value, port: defaultPort };
  const colon = value.lastIndexOf(':');
  if (colon < 0) return null;
  return checked(value.slice(0, colon), value.slice(colon + 1), defaultPort, 4);
}

function checked(host: string, port: string | undefined, defaultPort: number, family: 4 | 6) {
  const n = port === undefined ? defaultPort : Number(port);
  if (isIP(host) !== family || !Number.isInteger(n) || n < 1 || n > 65535) return null;
  return { host, port: n };
}
