// The `store` and `node` sections of petrel.yaml: where shared state lives (the embedded SQLite by
// default; PostgreSQL for several nodes, docs/cluster.md) and this node's name in a cluster.
import { z } from 'zod';

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be an environment variable name' });

const postgresSchema = z
  .strictObject({
    /** postgres://user:password@host:port/database (libpq URL; sslmode and the rest as query parameters). */
    url: z.string().regex(/^postgres(ql)?:\/\//, { error: 'must be a postgres:// URL' }).optional(),
    /** Environment variable holding the URL instead, so the password stays out of the file. */
    urlEnv: envName.optional(),
    /** Connections this node keeps open to PostgreSQL. */
    poolSize: z.number().int().min(2).max(100).default(10),
    /** A statement that takes longer is cancelled (and the work it belonged to retried later). */
    statementTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
  })
  .refine((p) => (p.url === undefined) !== (p.urlEnv === undefined), { error: 'set exactly one of url and urlEnv' });

export const storeSchema = z.strictObject({
  /** Share users, domains, keys, suppressions, identities, campaigns and events with other nodes. */
  postgres: postgresSchema.optional(),
});

export const nodeSchema = z.strictObject({
  /** This node's name in the cluster (unique; a moved data directory keeps it). Default: the host name. */
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, { error: 'letters, digits, ".", "_" and "-"' }).optional(),
  /** Where other nodes reach this node's HTTP API (message traces are forwarded here). Default: http.address:http.port. */
  apiUrl: z.string().regex(/^https?:\/\//, { error: 'must be an http(s):// URL' }).optional(),
  /** A node whose heartbeat is older than this is dead: its mailboxes and webhook endpoints move. */
  deadAfterSeconds: z.number().min(2).max(600).default(10),
});

export type StoreConfig = z.infer<typeof storeSchema>;
export type NodeConfig = z.infer<typeof nodeSchema>;
