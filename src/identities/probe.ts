// `petrel identity test NAME`'s engine: resolve the relay, open a session with Petrel's client (TLS
// and AUTH as the identity says), QUIT, and report each step with a fix. Never rejects for a remote failure.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { openSession, type OpenResult } from '../smtp/client/client.js';
import type { ClientTimeouts, ConnectOptions, Outcome, TranscriptLine } from '../smtp/client/types.js';
import { buildReport, type ProbeReport, type ProbeStep, type ProbeTarget, type TranscriptEntry } from './probe-report.js';

export { formatProbeReport } from './probe-report.js';
export type { ProbeReport, ProbeStep, ProbeStepName, ProbeTarget, TranscriptEntry } from './probe-report.js';

export interface ProbeOptions {
  /** Per-phase overrides of PROBE_TIMEOUTS (ms). */
  timeouts?: Partial<ClientTimeouts>;
  /** Extra trusted CA certificates (PEM). */
  ca?: string[];
  /** Our EHLO name. */
  helo: string;
}

/** An operator is waiting: shorter than delivery's RFC 5321 timeouts. */
export const PROBE_TIMEOUTS: Partial<ClientTimeouts> = { connect: 10_000, greeting: 30_000, ehlo: 30_000, helo: 30_000, starttls: 30_000, auth: 30_000, quit: 10_000 };

/** Addresses tried when a name has several and connecting fails. */
const MAX_ADDRESSES = 4;

/**
 * Probe a relay: every step's replies, the first failure with a one-line fix, the transcript (AUTH
 * credentials hidden). Rejects only for an invalid EHLO name (TypeError).
 * @example
 * const r = await probeRelay({ host: 'smtp.gmail.com', port: 587, tls: 'starttls', verify: true, user, password }, { helo: 'out.example' });
 * process.stdout.write(formatProbeReport(r));
 */
export async function probeRelay(target: ProbeTarget, opts: ProbeOptions = { helo: hostname() }): Promise<ProbeReport> {
  const { step: resolve, addresses } = await resolveHost(target.host);
  const lines: TranscriptEntry[] = [];
  if (!resolve.ok) return buildReport(target, resolve, lines, null);
  const transcript = (l: TranscriptLine) => void lines.push({ dir: l.dir, text: l.text });
  let result: OpenResult | undefined;
  for (const address of addresses.slice(0, MAX_ADDRESSES)) {
    result = await openSession(connectOptions(target, opts, address, transcript));
    if (result.ok || !isConnectFailure(result.outcome)) break;
  }
  if (result?.ok) await result.session.quit();
  return buildReport(target, resolve, lines, result === undefined || result.ok ? null : result.outcome);
}

/** A refused or unanswered TCP connection: the next address may do better. */
const isConnectFailure = (o: Outcome): boolean => o.phase === 'connect' && o.enhanced === '4.4.1';

function connectOptions(t: ProbeTarget, o: ProbeOptions, address: string, transcript: ConnectOptions['transcript']): ConnectOptions {
  const name = isIP(t.host) === 0 ? t.host : undefined;
  const servername = t.servername ?? name;
  const mode = t.tls === 'starttls' ? 'required' : t.tls;
  return {
    host: address,
    port: t.port,
    ...(name ? { hostname: name } : {}),
    helo: o.helo,
    tls: { mode, verify: t.verify, ...(servername ? { servername } : {}), ...(o.ca ? { ca: o.ca } : {}) },
    ...(t.user !== undefined ? { auth: auth(t, t.user) } : {}),
    timeouts: { ...PROBE_TIMEOUTS, ...o.timeouts },
    transcript,
  };
}

function auth(t: ProbeTarget, user: string): NonNullable<ConnectOptions['auth']> {
  return {
    user,
    ...(t.password !== undefined ? { password: t.password } : {}),
    ...(t.token ? { token: t.token } : {}),
    ...(t.mechanisms ? { mechanisms: t.mechanisms } : {}),
  };
}

/** A and AAAA through the system resolver (so /etc/hosts counts, as the operator expects); an IP literal as is. */
async function resolveHost(host: string): Promise<{ step: ProbeStep; addresses: string[] }> {
  if (isIP(host) !== 0) return { step: { step: 'resolve', ok: true, replies: [`${host} is an IP address`] }, addresses: [host] };
  try {
    const found = await lookup(host, { all: true });
    const addresses = found.map((a) => a.address);
    return { step: { step: 'resolve', ok: true, replies: [`${host}: ${addresses.join(', ')}`] }, addresses };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { step: { step: 'resolve', ok: false, replies: [`cannot resolve ${host}: ${e.code ?? e.message}`] }, addresses: [] };
  }
}
