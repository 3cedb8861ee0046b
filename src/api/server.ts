// The HTTP server of `petrel serve` (fastify): the API under /v1, health, and the OpenAPI document.
// Every failure a client can cause is a JSON 4xx (errors.ts); fastify's own errors (bad JSON, body
// too large, unknown route) are mapped to the same shape. Bearer API keys authenticate (keys.ts).
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ApiContext } from './context.js';
import { ApiError, errorBody } from './errors.js';
import { scopeAllows, type ApiScope } from './keys.js';
import { openApiDocument } from './openapi.js';
import { registerRoutes, type Caller, type RouteSpec } from './route.js';
import { allRoutes } from './routes/index.js';
import { sessionKey } from './session.js';
import { serveDashboard } from './static.js';
import { registerTracking } from './tracking.js';
import { registerUnsubscribe } from './unsubscribe.js';
import type { Metrics } from '../metrics/metrics.js';

/** Raw RFC 5322 messages may be posted as these. */
export const RAW_MESSAGE_TYPES = ['message/rfc822', 'text/plain'];

export function buildApi(ctx: ApiContext, extra: readonly RouteSpec[] = [], metrics?: Metrics): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: ctx.config.http.bodyLimitBytes,
    return503OnClosing: true,
    // Errors fastify raises before routing (a malformed URL, an over-long path parameter) get our shape too.
    frameworkErrors: (error, _request, reply) => {
      const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
      void (reply as FastifyReply).code(status).send(errorBody('bad_request', error.message));
    },
  });
  const routes = [...allRoutes(ctx), ...extra];
  // Raw bodies: messages, and whatever else a route takes as bytes (text/csv for contact imports).
  const rawTypes = new Set([...RAW_MESSAGE_TYPES, ...routes.flatMap((r) => r.rawTypes ?? [])]);
  app.addContentTypeParser([...rawTypes], { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  const document = openApiDocument(routes, { version: ctx.version });
  app.get('/v1/openapi.json', async () => document);
  if (metrics) serveMetrics(app, ctx, metrics);
  registerRoutes(app, routes, (request, scope) => {
    const caller = authenticate(ctx, request, scope);
    if (scope === 'admin' && request.method !== 'GET') refuseWithoutSharedState(ctx);
    return caller;
  });
  if (ctx.campaigns) {
    registerUnsubscribe(app, ctx);
    registerTracking(app, ctx);
  }
  serveDashboard(app);
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send(errorBody('not_found', `no route ${request.method} ${request.url.split('?')[0]}`));
  });
  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    if (error instanceof ApiError) return reply.code(error.status).send(errorBody(error.code, error.message, error.path));
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return reply.code(status).send(errorBody(clientCode(error), error.message));
    ctx.log.error({ event: 'api-error', err: error, method: request.method, url: request.url }, 'API request failed');
    return reply.code(500).send(errorBody('internal', 'internal error; see the server log'));
  });
  return app;
}

/**
 * Cluster mode: an admin change needs PostgreSQL (it would otherwise be made here and reach the other
 * nodes only later, possibly after a conflicting one): 503 with the reason while it is away. Sends and
 * reads go on.
 */
function refuseWithoutSharedState(ctx: ApiContext): void {
  const reason = ctx.cluster?.notReady();
  if (reason) throw new ApiError(503, 'shared_state_unavailable', `the shared state is not reachable, try again later: ${reason}`);
}

/** The caller of a request with the scope a route needs; ApiError 401/403 otherwise. */
function authenticate(ctx: ApiContext, request: FastifyRequest, scope: ApiScope): Caller {
  const header = request.headers.authorization ?? '';
  const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  const key = token ? ctx.keys.verify(token) : sessionKey(ctx, request); // no bearer key: the dashboard's cookie
  if (!token && !key) throw new ApiError(401, 'unauthorized', 'send an API key as "Authorization: Bearer pk_..." or sign in');
  if (!key) throw new ApiError(401, 'unauthorized', 'unknown or revoked API key');
  if (!scopeAllows(key.scope, scope)) throw new ApiError(403, 'forbidden', `this needs a key with scope ${scope} (or admin); this key has ${key.scope}`);
  return { keyId: key.id, scope: key.scope };
}

/** GET /metrics (Prometheus text), open or behind a read key (http.publicMetrics); counts every request. */
function serveMetrics(app: FastifyInstance, ctx: ApiContext, metrics: Metrics): void {
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode);
  });
  app.get('/metrics', async (request, reply) => {
    if (!ctx.config.http.publicMetrics) authenticate(ctx, request, 'read');
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
}

function clientCode(error: FastifyError): string {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'payload_too_large';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'unsupported_media_type';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return 'invalid_json';
    default:
      return error.validation ? 'invalid_request' : 'bad_request';
  }
}

export interface RunningHttp {
  port: number;
  close(): Promise<void>;
}

export async function startHttp(ctx: ApiContext, metrics?: Metrics): Promise<RunningHttp> {
  const app = buildApi(ctx, [], metrics);
  const { address, port } = ctx.config.http;
  await app.listen({ host: address, port });
  const bound = app.server.address();
  const actual = typeof bound === 'object' && bound ? bound.port : port;
  ctx.log.info({ event: 'listening', listener: 'http', address, port: actual }, 'HTTP API listening');
  return { port: actual, close: () => app.close() };
}
