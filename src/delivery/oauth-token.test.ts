import { strict as assert } from 'node:assert';
import { afterEach, describe, it } from 'node:test';
import { startTokenServer, type TokenServer, type TokenServerOptions } from '../../test/kit/oauth-server.js';
import { OAuthError, OAuthTokenSupplier } from './oauth-token.js';

const CLIENT = { clientId: 'petrel-client', clientSecret: 'client-secret-value', refreshToken: 'refresh-one' };

describe('OAuthTokenSupplier', () => {
  let server: TokenServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function start(opts: Partial<TokenServerOptions> = {}): Promise<TokenServer> {
    let n = 0;
    server = await startTokenServer({ ...CLIENT, accessToken: () => `access-${++n}`, ...opts });
    return server;
  }

  it('fetches a token with the refresh grant and caches it', async () => {
    const endpoint = await start();
    const scope = 'https://outlook.office.com/SMTP.Send';
    const oauth = new OAuthTokenSupplier({ tokenUrl: endpoint.url, ...CLIENT, scope });
    assert.equal(await oauth.token(), 'access-1');
    assert.equal(await oauth.token(), 'access-1');
    assert.deepEqual(endpoint.requests, [
      {
        grant_type: 'refresh_token',
        client_id: 'petrel-client',
        client_secret: 'client-secret-value',
        refresh_token: 'refresh-one',
        scope,
      },
    ]);
  });

  it('refreshes 60 s before expiry and after invalidate()', async () => {
    const endpoint = await start({ expiresIn: 3600 });
    let clock = 1_000_000;
    const oauth = new OAuthTokenSupplier({ tokenUrl: endpoint.url, ...CLIENT, now: () => clock });
    assert.equal(await oauth.token(), 'access-1');
    clock += 3539_000;
    assert.equal(await oauth.token(), 'access-1');
    clock += 1000;
    assert.equal(await oauth.token(), 'access-2');
    oauth.invalidate();
    assert.equal(await oauth.token(), 'access-3');
    assert.equal(endpoint.requests.length, 3);
  });

  it('surfaces invalid_grant and invalid_client without secrets in the message', async () => {
    const endpoint = await start();
    const wrongGrant = new OAuthTokenSupplier({ tokenUrl: endpoint.url, ...CLIENT, refreshToken: 'refresh-stale' });
    await assert.rejects(wrongGrant.token(), (err: unknown) => {
      assert.ok(err instanceof OAuthError);
      assert.deepEqual([err.error, err.status, err.permanent], ['invalid_grant', 400, true]);
      assert.equal(err.description, 'token expired or revoked');
      assert.doesNotMatch(err.message, /refresh-stale|client-secret-value/);
      return true;
    });
    const wrongClient = new OAuthTokenSupplier({ tokenUrl: endpoint.url, ...CLIENT, clientSecret: 'nope' });
    await assert.rejects(wrongClient.token(), { name: 'OAuthError', error: 'invalid_client', status: 401 });
  });

  it('shares one request among concurrent callers', async () => {
    const endpoint = await start();
    const oauth = new OAuthTokenSupplier({ tokenUrl: endpoint.url, ...CLIENT });
    const tokens = await Promise.all([oauth.token(), oauth.token(), oauth.token()]);
    assert.deepEqual(tokens, ['access-1', 'access-1', 'access-1']);
    assert.equal(endpoint.requests.length, 1);
  });

  it('keeps a rotated refresh token for the next refresh', async () => {
    const endpoint = await start({ rotateTo: 'refresh-two' });
    const oauth = new OAuthTokenSupplier({ tokenUrl: endpoint.url, ...CLIENT });
    assert.equal(await oauth.token(), 'access-1');
    oauth.invalidate();
    assert.equal(await oauth.token(), 'access-2'); // the endpoint now refuses refresh-one
    assert.deepEqual(endpoint.requests.map((r) => r.refresh_token), ['refresh-one', 'refresh-two']);
  });

  it('turns an unreachable endpoint into a network OAuthError', async () => {
    const endpoint = await start();
    const url = endpoint.url;
    await endpoint.close();
    server = undefined;
    const oauth = new OAuthTokenSupplier({ tokenUrl: url, ...CLIENT });
    await assert.rejects(oauth.token(), { name: 'OAuthError', error: 'network' });
  });
});
