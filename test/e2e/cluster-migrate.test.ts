// Cluster mode, migration: a single-node data directory's shared state goes into PostgreSQL with
// `petrel migrate-store --to postgres` (twice: the second run changes nothing), then that directory
// starts as node-a and a fresh node-b on the same PostgreSQL serves its users, suppressions and keys.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { configYaml } from '../kit/config.js';
import { curl, swaks } from '../kit/peers.js';
import { ALICE, startPetrel, type Petrel } from '../kit/petrel.js';
import { startPostgres, type Postgres } from '../kit/postgres.js';
import { freePort } from '../kit/ports.js';
import { requireTool } from '../kit/tools.js';

interface Report {
  tables: { table: string; rows: number; unchanged: number }[];
  events: number;
}

let pg: Postgres;
let a: Petrel;
let b: Petrel | undefined;
let apiKey = '';
let localEvents = 0;

const SUPPRESSED = 'gone@dest.test';

before(async () => {
  requireTool('swaks');
  pg = await startPostgres();
  a = await startPetrel({ log: { level: 'warn' } });
  const key = await a.cli(['apikey', 'create', 'migrated', '--scope', 'read']);
  assert.equal(key.code, 0, key.stderr);
  apiKey = key.stdout.trim();
  const sup = await a.cli(['suppress', 'add', SUPPRESSED, '--note', 'before the cluster']);
  assert.equal(sup.code, 0, sup.stderr);
  const unsub = await a.cli(['suppress', 'add', 'left@dest.test', '--reason', 'unsubscribe']); // an event too
  assert.equal(unsub.code, 0, unsub.stderr);
  await a.stop();
  localEvents = countLocalEvents(a.dataDir);
});
after(async () => {
  await b?.dispose();
  await a?.dispose();
  await pg?.destroy();
});

function countLocalEvents(dataDir: string): number {
  const db = new Database(join(dataDir, 'petrel.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** Rewrite node A's petrel.yaml with cluster settings (the kit wrote it from no options). */
function configure(url: string | null): void {
  const cluster = url === null ? {} : { store: { postgres: { url, poolSize: 4 } }, node: { name: 'node-a', deadAfterSeconds: 3 } };
  writeFileSync(a.configPath, configYaml(a.ports, { log: { level: 'warn' }, ...cluster }));
}

function rowsOf(r: Report, table: string): { rows: number; unchanged: number } {
  return r.tables.find((t) => t.table === table) ?? { rows: 0, unchanged: 0 };
}

test('usage errors exit 2, an unreachable PostgreSQL exits 1', async (t) => {
  const started = Date.now();
  const noStore = await a.cli(['migrate-store', '--to', 'postgres']);
  assert.equal(noStore.code, 2, noStore.stderr);
  assert.match(noStore.stderr, /store\.postgres/);
  configure(pg.url);
  const wrongTo = await a.cli(['migrate-store', '--to', 'mysql']);
  assert.equal(wrongTo.code, 2, wrongTo.stderr);
  configure(`postgres://petrel@127.0.0.1:${await freePort()}/petrel`);
  const away = await a.cli(['migrate-store', '--to', 'postgres']);
  assert.equal(away.code, 1, away.stderr);
  assert.match(away.stderr, /PostgreSQL is not reachable/);
  t.diagnostic(`usage checks took ${Date.now() - started} ms`);
});

test('migrate-store copies the shared rows and events; a second run changes nothing', async () => {
  configure(pg.url);
  const first = await a.cli(['migrate-store', '--to', 'postgres', '--json']);
  assert.equal(first.code, 0, first.stderr);
  const r1 = JSON.parse(first.stdout) as Report;
  assert.equal(rowsOf(r1, 'users').rows, 2);
  assert.equal(rowsOf(r1, 'domains').rows, 3);
  assert.equal(rowsOf(r1, 'api_keys').rows, 1);
  assert.equal(rowsOf(r1, 'suppressions').rows, 2);
  assert.equal(rowsOf(r1, 'users').unchanged, 0);
  assert.ok(localEvents > 0, 'the message left no events');
  assert.equal(r1.events, localEvents);
  assert.equal(await pg.psql('SELECT count(*) FROM users'), '2');

  const second = await a.cli(['migrate-store', '--to', 'postgres', '--json']);
  assert.equal(second.code, 0, second.stderr);
  const r2 = JSON.parse(second.stdout) as Report;
  for (const t of r2.tables) assert.equal(t.unchanged, t.rows, `${t.table}: the second run changed rows`);
  assert.equal(r2.events, 0);
  assert.equal(await pg.psql("SELECT count(*) FROM events WHERE node = 'node-a'"), String(localEvents));
  const text = await a.cli(['migrate-store', '--to', 'postgres']);
  assert.match(text.stdout, /events shipped: 0/);
});

test('the migrated directory joins as node-a; a fresh node-b serves its users, suppressions and API keys', async () => {
  await a.restart();
  b = await startPetrel({
    log: { level: 'warn' },
    setup: [],
    secretKey: readFileSync(join(a.dataDir, 'keys', 'secret.key')),
    store: { postgres: { url: pg.url, poolSize: 4 } },
    node: { name: 'node-b', deadAfterSeconds: 3 },
  });
  const auth = await swaks(['--server', `127.0.0.1:${b.ports.submission}`, '--tls', '--auth', 'PLAIN',
    '--auth-user', ALICE.user, '--auth-password', ALICE.password, '--quit-after', 'AUTH']);
  assert.match(auth.stdout, /235 /, auth.stdout);
  const listed = await b.cli(['suppress', 'list', '--json']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.ok((JSON.parse(listed.stdout) as { address: string }[]).some((e) => e.address === SUPPRESSED), listed.stdout);
  const api = await curl(['-s', '-w', '\n%{http_code}', '-H', `Authorization: Bearer ${apiKey}`, `http://127.0.0.1:${b.ports.http}/v1/suppressions`]);
  assert.match(api.stdout, /\n200$/, api.stdout);
  assert.ok(api.stdout.includes(SUPPRESSED), api.stdout);
  assert.equal(await pg.psql("SELECT count(*) FROM events WHERE node = 'node-a'"), String(localEvents),
    'events were shipped again, or lost');
});
