// The outbound SMTP client against postfix's smtp-sink over loopback: pipelining (what went in one
// write), fault injection (4xx, 5xx, disconnect, 421 after the dot) and connection reuse.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { codes, message, session, writeNumberOf, writeOf } from '../kit/client.js';
import { freePort } from '../kit/ports.js';
import { startSink, type Sink } from '../kit/sink.js';

describe('against postfix smtp-sink', () => {
  const sinks: Sink[] = [];
  after(async () => {
    for (const s of sinks) await s.stop();
  });

  /** Starts smtp-sink (test/kit/sink.ts) with `flags` on a free loopback port. */
  async function sink(flags: string[] = []): Promise<Sink> {
    const started = await startSink('127.0.0.1', await freePort(), flags);
    sinks.push(started);
    return started;
  }

  test('pipelined delivery: MAIL, every RCPT and DATA in one write; DSN parameters; dot-stuffing', async () => {
    const { port, messages } = await sink();
    const { s, log } = await session({ port });
    const body = 'Subject: sink\r\n\r\n.leading dot\r\n..two\r\nlone LF\nlone CR\rlast line';
    const rcpts = [{ address: 'a@sink.test', notify: ['SUCCESS', 'FAILURE'], orcpt: 'rfc822;a+x@sink.test' }, 'b@sink.test', 'c@sink.test'];
    const r = await s.send(message('from@client.test', rcpts, body, { envid: 'env 1', ret: 'HDRS' }));
    assert.deepEqual(codes(r.recipients), ['250 2.0.0', '250 2.0.0', '250 2.0.0']);
    assert.equal(r.pipelined, true);
    assert.deepEqual(writeOf(log, writeNumberOf(log, 'MAIL')), [
      'MAIL FROM:<from@client.test> RET=HDRS ENVID=env+201',
      'RCPT TO:<a@sink.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a+2Bx@sink.test',
      'RCPT TO:<b@sink.test>',
      'RCPT TO:<c@sink.test>',
      'DATA',
    ]);
    await s.quit();
    const [dump] = messages();
    assert.equal(dump?.mailArgs, '<from@client.test> RET=HDRS ENVID=env+201');
    assert.equal(dump?.rcptArgs[0], '<a@sink.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a+2Bx@sink.test');
    assert.ok(dump!.content.endsWith('Subject: sink\n\n.leading dot\n..two\nlone LF\nlone CR\nlast line\n\n'), JSON.stringify(dump!.content.slice(-120)));
  });

  test('4xx RCPT rejects (smtp-sink -r RCPT): deferred per recipient, no DATA', async () => {
    const { port } = await sink(['-r', 'RCPT']);
    const { s, log } = await session({ port });
    const r = await s.send(message('from@client.test', ['a@sink.test', 'b@sink.test'], 'Subject: x\r\n\r\nx\r\n'));
    assert.deepEqual(codes(r.recipients), ['450 4.3.0', '450 4.3.0']);
    assert.equal(r.recipients[0]!.remote, true);
    assert.ok(!log.some(([d, l]) => d === 'C' && l === 'DATA'));
    assert.equal(s.usable, true);
    await s.quit();
  });

  test('5xx RCPT rejects (smtp-sink -f RCPT): permanent per recipient', async () => {
    const { port } = await sink(['-f', 'RCPT']);
    const { s } = await session({ port });
    const r = await s.send(message('from@client.test', ['a@sink.test'], 'Subject: x\r\n\r\nx\r\n'));
    assert.deepEqual(codes(r.recipients), ['500 5.3.0']);
    await s.quit();
  });

  test('a disconnect without reply (smtp-sink -q RCPT): 4.4.2 deferral, session unusable', async () => {
    const { port } = await sink(['-q', 'RCPT']);
    const { s } = await session({ port });
    const r = await s.send(message('from@client.test', ['a@sink.test', 'b@sink.test'], 'Subject: x\r\n\r\nx\r\n'));
    assert.deepEqual(codes(r.recipients), ['451 4.4.2', '451 4.4.2']);
    assert.equal(r.recipients[0]!.phase, 'rcpt');
    assert.equal(r.recipients[0]!.mayBeDuplicate, undefined);
    assert.equal(s.usable, false);
    await s.quit();
  });

  test('421 after the final dot (smtp-sink -Q .): may be delivered twice', async () => {
    const { port } = await sink(['-Q', '.']);
    const { s } = await session({ port });
    const r = await s.send(message('from@client.test', ['a@sink.test'], 'Subject: x\r\n\r\nx\r\n'));
    assert.deepEqual(codes(r.recipients), ['421 4.0.0']);
    assert.equal(r.recipients[0]!.mayBeDuplicate, true);
    assert.match(r.recipients[0]!.text, /message may be delivered twice/);
    assert.equal(s.usable, false);
  });

  test('one connection for three messages: RSET pipelined before the second and third', async () => {
    const { port, messages } = await sink();
    const { s, log } = await session({ port });
    for (let i = 1; i <= 3; i++) {
      const r = await s.send(message(`m${i}@client.test`, ['a@sink.test'], `Subject: ${i}\r\n\r\nbody ${i}\r\n`));
      assert.deepEqual(codes(r.recipients), ['250 2.0.0'], `message ${i}`);
    }
    assert.equal(s.transactions, 3);
    await s.quit();
    assert.deepEqual(writeOf(log, writeNumberOf(log, 'MAIL FROM:<m3@')), ['RSET', 'MAIL FROM:<m3@client.test>', 'RCPT TO:<a@sink.test>', 'DATA']);
    assert.equal(log.filter(([d, l]) => d === 'C' && l === 'RSET').length, 2);
    assert.equal(messages().length, 3);
  });
});
