// The HTTP API's frame, driven with curl against the real `petrel serve`: health, the OpenAPI
// document, API keys from the CLI, and the JSON errors every client mistake gets.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { curl } from '../kit/peers.js';
import { startPetrel, type Petrel } from '../kit/petrel.js';

describe('HTTP API frame', () => {
  let p: Petrel;
  let base: string;
  let readKey: string;

  before(async () => {
    p = await startPetrel();
    base = `http://127.0.0.1:${p.ports.http}`;
    const r = await p.cli(['apikey', 'create', 'dashboard', '--scope', 'read']);
    assert.equal(r.code, 0, r.stderr);
    readKey = r.stdout.trim();
  });
  after(async () => p?.dispose());

  /** curl: [status, parsed JSON body]. */
  async function call(path: string, args: string[] = []): Promise<[number, any]> {
    const r = await curl(['-s', '-o', '-', '-w', '\n%{http_code}', ...args, `${base}${path}`]);
    const lines = r.stdout.trimEnd().split('\n');
    const status = Number(lines.pop());
    return [status, JSON.parse(lines.join('\n') || 'null')];
  }

  test('/healthz and /readyz answer without a key', async () => {
    assert.deepEqual(await call('/healthz'), [200, { status: 'ok' }]);
    const [status, body] = await call('/readyz');
    assert.equal(status, 200);
    assert.deepEqual(body.checks, { listeners: true, database: true });
  });

  test('the OpenAPI document describes the routes', async () => {
    const [status, doc] = await call('/v1/openapi.json');
    assert.equal(status, 200);
    assert.equal(doc.openapi, '3.1.0');
    assert.ok(doc.paths['/readyz'].get.responses['503']);
  });

  test('keys: created by the CLI, listed without secrets, revoked', async () => {
    const list = await p.cli(['apikey', 'list', '--json']);
    const keys = JSON.parse(list.stdout) as Array<{ id: string; scope: string; name: string }>;
    assert.deepEqual(keys.map((k) => [k.name, k.scope]), [['dashboard', 'read']]);
    assert.ok(!list.stdout.includes(readKey.slice('pk_'.length + 13)), 'the secret is never shown again');
    const bad = await p.cli(['apikey', 'create', 'x', '--scope', 'root']);
    assert.equal(bad.code, 2);
    assert.equal((await p.cli(['apikey', 'revoke', 'nosuchkey'])).code, 1);
  });

  test('client mistakes are JSON 4xx errors', async () => {
    const [status, body] = await call('/v1/nothing-here', ['-H', `Authorization: Bearer ${readKey}`]);
    assert.equal(status, 404);
    assert.equal(body.error.code, 'not_found');
  });
});
