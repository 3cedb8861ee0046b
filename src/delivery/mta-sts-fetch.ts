// Fetches https://mta-sts.<domain>/.well-known/mta-sts.txt (RFC 8461 §3.3) through our own Resolver:
// verified TLS, no redirects, 200 text/plain, at most 64 KiB, bounded in time. Failures reject with StsFetchError.
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { rootCertificates } from 'node:tls';
import type { Resolver } from '../dns/types.js';
import { isCertificateError } from './tls-report.js';

const MAX_BODY = 64 * 1024;
const POLICY_PATH = '/.well-known/mta-sts.txt';

/** Why a fetch failed; `webpki` when the certificate was not valid for mta-sts.<domain> (sts-webpki-invalid). */
export class StsFetchError extends Error {
  constructor(
    readonly kind: 'fetch' | 'webpki',
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'StsFetchError';
  }
}

export interface FetcherOptions {
  resolver: Resolver;
  /** 443, except in tests. */
  port: number;
  /** Bound on the whole fetch, DNS included. */
  timeoutMs: number;
  /** Extra trusted CA certificates (PEM), added to Node's default roots. */
  ca?: string[];
}

/**
 * A policy fetcher for MtaStsPolicies: resolves the policy host (A, then AAAA), tries its addresses
 * in turn while connections fail, and returns the body text.
 * @example const fetchPolicy = httpsPolicyFetcher({ resolver, port: 443, timeoutMs: 10_000 })
 */
export function httpsPolicyFetcher(opts: FetcherOptions): (domain: string) => Promise<string> {
  const ca = opts.ca && opts.ca.length > 0 ? [...rootCertificates, ...opts.ca] : undefined;
  return async (domain) => {
    const host = `mta-sts.${domain.toLowerCase().replace(/\.$/, '')}`;
    const deadline = Date.now() + opts.timeoutMs;
    const addresses = await withDeadline(resolveHost(opts.resolver, host), deadline, host);
    let lastError: unknown;
    for (const address of addresses) {
      try {
        return await getPolicy({ host, address, port: opts.port, ca, deadline });
      } catch (err) {
        lastError = err;
        if (!(err instanceof ConnectError)) throw err;
      }
    }
    throw new StsFetchError('fetch', `${host}: ${(lastError as Error).message}`);
  };
}

async function resolveHost(resolver: Resolver, host: string): Promise<string[]> {
  const v4 = await resolver.a(host).catch(() => [] as string[]);
  const v6 = await resolver.aaaa(host).catch(() => [] as string[]);
  if (v4.length + v6.length === 0) throw new StsFetchError('fetch', `${host} has no A or AAAA record`);
  return [...v4, ...v6];
}

function withDeadline<T>(promise: Promise<T>, deadline: number, host: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    const expire = () => reject(new StsFetchError('fetch', `${host}: DNS lookup timed out`));
    timer = setTimeout(expire, deadline - Date.now());
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The TCP connection itself failed: worth trying the next address. */
class ConnectError extends Error {}

interface Target {
  host: string;
  address: string;
  port: number;
  ca: string[] | undefined;
  deadline: number;
}

function getPolicy(target: Target): Promise<string> {
  return new Promise((resolve, reject) => {
    let connected = false;
    const req = https.request({
      host: target.address,
      servername: target.host, // SNI, and the name the certificate is checked against
      port: target.port,
      path: POLICY_PATH,
      headers: { Host: hostHeader(target), Accept: 'text/plain' },
      ca: target.ca,
      agent: false,
    });
    const fail = (err: Error): void => {
      clearTimeout(timer);
      reject(err);
      req.destroy();
    };
    const expire = () => fail(new StsFetchError('fetch', `${target.host}: timed out`));
    const timer = setTimeout(expire, target.deadline - Date.now());
    req.on('socket', (socket) => socket.once('connect', () => (connected = true)));
    req.on('response', (res) => readPolicy(res, target.host).then(resolve, fail));
    req.on('error', (err: NodeJS.ErrnoException) => fail(describe(err, connected, target)));
    req.on('close', () => clearTimeout(timer));
    req.end();
  });
}

function hostHeader(target: Target): string {
  return target.port === 443 ? target.host : `${target.host}:${target.port}`;
}

function describe(err: NodeJS.ErrnoException, connected: boolean, target: Target): Error {
  if (err instanceof StsFetchError) return err;
  if (isCertificateError(err.code)) {
    return new StsFetchError('webpki', `${target.host}: certificate not valid: ${err.message}`, err.code);
  }
  if (!connected) return new ConnectError(`connect to ${target.address} port ${target.port}: ${err.message}`);
  return new StsFetchError('fetch', `${target.host}: ${err.message}`, err.code);
}

/** Check status and type, then collect at most MAX_BODY bytes of body. */
function readPolicy(res: IncomingMessage, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const fail = (message: string): void => {
      reject(new StsFetchError('fetch', `${host}: ${message}`));
      res.destroy();
    };
    const type = (res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400) return fail(`redirect refused (HTTP ${status})`);
    if (status !== 200) return fail(`HTTP status ${status}`);
    if (type !== 'text/plain') return fail(`content type "${type}" is not text/plain`);
    if (Number(res.headers['content-length'] ?? 0) > MAX_BODY) return fail(`policy larger than ${MAX_BODY} bytes`);
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) return fail(`policy larger than ${MAX_BODY} bytes`);
      chunks.push(chunk);
    });
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', (err) => fail(err.message));
  });
}
