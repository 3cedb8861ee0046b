// The one typed schema for petrel.yaml: every setting with its default, bounds and meaning.
// Parsing fails on unknown keys (strict objects) or out-of-range values; callers get zod issues.
import { isIP } from 'node:net';
import { hostname as osHostname } from 'node:os';
import { z } from 'zod';

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

const logSchema = z.strictObject({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export const configSchema = z.strictObject({
  /** Our name in the greeting, Received headers and the self-signed certificate. */
  hostname: z.string().regex(HOSTNAME, { error: 'must be a host name' }).default(() => osHostname()),
  /** Database, spool, keys and TLS material; loadConfig makes it absolute. */
  dataDir: z.string().min(1).default('./petrel-data'),
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
  log: logSchema.prefault({}),
});

export type PetrelConfig = z.infer<typeof configSchema>;
export type ListenerConfig = z.infer<typeof listenerSchema>;
export type AuthConfig = PetrelConfig['auth'];
export type LogLevel = PetrelConfig['log']['level'];
