// The OpenAPI 3.1 document, generated from the route specs' zod schemas (JSON Schema 2020-12, which
// OpenAPI 3.1 uses as is). Built once at start; served at /v1/openapi.json.
import { z } from 'zod';
import type { RouteSpec } from './route.js';

const json = (schema: z.ZodType, io: 'input' | 'output') => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

export function openApiDocument(specs: readonly RouteSpec[], info: { version: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of specs) {
    const path = spec.url.replace(/:([A-Za-z_]+)/g, '{$1}');
    paths[path] ??= {};
    paths[path][spec.method.toLowerCase()] = operation(spec);
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Petrel API', version: info.version, description: 'Send mail, follow it, and run Petrel. See docs/api.md.' },
    servers: [{ url: '/' }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'an API key: pk_<id>_<secret>' } } },
    paths,
  };
}

function operation(spec: RouteSpec): Record<string, unknown> {
  const parameters = [...parametersOf(spec.params, 'path'), ...parametersOf(spec.query, 'query')];
  const content: Record<string, unknown> = {};
  if (spec.body) content['application/json'] = { schema: json(spec.body, 'input') };
  for (const type of spec.rawTypes ?? []) content[type] = { schema: { type: 'string', format: 'binary' } };
  return {
    summary: spec.summary,
    tags: [spec.tag],
    ...(spec.scope ? { security: [{ bearer: [] }], 'x-petrel-scope': spec.scope } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(Object.keys(content).length ? { requestBody: { required: true, content } } : {}),
    responses: Object.fromEntries(
      Object.entries(spec.responses).map(([status, [description, schema]]) => [
        status,
        { description, ...(schema ? { content: { 'application/json': { schema: json(schema, 'output') } } } : {}) },
      ]),
    ),
  };
}

function parametersOf(schema: z.ZodType | undefined, where: 'path' | 'query'): Record<string, unknown>[] {
  if (!schema) return [];
  const doc = json(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(doc.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (doc.required ?? []).includes(name),
    schema: s,
  }));
}
