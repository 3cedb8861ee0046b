// Serves the MTA-STS policy (RFC 8461 §3.3) of every sending domain at
// https://mta-sts.<domain>/.well-known/mta-sts.txt, with the certificates of the TLS section (SNI).
// Anything else is 404; a listen failure rejects start().
import { createServer, type Server } from 'node:https';
import type { TlsOptions } from 'node:tls';
import type { Logger } from '../util/log.js';
import { mtaStsPolicy } from './records.js';

export interface MtaStsServerOptions {
  address: string;
  port: number;
  hostname: string; // our MX name, the policy's mx
  tlsOptions: () => TlsOptions;
  /** Is `domain` one of our sending domains? */
  isSendingDomain: (domain: string) => boolean;
  log: Logger;
}

/** The policy text for a request, or null (404). */
export function policyForRequest(host: string | undefined, url: string | undefined, o: Pick<MtaStsServerOptions, 'hostname' | 'isSendingDomain'>): string | null {
  if (url !== '/.well-known/mta-sts.txt' || !host) return null;
  const name = host.toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
  if (!name.startsWith('mta-sts.')) return null;
  return o.isSendingDomain(name.slice('mta-sts.'.length)) ? mtaStsPolicy(o.hostname) : null;
}

export async function startMtaStsServer(o: MtaStsServerOptions): Promise<Server> {
  const server = createServer(o.tlsOptions(), (req, res) => {
    const policy = req.method === 'GET' ? policyForRequest(req.headers.host, req.url, o) : null;
    if (policy === null) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=300' }).end(policy);
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.address, () => resolve());
  });
  o.log.info({ event: 'listening', listener: 'mta-sts', address: o.address, port: o.port }, 'serving MTA-STS policies');
  return server;
}
