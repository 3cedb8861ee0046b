import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { createLogger } from './log.js';

function capture(level: 'info' | 'warn') {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ log: { level } }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { log, lines };
}

describe('createLogger', () => {
  it('writes JSON records tagged with the service at the configured level', () => {
    const { log, lines } = capture('warn');
    log.info('dropped');
    log.warn({ port: 25 }, 'kept');
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.['service'], 'petrel');
    assert.equal(lines[0]?.['msg'], 'kept');
    assert.equal(lines[0]?.['port'], 25);
  });

  it('masks fields named like secrets', () => {
    const { log, lines } = capture('info');
    log.info({ password: 'hunter2', auth: { token: 'abc' } }, 'login');
    assert.equal(lines[0]?.['password'], '***');
    assert.deepEqual(lines[0]?.['auth'], { token: '***' });
  });
});
