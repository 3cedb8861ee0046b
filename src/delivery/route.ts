// Route types: where a recipient domain's mail goes. A remote route is an ordered list of hosts
// (IP, port, TLS rules) sharing one destination key, which concurrency and dead-host backoff use.
import type { ClientAuth, ClientTls, Outcome } from '../smtp/client/types.js';
import type { StsDecision } from './mta-sts.js';

export interface TargetHost {
  name: string; // MX or relay host name (the IP itself for an IP literal)
  ip: string;
  port: number;
  tls: ClientTls;
  /** MX delivery under MTA-STS or not: what to count for TLS-RPT. */
  sts?: StsDecision;
}

/** How mail leaves: by MX, the smarthost, a transport override, or a sending identity's own relay. */
export type Via = 'mx' | 'smarthost' | 'transport' | 'identity';

export interface RemoteRoute {
  kind: 'remote';
  via: Via;
  /** Destination key: "mx:" + the MX host set, or "relay:" + host:port. */
  key: string;
  /** MX: the recipient domain whose policy (MTA-STS, TLS-RPT) applies; relays: the relay host. */
  policyDomain: string;
  hosts: TargetHost[];
  auth?: ClientAuth;
  /** After a failed STARTTLS under opportunistic TLS, try the same host again in plaintext. */
  plaintextFallback: boolean;
  /** Bind connections to this local address and EHLO name (an identity's source) instead of rotating. */
  source?: { address: string; helo: string };
  /** Provider shaping (src/shaping): connections and transactions per connection for this destination. */
  limits?: { connections?: number | undefined; messagesPerConnection?: number | undefined };
}

export type Route =
  | { kind: 'local' }
  | RemoteRoute
  | { kind: 'fail'; outcome: Outcome; via: Via };

/** A routing failure: 5xx bounces now, 4xx waits; `phase` is connect since no host was reached. */
export function routeFailure(code: number, enhanced: string, text: string, via: Via = 'mx'): Route {
  return { kind: 'fail', outcome: { code, enhanced, text, remote: false, phase: 'connect' }, via };
}
