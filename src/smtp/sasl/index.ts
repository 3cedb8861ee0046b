// The SASL mechanisms Petrel's server knows, by name. Unknown names give null (504 5.5.4).

import { OAuthBearerExchange, XOAuth2Exchange } from './bearer.js';
import { CramMd5Exchange } from './cram-md5.js';
import { LoginExchange, PlainExchange } from './password.js';
import type { SaslExchange } from './types.js';

export const MECHANISMS = ['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2', 'OAUTHBEARER'] as const;
export type Mechanism = (typeof MECHANISMS)[number];

export interface SaslContext {
  nonce: () => string;
  now: () => number;
  hostname: string;
}

export function createExchange(mechanism: string, ctx: SaslContext): SaslExchange | null {
  switch (mechanism) {
    case 'PLAIN':
      return new PlainExchange();
    case 'LOGIN':
      return new LoginExchange();
    case 'CRAM-MD5':
      return new CramMd5Exchange(ctx.nonce(), ctx.now(), ctx.hostname);
    case 'XOAUTH2':
      return new XOAuth2Exchange();
    case 'OAUTHBEARER':
      return new OAuthBearerExchange();
    default:
      return null;
  }
}

export type { Credentials, SaslExchange, SaslStep } from './types.js';
