// Routes as data: each names its method, path, scope, summary and zod schemas. The same schemas
// validate requests (here) and describe them in the OpenAPI document (openapi.ts), so the two cannot
// drift. Handlers get parsed, typed input and return the JSON body (or set the reply themselves).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { ApiError, invalid } from './errors.js';
import type { ApiScope } from './keys.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Caller {
  keyId: string;
  scope: ApiScope;
}

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  caller: Caller | null;
  request: FastifyRequest;
  reply: FastifyReply;
}

export interface RouteSpec<P = unknown, Q = unknown, B = unknown> {
  method: Method;
  /** Fastify path syntax: /v1/messages/:id */
  url: string;
  /** Scope needed; null for routes without authentication (health). */
  scope: ApiScope | null;
  summary: string;
  tag: string;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** Content types accepted as a raw Buffer body instead of JSON (e.g. message/rfc822). */
  rawTypes?: string[];
  /** Documented responses: status → [description, schema]. */
  responses: Record<number, [string, z.ZodType?]>;
  handler(input: RouteInput<P, Q, B>): unknown;
}

/** Identity with inference: `route({ ..., params: z.object({ id: z.string() }), handler: ({ params }) => ... })`. */
export function route<P, Q, B>(spec: RouteSpec<P, Q, B>): RouteSpec {
  return spec as unknown as RouteSpec;
}

/** Register `specs` on `app`; `authenticate` turns a request into its caller, or throws an ApiError. */
export function registerRoutes(app: FastifyInstance, specs: readonly RouteSpec[], authenticate: (req: FastifyRequest, scope: ApiScope) => Caller): void {
  for (const spec of specs) {
    app.route({
      method: spec.method,
      url: spec.url,
      handler: async (request, reply) => {
        const caller = spec.scope === null ? null : authenticate(request, spec.scope);
        const params = parse('params', spec.params, request.params);
        const query = parse('query', spec.query, request.query);
        const raw = Buffer.isBuffer(request.body);
        if (raw && !spec.rawTypes) throw new ApiError(415, 'unsupported_media_type', 'this endpoint takes application/json');
        const body = raw ? request.body : parse('body', spec.body, request.body);
        return spec.handler({ params, query, body, caller, request, reply });
      },
    });
  }
}

function parse<T>(where: string, schema: z.ZodType<T> | undefined, value: unknown): T {
  if (!schema) return value as T;
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw invalid(where, result.error);
  return result.data;
}
