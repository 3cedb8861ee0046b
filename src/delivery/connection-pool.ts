// Opens a session to a remote route: hosts in order (MX preference, then each address), the source
// address and EHLO name rotated per connection, plaintext retried once after a failed opportunistic
// STARTTLS, and a TLS-RPT count for every MX session. Never rejects: failure is an Outcome.
import { isIP } from 'node:net';
import { openSession, type ClientSession } from '../smtp/client/client.js';
import type { ClientTimeouts, ConnectOptions, Outcome } from '../smtp/client/types.js';
import type { RemoteRoute, TargetHost } from './route.js';
import { tlsFailureResult, type TlsSession } from './tls-report.js';

export interface Source {
  address?: string;
  helo: string;
}

export interface OpenerDeps {
  sources: Source[]; // at least one (address undefined: let the OS choose)
  timeouts: Partial<ClientTimeouts>;
  recordTls?: (session: TlsSession) => void;
}

export interface OpenedSession {
  session: ClientSession;
  host: TargetHost;
}

export class SessionOpener {
  private next = 0;

  constructor(private readonly deps: OpenerDeps) {}

  /** The first host that gives a usable session, or the last host's failure. */
  async open(route: RemoteRoute): Promise<{ ok: true; opened: OpenedSession } | { ok: false; outcome: Outcome; host?: TargetHost }> {
    let failure: { outcome: Outcome; host?: TargetHost } = { outcome: noHosts(route) };
    for (const host of route.hosts) {
      const result = await this.tryHost(route, host);
      if (result.ok) return { ok: true, opened: { session: result.session, host } };
      failure = { outcome: result.outcome, host };
    }
    return { ok: false, ...failure };
  }

  private async tryHost(route: RemoteRoute, host: TargetHost) {
    const first = await openSession(this.options(route, host, host.tls));
    this.count(route, host, first);
    if (!first.ok && first.outcome.phase === 'auth') route.auth?.invalidate?.();
    if (first.ok || first.outcome.phase !== 'starttls' || !route.plaintextFallback) return first;
    return openSession(this.options(route, host, { ...host.tls, mode: 'none' })); // Postfix "may" does the same
  }

  private options(route: RemoteRoute, host: TargetHost, tls: TargetHost['tls']): ConnectOptions {
    const source = route.source ?? this.pickSource(host.ip);
    return {
      host: host.ip,
      port: host.port,
      hostname: host.name,
      helo: source.helo,
      tls,
      timeouts: this.deps.timeouts,
      ...(source.address ? { localAddress: source.address } : {}),
      ...(route.auth ? { auth: route.auth } : {}),
    };
  }

  /** Round robin over the sources of the right address family. */
  private pickSource(ip: string): Source {
    const family = isIP(ip);
    const fitting = this.deps.sources.filter((s) => !s.address || isIP(s.address) === family);
    const list = fitting.length > 0 ? fitting : [{ helo: this.deps.sources[0]!.helo }];
    return list[this.next++ % list.length]!;
  }

  private count(route: RemoteRoute, host: TargetHost, result: Awaited<ReturnType<typeof openSession>>): void {
    if (route.via !== 'mx' || !host.sts || !this.deps.recordTls) return;
    const base = { policyDomain: route.policyDomain, policyType: host.sts.policyType, mx: host.name, ip: host.ip };
    const sts = host.sts.policyType === 'sts';
    if (result.ok) {
      const tls = result.session.info.tls;
      if (!tls) {
        if (sts) this.deps.recordTls({ ...base, result: 'starttls-not-supported' });
      } else if (host.sts.failure) {
        this.deps.recordTls({ ...base, result: host.sts.failure }); // testing mode: the MX is not in the policy
      } else if (sts && !tls.authorized) {
        // testing mode delivers over any TLS but reports what enforce would have refused
        this.deps.recordTls({ ...base, result: tlsFailureResult({ message: tls.authorizationError ?? 'not verified', ...(tls.authorizationError ? { code: tls.authorizationError } : {}) }) });
      } else {
        this.deps.recordTls({ ...base, result: 'success' });
      }
    } else if (result.outcome.phase === 'starttls') {
      const notOffered = result.outcome.enhanced === '4.7.4'; // the peer does not offer STARTTLS
      this.deps.recordTls({ ...base, result: notOffered ? 'starttls-not-supported' : tlsFailureResult({ message: result.outcome.text }) });
    }
  }
}

function noHosts(route: RemoteRoute): Outcome {
  return { code: 451, enhanced: '4.4.4', text: `no host to deliver to for ${route.key}`, remote: false, phase: 'connect' };
}
