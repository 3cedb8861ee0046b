// A fake OAuth2 token endpoint on 127.0.0.1 for XOAUTH2 tests: answers the refresh grant, records every
// request's form fields. Test-only; start rejects if it cannot listen, bad requests get RFC 6749 errors.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TokenServerOptions {
  clientId: string;
  /** When set, requests must carry this client_secret. */
  clientSecret?: string;
  refreshToken: string;
  /** The access token to hand out; a function gives a different one per request. */
  accessToken: string | (() => string);
  /** expires_in of every answer (default 3600). */
  expiresIn?: number;
  /** When set, each answer rotates the refresh token to this value, and only it is accepted afterwards. */
  rotateTo?: string;
}

export interface TokenServer {
  /** The token endpoint, http://127.0.0.1:<port>/token. */
  url: string;
  /** Form fields of every request, in arrival order. */
  requests: Array<Record<string, string>>;
  close(): Promise<void>;
}

/**
 * Start the endpoint.
 * @example const oauth = await startTokenServer({ clientId: 'c', refreshToken: 'r', accessToken: 'a' })
 */
export async function startTokenServer(opts: TokenServerOptions): Promise<TokenServer> {
  const requests: Array<Record<string, string>> = [];
  let expected = opts.refreshToken;
  const server = createServer((req, res) => {
    readForm(req)
      .then((form) => {
        requests.push(form);
        const [status, body] = answer(opts, form, expected);
        if (status === 200 && opts.rotateTo !== undefined) expected = opts.rotateTo;
        send(res, status, body);
      })
      .catch(() => send(res, 400, { error: 'invalid_request' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/token`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function answer(opts: TokenServerOptions, form: Record<string, string>, expected: string): [number, object] {
  if (form.grant_type !== 'refresh_token') return [400, { error: 'unsupported_grant_type' }];
  const secretOk = opts.clientSecret === undefined || form.client_secret === opts.clientSecret;
  if (form.client_id !== opts.clientId || !secretOk) {
    return [401, { error: 'invalid_client', error_description: 'client authentication failed' }];
  }
  if (form.refresh_token !== expected) {
    return [400, { error: 'invalid_grant', error_description: 'token expired or revoked' }];
  }
  const accessToken = typeof opts.accessToken === 'function' ? opts.accessToken() : opts.accessToken;
  const expiresIn = opts.expiresIn ?? 3600;
  const body: Record<string, unknown> = { access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn };
  if (opts.rotateTo !== undefined) body.refresh_token = opts.rotateTo;
  return [200, body];
}

async function readForm(req: IncomingMessage): Promise<Record<string, string>> {
  if (req.method !== 'POST') throw new Error('not POST');
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded')) throw new Error('not a form');
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
}

function send(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}
