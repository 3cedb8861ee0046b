// Access tokens for XOAUTH2 relays from an OAuth2 refresh token (RFC 6749 §6): one refresh at a time,
// cached until shortly before expiry. Failures reject with OAuthError, whose text never holds a secret.

const REFRESH_TIMEOUT_MS = 15_000;
/** Refresh this long before the endpoint's expiry, so a token does not lapse mid-session. */
const EXPIRY_MARGIN_S = 60;
/** Lifetime assumed when the endpoint omits expires_in (RFC 6749 makes it only RECOMMENDED). */
const DEFAULT_EXPIRES_S = 300;
const PERMANENT = new Set([
  'invalid_grant',
  'invalid_client',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
]);

/** A failed refresh: `error` is the endpoint's code (RFC 6749 §5.2), or network/timeout/bad_response. */
export class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string | undefined,
    /** HTTP status of the endpoint's answer, when there was one. */
    readonly status?: number,
  ) {
    super(`OAuth token refresh failed: ${error}${description ? ` (${description})` : ''}`);
    this.name = 'OAuthError';
  }
  /** True when retrying cannot help until the operator fixes the credentials or config. */
  get permanent(): boolean {
    return PERMANENT.has(this.error);
  }
}

export interface OAuthTokenOptions {
  tokenUrl: string;
  clientId: string;
  clientSecret?: string;
  refreshToken: string;
  /** Space-separated scopes, sent on refresh when set (Microsoft wants them). */
  scope?: string;
  /** Tests may inject; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Clock in ms; tests move it. */
  now?: () => number;
}

/**
 * Supplies access tokens for ClientAuth.token; call invalidate() when the server rejects one.
 * @example await new OAuthTokenSupplier({ tokenUrl, clientId, clientSecret, refreshToken }).token()
 */
export class OAuthTokenSupplier {
  readonly #opts: OAuthTokenOptions;
  readonly #now: () => number;
  #refreshToken: string;
  #cached: { token: string; expiresAt: number } | null = null;
  #refreshing: Promise<string> | null = null;

  constructor(opts: OAuthTokenOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
    this.#refreshToken = opts.refreshToken;
  }

  /** A valid access token: the cached one, or a fresh one (concurrent callers share one request). */
  token(): Promise<string> {
    if (this.#cached && this.#now() < this.#cached.expiresAt) return Promise.resolve(this.#cached.token);
    this.#refreshing ??= this.#refresh().finally(() => (this.#refreshing = null));
    return this.#refreshing;
  }

  /** Forget the cached token, so the next token() asks the endpoint again. */
  invalidate(): void {
    this.#cached = null;
  }

  async #refresh(): Promise<string> {
    const started = this.#now();
    const body = await this.#post();
    const token = body.access_token;
    if (typeof token !== 'string' || token === '') {
      throw new OAuthError('bad_response', 'no access_token in the answer');
    }
    // A provider may rotate the refresh token; the old one may stop working (RFC 6749 §6).
    if (typeof body.refresh_token === 'string' && body.refresh_token !== '') this.#refreshToken = body.refresh_token;
    const lifetime = Number(body.expires_in ?? DEFAULT_EXPIRES_S);
    const seconds = Number.isFinite(lifetime) ? lifetime - EXPIRY_MARGIN_S : 0;
    this.#cached = { token, expiresAt: started + Math.max(0, seconds) * 1000 };
    return token;
  }

  /** POST the refresh grant; resolves with the JSON of a 2xx answer, else rejects with OAuthError. */
  async #post(): Promise<Record<string, unknown>> {
    let res: Response;
    try {
      res = await (this.#opts.fetch ?? fetch)(this.#opts.tokenUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: this.#form(),
        signal: AbortSignal.timeout(REFRESH_TIMEOUT_MS),
        redirect: 'error',
      });
    } catch (err) {
      throw networkError(err);
    }
    const json = await res.json().catch(() => null) as Record<string, unknown> | null;
    if (res.ok && json !== null && typeof json === 'object') return json;
    const code = typeof json?.error === 'string' ? json.error : res.ok ? 'bad_response' : `http_${res.status}`;
    const description = typeof json?.error_description === 'string' ? json.error_description.slice(0, 300) : undefined;
    throw new OAuthError(code, description, res.status);
  }

  #form(): URLSearchParams {
    const form = new URLSearchParams({ grant_type: 'refresh_token', client_id: this.#opts.clientId });
    if (this.#opts.clientSecret !== undefined) form.set('client_secret', this.#opts.clientSecret);
    form.set('refresh_token', this.#refreshToken);
    if (this.#opts.scope) form.set('scope', this.#opts.scope);
    return form;
  }
}

/** The fetch failure as an OAuthError; fetch's own messages name the cause, never the request body. */
function networkError(err: unknown): OAuthError {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return new OAuthError('timeout', `no answer within ${REFRESH_TIMEOUT_MS / 1000} s`);
  }
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : undefined;
  return new OAuthError('network', cause ?? (err instanceof Error ? err.message : String(err)));
}
