// The HTTP API of a test Petrel through curl: an API key of each scope, and JSON calls that return
// the status and the parsed body. e.g. `const api = await apiOf(p); await api.call('POST', '/v1/messages', { body })`.
import assert from 'node:assert/strict';
import { curl } from './peers.js';
import type { Petrel } from './petrel.js';

export interface ApiResponse {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** The body as received, e.g. to check that a secret never appears in it. */
  text: string;
}

export interface Api {
  call(method: string, path: string, opts?: { as?: 'send' | 'read' | 'admin'; body?: unknown }): Promise<ApiResponse>;
  /** POST /v1/messages; fails the test unless it is a 202. Returns the queue id. */
  send(body: Record<string, unknown>): Promise<string>;
}

export async function apiOf(p: Petrel): Promise<Api> {
  const keys: Record<string, string> = {};
  for (const scope of ['send', 'read', 'admin']) {
    const r = await p.cli(['apikey', 'create', `test-${scope}`, '--scope', scope]);
    assert.equal(r.code, 0, r.stderr);
    keys[scope] = r.stdout.trim();
  }
  const call: Api['call'] = async (method, path, opts = {}) => {
    const args = ['-s', '-w', '\n%{http_code}', '-X', method, '-H', `Authorization: Bearer ${keys[opts.as ?? 'admin']}`];
    if (opts.body !== undefined) args.push('-H', 'Content-Type: application/json', '--data-binary', '@-');
    const r = await curl([...args, `http://127.0.0.1:${p.ports.http}${path}`], opts.body === undefined ? undefined : JSON.stringify(opts.body));
    const cut = r.stdout.lastIndexOf('\n');
    const text = r.stdout.slice(0, cut);
    return { status: Number(r.stdout.slice(cut + 1)), body: text ? JSON.parse(text) : null, text };
  };
  return {
    call,
    send: async (body) => {
      const r = await call('POST', '/v1/messages', { as: 'send', body });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      return r.body.id as string;
    },
  };
}
