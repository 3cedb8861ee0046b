// Loads the effective configuration: defaults, then the YAML file, then environment and flags, then
// validation. Any problem (unreadable file, bad YAML, unknown key, bad value, missing env) is a ConfigError.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { configSchema, type PetrelConfig } from './schema.js';
import { ConfigError, describeIssues } from './errors.js';

export { ConfigError } from './errors.js';

export interface LoadOptions {
  /** Explicit --config file; must exist. */
  configFile?: string;
  /** --data-dir; beats PETREL_DATA_DIR and the file. */
  dataDir?: string;
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

/** Where `petrel init` writes and where the loader looks when no --config is given. */
export function defaultConfigFile(dataDir: string): string {
  return join(resolve(dataDir), 'petrel.yaml');
}

/** The data directory chosen before any file is read: flag, then environment, then the default. */
export function dataDirFromFlags(opts: LoadOptions): string | undefined {
  return opts.dataDir ?? (opts.env ?? process.env)['PETREL_DATA_DIR'];
}

/**
 * Load and validate the configuration; throws ConfigError naming the offending setting.
 * @example loadConfig({ dataDir: '/var/lib/petrel' }).limits.maxRecipients // 100 unless configured
 */
export function loadConfig(opts: LoadOptions = {}): PetrelConfig {
  const env = opts.env ?? process.env;
  const file = opts.configFile ?? discoverConfigFile(dataDirFromFlags(opts));
  const raw = file === undefined ? {} : readConfigFile(file);
  const overridden = applyOverrides(raw, opts, env);
  const parsed = configSchema.safeParse(overridden.raw);
  if (!parsed.success) {
    throw new ConfigError(explainEnv(describeIssues(parsed.error.issues), overridden.sources), file);
  }
  return finish(parsed.data, env, file);
}

function discoverConfigFile(dataDir: string | undefined): string | undefined {
  const candidate = defaultConfigFile(dataDir ?? './petrel-data');
  return existsSync(candidate) ? candidate : undefined;
}

/** Parse a YAML file into a plain object; an empty file means "all defaults". */
export function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, file);
  }
  return parseConfigText(text, file);
}

/** Validate configuration text as a file would be, without environment overrides. */
export function checkConfigText(text: string): PetrelConfig {
  const parsed = configSchema.safeParse(parseConfigText(text));
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error.issues));
  return parsed.data;
}

/** Parse YAML text into a plain object; an empty document means "all defaults". */
export function parseConfigText(text: string, file?: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true });
  } catch (err) {
    throw new ConfigError(`invalid YAML: ${firstLine((err as Error).message)}`, file);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError('(root): expected a mapping of settings', file);
  }
  return doc as Record<string, unknown>;
}

/** Which setting each environment variable fed, so errors can say where a bad value came from. */
type Sources = Map<string, string>;

function applyOverrides(raw: Record<string, unknown>, opts: LoadOptions, env: NodeJS.ProcessEnv) {
  const out: Record<string, unknown> = { ...raw };
  const sources: Sources = new Map();
  if (env['PETREL_HOSTNAME']) {
    out['hostname'] = env['PETREL_HOSTNAME'];
    sources.set('hostname', 'PETREL_HOSTNAME');
  }
  if (env['PETREL_LOG_LEVEL']) {
    const log = isRecord(out['log']) ? out['log'] : {};
    out['log'] = { ...log, level: env['PETREL_LOG_LEVEL'] };
    sources.set('log.level', 'PETREL_LOG_LEVEL');
  }
  const dataDir = dataDirFromFlags(opts);
  if (dataDir) out['dataDir'] = dataDir;
  return { raw: out, sources };
}

/** Append "(from VAR)" to each "path:" in the message that an environment variable supplied. */
function explainEnv(message: string, sources: Sources): string {
  return message.replace(/(^|; )([\w.]+):/g, (match, lead: string, path: string) => {
    const variable = sources.get(path);
    return variable ? `${lead}${path} (from ${variable}):` : match;
  });
}

/** Make paths absolute and resolve token secrets from the environment. */
function finish(config: PetrelConfig, env: NodeJS.ProcessEnv, file: string | undefined): PetrelConfig {
  const tokens = config.auth.tokens.map((entry, index) => {
    if (entry.tokenEnv === undefined) return entry;
    const secret = env[entry.tokenEnv];
    if (!secret) {
      const problem = `environment variable ${entry.tokenEnv} is not set`;
      throw new ConfigError(`auth.tokens.${index}.tokenEnv: ${problem}`, file);
    }
    return { ...entry, token: secret };
  });
  const certificates = config.tls.certificates.map((c) => ({ cert: resolve(c.cert), key: resolve(c.key) }));
  return {
    ...config,
    dataDir: resolve(config.dataDir),
    tls: { ...config.tls, certificates },
    auth: { ...config.auth, tokens },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? text;
}

/**
 * Every relay secret named by an environment variable must be set. Only `petrel serve` asks: the
 * admin commands never need delivery secrets and must work in a shell without them.
 */
export function checkRelaySecrets(config: PetrelConfig, env: NodeJS.ProcessEnv = process.env, file?: string): void {
  const { smarthost, transports } = config.delivery;
  const relays = [
    ...(smarthost ? [{ path: 'delivery.smarthost', relay: smarthost }] : []),
    ...transports.map((relay, i) => ({ path: `delivery.transports.${i}`, relay })),
  ];
  for (const { path, relay } of relays) {
    const a = relay.auth;
    const named: Array<[string, string | undefined]> = [
      ['auth.passwordEnv', a?.passwordEnv],
      ['auth.oauth.clientSecretEnv', a?.oauth?.clientSecretEnv],
      ['auth.oauth.refreshTokenEnv', a?.oauth?.refreshTokenEnv],
    ];
    for (const [key, variable] of named) {
      if (variable !== undefined && !env[variable]) {
        throw new ConfigError(`${path}.${key}: environment variable ${variable} is not set`, file);
      }
    }
  }
}
