import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { checkRelaySecrets, ConfigError, loadConfig } from './load.js';
import { maskSecrets, SECRET_MASK } from './mask.js';

const dir = mkdtempSync(join(tmpdir(), 'petrel-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;
function configFile(yaml: string): string {
  const file = join(dir, `config-${fileCount++}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

/** Load with an empty environment so the machine's PETREL_* variables cannot leak in. */
function load(yaml: string, env: NodeJS.ProcessEnv = {}) {
  return loadConfig({ configFile: configFile(yaml), env });
}

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ConfigError');
}

describe('loadConfig', () => {
  it('fills every default when there is no file', () => {
    const config = loadConfig({ dataDir: join(dir, 'empty'), env: {} });
    assert.equal(config.dataDir, join(dir, 'empty'));
    assert.deepEqual(config.listeners.map((l) => [l.name, l.port, l.role, l.greetingDelayMs, l.normalizeBareLf]), [
      ['mx', 2025, 'mx', 0, false],
      ['submission', 2587, 'submission', 0, false],
      ['submissions', 2465, 'submissions', 0, false],
      ['submission-alt', 2525, 'submission', 0, false],
    ]);
    assert.equal(config.limits.maxRecipients, 100);
    assert.equal(config.limits.maxMessageSize, 26_214_400);
    assert.deepEqual(config.auth.mechanisms, ['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2', 'OAUTHBEARER']);
    assert.equal(config.auth.cramMd5, true);
    assert.equal(config.tls.minVersion, 'TLSv1.2');
    assert.equal(config.queue.memoryBodyLimit, 262_144);
    assert.equal(config.log.level, 'info');
    assert.ok(config.hostname.length > 0);
  });

  it('treats an empty file as all defaults and keeps file values', () => {
    assert.equal(load('').limits.maxErrors, 10);
    const config = load('hostname: mx.example.test\nlimits:\n  maxRecipients: 5\n');
    assert.equal(config.hostname, 'mx.example.test');
    assert.equal(config.limits.maxRecipients, 5);
    assert.equal(config.limits.maxErrors, 10);
  });

  it('names the path of an unknown key', () => {
    const err = configErrorOf(() => load('limits:\n  maxRecipientz: 3\n'));
    assert.equal(err.message, 'limits.maxRecipientz: unknown key');
    assert.match(err.file ?? '', /config-\d+\.yaml$/);
  });

  it('names the path of a value of the wrong type', () => {
    const err = configErrorOf(() => load('listeners:\n  - { name: mx, address: 127.0.0.1, port: "x", role: mx }\n'));
    assert.match(err.message, /^listeners\.0\.port: expected number/);
  });

  it('rejects out-of-range values, bad enums and duplicate listener names', () => {
    assert.match(configErrorOf(() => load('limits: { maxLineLength: 100 }')).message, /^limits\.maxLineLength:/);
    assert.match(configErrorOf(() => load('tls: { minVersion: TLSv1.0 }')).message, /^tls\.minVersion:/);
    assert.match(configErrorOf(() => load('auth: { mechanisms: [PLAIN, PLAIN] }')).message, /^auth\.mechanisms:/);
    const twice = 'listeners:\n  - { name: a, address: 127.0.0.1, port: 1, role: mx }\n  - { name: a, address: ::1, port: 2, role: mx }\n';
    assert.match(configErrorOf(() => load(twice)).message, /^listeners: listener names must be unique/);
  });

  it('reports YAML syntax errors and a missing file as ConfigError', () => {
    assert.match(configErrorOf(() => load('limits: [\n')).message, /^invalid YAML/);
    assert.match(configErrorOf(() => loadConfig({ configFile: join(dir, 'missing.yaml'), env: {} })).message, /ENOENT/);
  });

  it('lets the environment override the file, and --data-dir override both', () => {
    const env = { PETREL_HOSTNAME: 'env.example.test', PETREL_LOG_LEVEL: 'debug', PETREL_DATA_DIR: join(dir, 'env') };
    const file = configFile('hostname: file.example.test\nlog: { level: warn }\ndataDir: /nowhere\n');
    const config = loadConfig({ configFile: file, env });
    assert.equal(config.hostname, 'env.example.test');
    assert.equal(config.log.level, 'debug');
    assert.equal(config.dataDir, join(dir, 'env'));
    assert.equal(loadConfig({ configFile: file, env, dataDir: join(dir, 'flag') }).dataDir, join(dir, 'flag'));
  });

  it('says which variable supplied a bad value', () => {
    const err = configErrorOf(() => load('', { PETREL_LOG_LEVEL: 'loud' }));
    assert.match(err.message, /^log\.level \(from PETREL_LOG_LEVEL\): /);
  });

  it('makes a relative dataDir absolute against the working directory', () => {
    const config = load('dataDir: ./relative-data\n');
    assert.ok(isAbsolute(config.dataDir));
    assert.equal(config.dataDir, resolve('relative-data'));
  });

  it('uses <dataDir>/petrel.yaml when no --config is given', () => {
    const dataDir = join(dir, 'discovered');
    configFileAt(join(dataDir, 'petrel.yaml'), 'limits: { maxErrors: 4 }\n');
    assert.equal(loadConfig({ dataDir, env: {} }).limits.maxErrors, 4);
  });

  it('resolves tokenEnv from the environment and fails when it is unset', () => {
    const yaml = 'auth:\n  tokens:\n    - { user: Alice@Example.com, token: inline-secret }\n    - { user: bob, tokenEnv: BOB_TOKEN }\n';
    const config = load(yaml, { BOB_TOKEN: 'from-env' });
    assert.deepEqual(config.auth.tokens, [
      { user: 'alice@example.com', token: 'inline-secret' },
      { user: 'bob', tokenEnv: 'BOB_TOKEN', token: 'from-env' },
    ]);
    const err = configErrorOf(() => load(yaml));
    assert.equal(err.message, 'auth.tokens.1.tokenEnv: environment variable BOB_TOKEN is not set');
  });

  it('requires exactly one of token and tokenEnv', () => {
    const err = configErrorOf(() => load('auth: { tokens: [{ user: bob }] }'));
    assert.match(err.message, /^auth\.tokens\.0: give exactly one of token or tokenEnv/);
  });
});

describe('relay secrets', () => {
  it('a secret named by an unset variable is a config error naming its path, raised by serve only', () => {
    const config = load('delivery: { smarthost: { host: relay.example, auth: { user: u, passwordEnv: ESP_KEY } } }', {});
    const err = configErrorOf(() => checkRelaySecrets(config, {}));
    assert.match(err.message, /^delivery\.smarthost\.auth\.passwordEnv: environment variable ESP_KEY is not set/);
    assert.doesNotThrow(() => checkRelaySecrets(config, { ESP_KEY: 'k' }));
  });

  it('password and passwordEnv together, or an OAuth refresh token given twice, are refused', () => {
    assert.match(configErrorOf(() => load('delivery: { smarthost: { host: r.example, auth: { user: u, password: p, passwordEnv: P } } }')).message, /at most one of password or passwordEnv/);
    const oauth = 'oauth: { tokenUrl: "https://t.example/token", clientId: c, refreshToken: a, refreshTokenEnv: B }';
    assert.match(configErrorOf(() => load(`delivery: { smarthost: { host: r.example, auth: { user: u, ${oauth} } } }`)).message, /exactly one of refreshToken or refreshTokenEnv/);
  });
});

describe('maskSecrets', () => {
  it('hides token values without touching the original', () => {
    const config = load('auth: { tokens: [{ user: bob, tokenEnv: T }] }', { T: 'top-secret' });
    const masked = maskSecrets(config);
    assert.equal(masked.auth.tokens[0]?.token, SECRET_MASK);
    assert.equal(masked.auth.tokens[0]?.tokenEnv, 'T');
    assert.equal(config.auth.tokens[0]?.token, 'top-secret');
    assert.ok(!JSON.stringify(masked).includes('top-secret'));
  });

  it('hides relay passwords, OAuth client secrets and refresh tokens', () => {
    const relay = '{ host: smtp.example.com, auth: { user: u, password: pw-secret, oauth: { tokenUrl: "https://t.example/token", clientId: c, clientSecret: cs-secret, refreshToken: rt-secret } } }';
    const config = load(`delivery: { smarthost: ${relay}, transports: [{ domain: x.test, host: h.example, auth: { user: u, password: tp-secret } }] }`);
    const text = JSON.stringify(maskSecrets(config));
    for (const secret of ['pw-secret', 'cs-secret', 'rt-secret', 'tp-secret']) assert.ok(!text.includes(secret), secret);
    assert.equal(config.delivery.smarthost?.auth?.password, 'pw-secret');
  });
});

function configFileAt(file: string, yaml: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, yaml);
}
