import { strict as assert } from 'node:assert';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { UsageError } from './errors.js';
import { formatFields, formatTable, readPasswordFromStdin } from './io.js';

describe('readPasswordFromStdin', () => {
  const read = (text: string) => readPasswordFromStdin(Readable.from([Buffer.from(text)]));

  it('drops one trailing newline and keeps everything else', async () => {
    assert.equal(await read('s3cret\n'), 's3cret');
    assert.equal(await read('with space \r\n'), 'with space ');
    assert.equal(await read('no-newline'), 'no-newline');
  });

  it('refuses empty, multi-line, NUL and oversized input', async () => {
    for (const bad of ['', '\n', 'one\ntwo\n', 'a\0b', 'x'.repeat(2000)]) {
      await assert.rejects(read(bad), UsageError, JSON.stringify(bad.slice(0, 10)));
    }
  });
});

describe('formatting', () => {
  it('aligns table columns without trailing spaces', () => {
    assert.equal(formatTable(['A', 'LONG'], [['xyz', '1'], ['w', '22']]), 'A    LONG\nxyz  1\nw    22\n');
  });

  it('aligns key/value lines', () => {
    assert.equal(formatFields([['id', '1'], ['state', 'queued']]), 'id:    1\nstate: queued\n');
  });
});
