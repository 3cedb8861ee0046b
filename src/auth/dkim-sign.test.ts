import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { makeTempStore, type TempStore } from '../store/testkit.js';
import { createDkimKey, listDkimKeys } from './dkim-keys.js';
import { DkimSigner, fromDomain, signingLines } from './dkim-sign.js';
import { domainRecords } from './records.js';

const MESSAGE = [
  'Received: from client (client [192.0.2.9]) by mx',
  'From: Alice <alice@example.com>',
  'To: bob@example.org',
  'Subject: hello',
  '  folded subject',
  'Date: Sat, 28 Nov 2026 20:00:00 +0000',
  'Message-ID: <1@example.com>',
  'List-Unsubscribe: <https://example.com/u/1>',
  'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
  'X-Unsigned: anything',
  '',
  'Body line one  ',
  '',
  '',
].join('\r\n');

// Verifies every DKIM-Signature with python3-dkim (Debian's); the system interpreter, not pyenv's.
const PYTHON_VERIFY = `
import sys, json, dkim
records = json.loads(sys.argv[1])
msg = sys.stdin.buffer.read()
def dnsfunc(name, timeout=5):
    value = records.get(name.decode().rstrip('.'))
    return value.encode() if value else None
d = dkim.DKIM(msg)
count = sum(1 for line in msg.split(b'\\r\\n') if line.lower().startswith(b'dkim-signature:'))
print(json.dumps([d.verify(idx=i, dnsfunc=dnsfunc) for i in range(count)]))
`;

describe('DKIM signing', () => {
  let store: TempStore;
  let signer: DkimSigner;
  let txt: Map<string, string[]>;
  beforeEach(() => {
    store = makeTempStore();
    createDkimKey(store.db, store.dataDir, 'example.com', 'rsa-sha256', 'active');
    createDkimKey(store.db, store.dataDir, 'example.com', 'ed25519-sha256', 'active');
    signer = new DkimSigner(store.db, store.dataDir);
    const records = domainRecords({ domain: 'example.com', hostname: 'mx.example.com', local: false, sources: [], keys: listDkimKeys(store.db) });
    txt = new Map(records.filter((r) => r.type === 'TXT').map((r) => [r.name, r.strings]));
  });
  afterEach(() => store.cleanup());

  const resolver = async (name: string, rrtype: string) => {
    const strings = rrtype === 'TXT' ? txt.get(name.replace(/\.$/, '')) : undefined;
    if (strings === undefined) throw Object.assign(new Error(`no ${rrtype} ${name}`), { code: 'ENOTFOUND' });
    return [strings];
  };
  const verify = async (message: string) => (await dkimVerify(Buffer.from(message), { resolver })).results;

  it('signs with the RSA and the Ed25519 key; mailauth verifies both', async () => {
    const sig = await signer.signatureFor('bounces.example.net', Buffer.from(MESSAGE));
    assert.ok(sig !== null);
    assert.equal((sig.match(/^DKIM-Signature:/gm) ?? []).length, 2);
    assert.ok(sig.endsWith('\r\n'));
    const results = await verify(sig + MESSAGE);
    assert.deepEqual(results.map((r) => [r.status.result, r.algo, r.signingDomain]), [['pass', 'rsa-sha256', 'example.com'], ['pass', 'ed25519-sha256', 'example.com']]);
    assert.match(sig, /c=relaxed\/relaxed/);
  });

  it('python3-dkim verifies both signatures too (it must be installed)', async () => {
    const sig = await signer.signatureFor('example.com', Readable.from([Buffer.from(MESSAGE)]));
    const records = JSON.stringify(Object.fromEntries([...txt].map(([name, strings]) => [name, strings.join('')])));
    const run = spawnSync('/usr/bin/python3', ['-c', PYTHON_VERIFY, records], { input: sig + MESSAGE, encoding: 'utf8', timeout: 30_000 });
    assert.equal(run.status, 0, `python3-dkim failed: ${run.error?.message ?? ''} ${run.stderr}`);
    assert.deepEqual(JSON.parse(run.stdout), [true, true]);
  });

  it('signs the recommended fields present, From once more, and the List-Unsubscribe pair', async () => {
    const sig = await signer.signatureFor('example.com', Buffer.from(MESSAGE));
    const h = /h=([^;]+);/.exec(sig!.replace(/\r\n\s+/g, ''))?.[1]?.split(':').map((s) => s.trim().toLowerCase());
    assert.deepEqual(h, ['from', 'from', 'subject', 'date', 'to', 'message-id', 'list-unsubscribe', 'list-unsubscribe-post']);
  });

  it('a From field added later breaks the signature (over-signing)', async () => {
    const sig = await signer.signatureFor('example.com', Buffer.from(MESSAGE));
    const results = await verify(sig + 'From: mallory@evil.test\r\n' + MESSAGE);
    assert.deepEqual(results.map((r) => r.status.result), ['fail', 'fail']);
  });

  it('picks the From domain over the envelope one, and returns null for domains without keys', async () => {
    assert.equal(await signer.signatureFor('example.com', Buffer.from(MESSAGE.replace('alice@example.com', 'alice@other.test'))), null);
    const noFrom = MESSAGE.replace(/^From: .*\r\n/m, '');
    assert.match((await signer.signatureFor('Example.COM', Buffer.from(noFrom))) ?? '', /d=example\.com/);
    assert.equal(await signer.signatureFor('other.test', Buffer.from(noFrom)), null);
  });

  it('reads the From domain from display forms', () => {
    const h = (v: string) => [{ key: 'from', line: Buffer.from(`From: ${v}`) }];
    assert.equal(fromDomain(h('"a@b.test" <x@Real.Test>')), 'real.test');
    assert.equal(fromDomain(h('x@plain.test (comment)')), 'plain.test');
    assert.equal(fromDomain(h('undisclosed')), null);
    assert.equal(signingLines(h('x@y.test')).keys, 'From: From');
  });
});
