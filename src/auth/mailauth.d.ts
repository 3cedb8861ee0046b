// Types for mailauth's authenticate(), the part of its main module Petrel uses (the package ships none).
// Declarations only; the shapes follow mailauth 4.9's lib/mailauth.js and its SPF/DKIM/DMARC results.

declare module 'mailauth' {
  export interface AuthStatus {
    result: string; // pass, fail, softfail, neutral, none, temperror, permerror, ...
    comment?: string;
  }
  export interface AuthenticateOptions {
    ip?: string;
    helo?: string;
    sender?: string;
    mta?: string;
    resolver?: (name: string, rrtype: string) => Promise<unknown>;
    trustReceived?: boolean;
    disableArc?: boolean;
    disableDmarc?: boolean;
    disableBimi?: boolean;
    minBitLength?: number;
  }
  export interface AuthenticateResult {
    dkim: { results?: Array<{ signingDomain?: string; status: AuthStatus }> };
    spf: { domain?: string; status: AuthStatus } | false;
    dmarc: { domain?: string; policy?: string; status: AuthStatus } | false;
    arc: { status?: AuthStatus } | false;
    /** Received-SPF and Authentication-Results fields, CRLF-separated and CRLF-ended. */
    headers: string;
  }
  export function authenticate(input: Buffer | string | NodeJS.ReadableStream, opts: AuthenticateOptions): Promise<AuthenticateResult>;
}

declare module 'mailauth/lib/dkim/sign.js' {
  export function dkimSign(
    input: Buffer | string | NodeJS.ReadableStream,
    options: {
      canonicalization?: string;
      algorithm?: string;
      signTime?: Date;
      signatureData: Array<{ signingDomain: string; selector: string; privateKey: string | Buffer }>;
    },
  ): Promise<{ signatures: string; errors: unknown[] }>;
}
