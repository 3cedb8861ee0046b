// Tests for reading a body back and replacing its header section, in memory and in the spool file,
// as the inbound checks do before commit. Uses a temporary directory.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { after, test } from 'node:test';
import { replaceAuthResults } from '../auth/auth-results.js';
import { BodyAccumulator } from './body.js';

const dir = mkdtempSync(join(tmpdir(), 'petrel-body-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const OURS = 'Authentication-Results: mx.petrel.test; spf=pass\r\n';
const HEAD = 'Received: by mx\r\nAuthentication-Results: mx.petrel.test; dkim=pass\r\nAuthentication-Results: other.test; dkim=pass\r\n';
const rewrite = (h: Buffer) => replaceAuthResults(h, OURS, 'mx.petrel.test');
const expectedHead = OURS + 'Received: by mx\r\nAuthentication-Results: other.test; dkim=pass\r\n';

function fill(body: BodyAccumulator, message: string): void {
  for (let i = 0; i < message.length; i += 1000) body.append(Buffer.from(message.slice(i, i + 1000)));
}

test('memory: contents reads back, rewriteHeader replaces only the header section', async () => {
  const message = HEAD + '\r\nbody line\r\n';
  const body = new BodyAccumulator(join(dir, 'm1'), 1 << 20);
  fill(body, message);
  assert.equal(await text(body.contents()), message);
  body.rewriteHeader(rewrite);
  const stored = await body.finish();
  assert.equal(stored.kind, 'memory');
  const expected = expectedHead + '\r\nbody line\r\n';
  assert.equal(stored.kind === 'memory' && stored.data.toString(), expected);
  assert.equal(stored.size, Buffer.byteLength(expected));
});

test('spool: the rewritten file replaces the old one and keeps the rest byte for byte', async () => {
  const rest = '\r\n' + 'x'.repeat(3_000_000) + '\r\n';
  const file = join(dir, 's1');
  const body = new BodyAccumulator(file, 1024);
  fill(body, HEAD + rest);
  assert.equal(await text(body.contents()), HEAD + rest);
  body.rewriteHeader(rewrite);
  const stored = await body.finish();
  assert.equal(stored.kind, 'spool');
  assert.equal(readFileSync(file, 'latin1'), expectedHead + rest);
  assert.equal(stored.size, Buffer.byteLength(expectedHead + rest));
  assert.equal(existsSync(file + '.rw'), false);
});

test('memory: a rewrite that grows past the memory limit spills to the spool', async () => {
  const file = join(dir, 'm2');
  const message = 'Subject: a\r\n\r\nbody\r\n';
  const body = new BodyAccumulator(file, message.length + 10);
  fill(body, message);
  body.rewriteHeader(rewrite);
  assert.equal(body.bufferedBytes, 0);
  const stored = await body.finish();
  assert.equal(stored.kind, 'spool');
  assert.equal(readFileSync(file, 'latin1'), OURS + message);
});

test('a message without a header section only gets our field in front', async () => {
  const body = new BodyAccumulator(join(dir, 'm3'), 1 << 20);
  fill(body, '\r\njust a body\r\n');
  body.rewriteHeader(rewrite);
  const stored = await body.finish();
  assert.equal(stored.kind === 'memory' && stored.data.toString(), OURS + '\r\njust a body\r\n');
});
