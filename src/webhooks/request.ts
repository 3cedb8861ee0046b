// One webhook request: the JSON body, the signed headers, and the POST itself (global fetch) bounded
// by a timeout. postJson never throws: every failure is an outcome with a one-line reason.
import type { PublicEvent } from '../events/json.js';
import { signatureHeader } from './signature.js';

/** The synthetic event of `petrel webhook test`: id 0, never stored. */
export type TestEvent = Omit<PublicEvent, 'type'> & { type: 'test' };

export interface WebhookRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
}

export type PostOutcome =
  | { ok: true; status: number }
  | { ok: false; status: number | null; error: string; aborted: boolean };

/** The request for `events` (public form, in id order), signed at `nowMs`. */
export function buildRequest(
  endpoint: { id: string; url: string },
  events: ReadonlyArray<PublicEvent | TestEvent>,
  secret: string,
  nowMs: number,
  userAgent: string,
): WebhookRequest {
  const body = JSON.stringify({ events });
  return {
    url: endpoint.url,
    body,
    headers: {
      'Content-Type': 'application/json',
      'Petrel-Signature': signatureHeader(secret, body, Math.floor(nowMs / 1000)),
      'Petrel-Webhook-Id': endpoint.id,
      'User-Agent': userAgent,
    },
  };
}

/** The event `petrel webhook test` sends. */
export function testEvent(nowMs: number): TestEvent {
  return {
    id: 0,
    type: 'test',
    at: new Date(nowMs).toISOString(),
    messageId: null,
    recipient: null,
    sender: null,
    sendingDomain: null,
    sourceIp: null,
    mx: null,
    reply: null,
    class: null,
    reason: null,
    data: { note: 'test event from petrel webhook test' },
  };
}

/**
 * POST the request; 2xx is success, anything else (3xx included: redirects are not followed) fails.
 * `stop` aborts the request without it counting as a failure of the endpoint (`aborted: true`).
 */
export async function postJson(req: WebhookRequest, timeoutMs: number, stop?: AbortSignal): Promise<PostOutcome> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = stop ? AbortSignal.any([timeout, stop]) : timeout;
  try {
    const res = await fetch(req.url, { method: 'POST', body: req.body, headers: req.headers, redirect: 'manual', signal });
    // Drain a little of the body so the connection can be reused; its content does not matter.
    await res.body?.cancel().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
    return { ok: false, status: res.status, error: `HTTP ${res.status}`, aborted: false };
  } catch (err) {
    if (stop?.aborted) return { ok: false, status: null, error: 'stopped', aborted: true };
    if (timeout.aborted) return { ok: false, status: null, error: `no answer within ${timeoutMs} ms`, aborted: false };
    return { ok: false, status: null, error: describeFetchError(err), aborted: false };
  }
}

/** undici hides the useful part (ECONNREFUSED, certificate errors) in `cause`. */
function describeFetchError(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  const detail = cause?.code ?? cause?.message;
  const message = err instanceof Error ? err.message : String(err);
  return detail ? `${message}: ${detail}` : message;
}
