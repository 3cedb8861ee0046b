// Types for mailauth's SPF check (plain JS, no declarations), as the auth suites call it; DKIM's are in
// src/auth/mailauth-dkim.d.ts. Only the fields read are declared; the rest is left out, not typed wrong.
declare module 'mailauth/lib/spf/index.js' {
  type MailauthResolver = (name: string, rrtype: string) => Promise<unknown[]>;
  export interface SpfOptions {
    sender: string;
    ip: string;
    helo: string;
    mta?: string;
    resolver?: MailauthResolver;
    maxResolveCount?: number;
    maxVoidCount?: number;
  }
  export function spf(opts: SpfOptions): Promise<{ status: { result: string; comment?: string } }>;
}
