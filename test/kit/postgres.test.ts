// The private PostgreSQL kit itself: starts as a non-root user, answers SQL, survives stop/start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startPostgres } from './postgres.js';

test('a private PostgreSQL cluster starts, answers, stops and starts again with its data', async () => {
  const pg = await startPostgres();
  try {
    await pg.psql('CREATE TABLE t (n int); INSERT INTO t VALUES (7)');
    await pg.stop();
    await assert.rejects(pg.psql('SELECT 1'));
    await pg.start();
    assert.equal(await pg.psql('SELECT n FROM t'), '7');
    assert.equal(await pg.psql('SELECT current_user'), 'petrel');
  } finally {
    await pg.destroy();
  }
});
