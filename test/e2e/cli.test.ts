// The admin CLI as an operator meets it: exit 2 with one line on stderr for usage and config
// mistakes (unknown config keys included), 1 for runtime errors, and JSON views of the queue.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { MAIN, runCli } from '../kit/petrel.js';
import { configYaml } from '../kit/config.js';
import { freePorts } from '../kit/ports.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'petrel-cli-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** `petrel serve` with a config text; resolves with its exit status (it must exit by itself). */
function serveWith(yaml: string): Promise<{ code: number | null; stderr: string }> {
  const cfg = join(dir, `bad-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(cfg, yaml);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, 'serve', '--config', cfg, '--data-dir', dir], { stdio: 'pipe' });
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.stdout.resume();
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

async function validYaml(): Promise<string> {
  const [mx, submission, submissions, alt] = await freePorts(4);
  return configYaml({ mx: mx!, submission: submission!, submissions: submissions!, alt: alt! });
}

describe('config errors exit 2', () => {
  test('an unknown top-level key', async () => {
    const r = await serveWith((await validYaml()) + 'frobnicate: true\n');
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /frobnicate/);
  });

  test('an unknown key inside limits', async () => {
    const r = await serveWith((await validYaml()).replace('maxRecipients:', 'maxRecipientz: 5\n  maxRecipients:'));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /maxRecipientz/);
  });

  test('an unknown listener role', async () => {
    const r = await serveWith((await validYaml()).replace('role: mx', 'role: lmtp'));
    assert.equal(r.code, 2, r.stderr);
  });

  test('a relay secret named by an unset environment variable', async () => {
    const yaml = (await validYaml()).replace(/^delivery:\n  enabled: false$/m, 'delivery: { enabled: false, smarthost: { host: relay.example, auth: { user: u, passwordEnv: PETREL_UNSET_SECRET_X } } }');
    const r = await serveWith(yaml);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /delivery\.smarthost\.auth\.passwordEnv: environment variable PETREL_UNSET_SECRET_X is not set/);
  });

  test('YAML that does not parse', async () => {
    const r = await serveWith('hostname: [unclosed\n');
    assert.equal(r.code, 2, r.stderr);
  });
});

describe('admin commands', () => {
  test('usage errors exit 2', async () => {
    assert.equal((await runCli(dir, ['domain', 'add'])).code, 2);
    assert.equal((await runCli(dir, ['domain', 'add', 'not a domain!'])).code, 2);
    assert.equal((await runCli(dir, ['queue', 'list', '--limit', 'abc'])).code, 2);
    assert.equal((await runCli(dir, ['no-such-command'])).code, 2);
  });

  test('domain add, then the same again fails with 1', async () => {
    const a = await runCli(dir, ['domain', 'add', 'cli.test', '--local']);
    assert.equal(a.code, 0, a.stderr);
    const b = await runCli(dir, ['domain', 'add', 'cli.test', '--local']);
    assert.equal(b.code, 1, b.stderr);
  });

  test('user add reads the password from stdin', async () => {
    const r = await runCli(dir, ['user', 'add', 'someone@cli.test', '--password-stdin'], 'pw-Secret-9\n');
    assert.equal(r.code, 0, r.stderr);
  });

  test('queue list --json on an empty queue is []; queue show of an unknown id exits 1', async () => {
    const list = await runCli(dir, ['queue', 'list', '--json']);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(JSON.parse(list.stdout), []);
    const show = await runCli(dir, ['queue', 'show', 'no-such-id', '--json']);
    assert.equal(show.code, 1, show.stderr);
  });
});
