// SPF, DKIM, DMARC and ARC for mail arriving on the MX role, through mailauth and Petrel's resolver.
// DNS trouble shows as temperror in the header and never refuses; policy (config `inbound`) may.
import { authenticate, type AuthenticateOptions, type AuthenticateResult } from 'mailauth';
import type { Readable } from 'node:stream';
import type { Envelope, InboundAuthenticator, InboundVerdict } from '../smtp/server/ports.js';
import { reply, type Reply } from '../smtp/wire/reply.js';
import type { MailauthResolver } from './mailauth-resolver.js';

export interface InboundPolicy {
  authservId: string; // our name in Authentication-Results
  rejectDmarc: boolean; // DMARC fail under p=reject: 550 5.7.1
  rejectSpfFail: boolean; // SPF -all fail: 550 5.7.1
}

/** mailauth's authenticate, or a fake in tests. */
export type Authenticate = (message: Readable, opts: AuthenticateOptions) => Promise<AuthenticateResult>;

/** The part of a result the policy looks at. */
export type AuthSummary = Pick<AuthenticateResult, 'spf' | 'dkim' | 'dmarc'>;

/**
 * @example new MailauthInbound(policy, mailauthResolver(DnsResolver.fromConfig(config.dns)))
 */
export class MailauthInbound implements InboundAuthenticator {
  constructor(
    private readonly policy: InboundPolicy,
    private readonly resolver: MailauthResolver,
    private readonly run: Authenticate = authenticate,
  ) {}

  get authservId(): string {
    return this.policy.authservId;
  }

  async check(env: Envelope, message: Readable): Promise<InboundVerdict> {
    const result = await this.run(message, {
      ip: env.client.address,
      helo: env.client.helo,
      sender: env.sender, // "" (null reverse-path): mailauth checks postmaster@helo (RFC 7208 §2.4)
      mta: this.policy.authservId,
      resolver: this.resolver,
      trustReceived: false, // the client's Received fields are claims, not facts
      disableBimi: true,
    });
    const reject = refusal(result, this.policy);
    return reject ? { header: result.headers, reject } : { header: result.headers };
  }
}

/** The 550 the policy calls for, or null. Quarantine only marks; a temperror never refuses. */
export function refusal(result: AuthSummary, policy: InboundPolicy): Reply | null {
  if (temporary(result)) return null;
  const { dmarc, spf } = result;
  if (policy.rejectDmarc && dmarc && dmarc.status.result === 'fail' && dmarc.policy === 'reject') {
    return reply(550, '5.7.1', `Rejected by the DMARC policy of ${dmarc.domain ?? 'the From: domain'}`);
  }
  if (policy.rejectSpfFail && spf && spf.status.result === 'fail') {
    return reply(550, '5.7.1', `SPF check failed for ${spf.domain ?? 'the sender domain'}`);
  }
  return null;
}

/** A check that could not finish (DNS failure) might have passed: DMARC fail is not trusted then. */
function temporary(result: AuthSummary): boolean {
  const temp = (s: { result: string } | undefined) => s?.result === 'temperror';
  return (result.spf !== false && temp(result.spf.status)) || (result.dkim.results ?? []).some((r) => temp(r.status));
}
