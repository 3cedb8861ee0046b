import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StoreError } from '../store/errors.js';
import { buildIdentity, type IdentityInput } from './create.js';
import type { Identity, IdentitySecret } from './types.js';
import { mergeIdentity } from './update.js';

/** An identity as the store returns it after `identity add` with `input`. */
function stored(input: IdentityInput): { identity: Identity; secret: IdentitySecret } {
  const { secret, ...built } = buildIdentity(input);
  const from = built.from;
  return { identity: { ...built, domain: from.slice(from.lastIndexOf('@') + 1), state: 'active', createdAt: 0 }, secret: secret ?? {} };
}

const relay = stored({ name: 'r', from: 'a@out.test', via: 'relay', relayHost: 'smtp.out.test', relayPassword: 'pw', imapHost: '127.0.0.1', imapPort: 1143, imapTls: 'none', imapPassword: 'imap-pw', dailyCap: 30 });
const invalid = (message: RegExp) => (err: unknown) => err instanceof StoreError && err.code === 'invalid' && message.test(err.message);

describe('mergeIdentity', () => {
  it('changes only what is given and reports it', () => {
    const m = mergeIdentity(relay.identity, relay.secret, { imapPort: 1993, dailyCap: 50 });
    assert.deepEqual(m.identity.imap, { host: '127.0.0.1', port: 1993, tls: 'none', user: 'a@out.test', verify: true, auth: 'password' });
    assert.equal(m.identity.dailyCap, 50);
    assert.deepEqual(m.identity.relay, relay.identity.relay);
    assert.deepEqual(m.secret, { password: 'pw', imapPassword: 'imap-pw' });
    assert.deepEqual(m.changed, ['daily cap', 'imap']);
  });

  it('nothing given: nothing changes', () => {
    assert.deepEqual(mergeIdentity(relay.identity, relay.secret, {}).changed, []);
  });

  it('a new IMAP password replaces only that field of the secret', () => {
    const m = mergeIdentity(relay.identity, relay.secret, { imapPassword: 'new' });
    assert.deepEqual(m.secret, { password: 'pw', imapPassword: 'new' });
    assert.deepEqual(m.changed, ['imap password']);
  });

  it('imap: false removes the IMAP side and its password', () => {
    const m = mergeIdentity(relay.identity, relay.secret, { imap: false });
    assert.equal(m.identity.imap, undefined);
    assert.deepEqual(m.secret, { password: 'pw' });
    assert.deepEqual(m.changed, ['imap', 'imap password']);
  });

  it('adds an IMAP side to an identity without one, with add\'s rules', () => {
    const mta = stored({ name: 'm', from: 'b@out.test', via: 'mta' });
    assert.throws(() => mergeIdentity(mta.identity, mta.secret, { imapHost: 'imap.out.test' }), invalid(/--imap needs --imap-password-stdin/));
    const m = mergeIdentity(mta.identity, mta.secret, { imapHost: 'imap.out.test', imapPassword: 'x', warmupNetwork: true });
    assert.deepEqual(m.identity.imap, { host: 'imap.out.test', port: 993, tls: 'implicit', user: 'b@out.test', verify: true, auth: 'password' });
    assert.equal(m.identity.warmupNetwork, true);
    assert.deepEqual(m.changed, ['imap', 'warm-up network', 'imap password']);
  });

  it('rejects bad values as add does', () => {
    assert.throws(() => mergeIdentity(relay.identity, relay.secret, { imapPort: 70_000 }), invalid(/--imap-port must be from 1 to 65535/));
    assert.throws(() => mergeIdentity(relay.identity, relay.secret, { warmup: '9,1' }), invalid(/--warmup/));
    assert.throws(() => mergeIdentity(relay.identity, relay.secret, { source: '10.0.0.1' }), invalid(/--source is for --via mta/));
  });

  it('a new preset fills its own servers and caps; via mta drops the relay and its secrets', () => {
    const m = mergeIdentity(relay.identity, relay.secret, { preset: 'gmail' });
    assert.equal(m.identity.relay?.host, 'smtp.gmail.com');
    assert.equal(m.identity.imap?.host, 'imap.gmail.com');
    assert.equal(m.identity.dailyCap, 40);
    const mta = mergeIdentity(relay.identity, relay.secret, { via: 'mta' });
    assert.equal(mta.identity.relay, undefined);
    assert.deepEqual(mta.secret, { imapPassword: 'imap-pw' });
  });

  it('a new from address moves logins that were the old address', () => {
    const m = mergeIdentity(relay.identity, relay.secret, { from: 'New@Out.test' });
    assert.equal(m.identity.relay?.user, 'new@out.test');
    assert.equal(m.identity.imap?.user, 'new@out.test');
  });

  it('turns warm-up network off', () => {
    const on = stored({ name: 'w', from: 'c@out.test', via: 'mta', warmupNetwork: true });
    const m = mergeIdentity(on.identity, on.secret, { warmupNetwork: false });
    assert.equal(m.identity.warmupNetwork, undefined);
    assert.deepEqual(m.changed, ['warm-up network']);
  });
});
