// Self-tests of the end-to-end kit: reply parsing, dot-stuffing, token extraction, the raw client
// against a tiny scripted loopback server, and config generation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import YAML from 'yaml';
import { parseReply, RawSmtp } from './raw-smtp.js';
import { dotStuff } from './mail.js';
import { tokenOf } from './load.js';
import { buildConfig } from './config.js';

test('parseReply: single, multi-line, incomplete', () => {
  assert.equal(parseReply(Buffer.from('250 ok\r\n'))?.reply.code, 250);
  const multi = parseReply(Buffer.from('250-a\r\n250-b\r\n250 c\r\n354 next\r\n'));
  assert.deepEqual(multi?.reply.lines, ['a', 'b', 'c']);
  assert.equal(multi?.used, 21);
  assert.equal(parseReply(Buffer.from('250-a\r\n250 b')), null);
});

test('dotStuff and tokenOf', () => {
  assert.equal(dotStuff('a\r\n.b\r\n..c'), 'a\r\n..b\r\n...c\r\n.\r\n');
  assert.equal(tokenOf(Buffer.from('Subject: x\r\nX-Load-Token: t1x2\r\n\r\nbody')), 't1x2');
  assert.equal(tokenOf(Buffer.from('no token')), null);
});

test('buildConfig uses the four standard listeners and merges overrides', () => {
  const cfg = buildConfig({ mx: 1, submission: 2, submissions: 3, alt: 4 }, {
    listeners: { mx: { greetingDelayMs: 5 } },
    limits: { maxRecipients: 3 },
  });
  const parsed = YAML.parse(YAML.stringify(cfg)) as { listeners: { name: string; port: number; greetingDelayMs?: number }[]; limits: Record<string, number> };
  assert.deepEqual(parsed.listeners.map((l) => [l.name, l.port]), [['mx', 1], ['submission', 2], ['submissions', 3], ['submission-alt', 4]]);
  assert.equal(parsed.listeners[0]!.greetingDelayMs, 5);
  assert.equal(parsed.limits.maxRecipients, 3);
  assert.equal(parsed.limits.maxLineLength, 2048);
});

test('RawSmtp reads replies split across segments and sees the close', async () => {
  const server = createServer((s: Socket) => {
    s.write('220-hello\r\n22');
    setTimeout(() => s.write('0 there\r\n'), 20);
    s.on('data', () => {
      s.write('250 o');
      setTimeout(() => s.end('k\r\n'), 20);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  try {
    const c = await RawSmtp.connect(port, { timeoutMs: 3000 });
    const g = await c.expect('220');
    assert.deepEqual(g.lines, ['hello', 'there']);
    await c.cmd('NOOP', '250');
    assert.ok(await c.waitClosed(3000));
    await assert.rejects(c.read(500), /closed/);
  } finally {
    server.close();
  }
});
