// The dashboard's client of Petrel's HTTP API: same origin, the session cookie authenticates.
// Every non-2xx answer becomes an ApiFailure carrying the API's error code and message.

export class ApiFailure extends Error {
  /** `error` of the answer as a whole (a 422 preflight_failed carries its report in error.preflight). */
  constructor(readonly status: number, readonly code: string, message: string, readonly detail: Record<string, unknown> = {}) {
    super(message);
  }
}

/** Called on any 401, so the app can go back to the sign-in page. */
let onUnauthorized: () => void = () => {};
export function whenUnauthorized(f: () => void): void {
  onUnauthorized = f;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: { accept: 'application/json' } };
  if (body !== undefined) {
    init.headers = { ...init.headers, 'content-type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const text = await res.text();
  const json = text ? (JSON.parse(text) as unknown) : null;
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string } & Record<string, unknown> } | null)?.error;
    if (res.status === 401 && !path.startsWith('/v1/session')) onUnauthorized();
    throw new ApiFailure(res.status, err?.code ?? 'error', err?.message ?? `${res.status} ${res.statusText}`, err ?? {});
  }
  return json as T;
}

/** A query string of the defined, non-empty values. */
export function qs(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface Reply {
  code: number | null;
  enhanced: string | null;
  text: string | null;
}

export interface PetrelEvent {
  id: number;
  type: string;
  at: string;
  messageId: string | null;
  recipient: string | null;
  sender: string | null;
  sendingDomain: string | null;
  mx: string | null;
  reply: Reply | null;
  class: string | null;
  reason: string | null;
  data: Record<string, unknown>;
}

export interface Attempt {
  at: string | number;
  durationMs?: number;
  outcome: string;
  route?: string;
  mx: string | null;
  ip?: string | null;
  tls?: string | null;
  reply: Reply | null;
  phase?: string | null;
  class: string | null;
  reason: string | null;
}

export interface Recipient {
  address: string;
  state: string;
  attempts: number;
  nextAttemptAt?: string | number | null;
  lastReply?: Reply | null;
  history?: Attempt[];
}

export interface MessageSummary {
  id: string;
  direction: string;
  state: string;
  receivedAt: string | number;
  sender: string;
  size: number;
  recipients: Recipient[];
}

export interface MessageDetail extends MessageSummary {
  events?: PetrelEvent[];
  tags?: string[];
}

/** Times arrive as ISO strings (or ms numbers); shown in the browser's locale. */
export function when(t: string | number | null | undefined): string {
  if (t === null || t === undefined || t === '') return '';
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? String(t) : d.toLocaleString();
}

export function replyText(r: { code: number | null; enhanced: string | null; text: string | null } | null | undefined): string {
  if (!r) return '';
  return [r.code, r.enhanced, r.text].filter((x) => x !== null && x !== undefined && x !== '').join(' ');
}

/** A shaping action as GET /v1/identities shows it (the reply that triggered it, when it ends). */
export interface IdentityAction {
  id: number;
  rule: string;
  action: 'throttle' | 'suspend';
  scope: string;
  provider: string | null;
  rate: number | null;
  startedAt: string;
  endsAt: string;
  inForce: boolean;
  reply: string | null;
}

export interface Identity {
  name: string;
  from: string;
  via: 'mta' | 'relay';
  state: 'active' | 'warming' | 'paused' | 'suspended';
  reason: string | null;
  sentToday: number;
  capToday: number | null;
  warmupDay: number | null;
  warmupCurve: number[];
  bounceRate: number | null;
  complaintRate: number | null;
  relay: { host: string; port: number; tls: string; user: string | null; oauth: boolean } | null;
  source: string | null;
  timeZone: string;
  pausedBy: string | null;
  suspendedUntil: string | null;
  actions: IdentityAction[];
}

export interface Pool {
  name: string;
  members: Array<{ identity: string; weight: number }>;
  createdAt: string;
}

/** A share as a percentage with one decimal, '–' when there is none. */
export function percent(r: number | null | undefined): string {
  return r === null || r === undefined ? '–' : `${(r * 100).toFixed(1)}%`;
}
