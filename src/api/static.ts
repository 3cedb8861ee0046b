// The dashboard's files (dist/web, built by Vite) served from memory: hashed assets cached for a
// year, index.html for every other non-API path. Without a build, / answers 503 saying how to build;
// an unknown /v1/... path stays the API's JSON 404.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { errorBody } from './errors.js';

/** dist/web, next to dist/src where this file is compiled to. */
export const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

// Inline styles are allowed for uPlot and Preact's style props; scripts only from our own files.
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
};

interface StaticFile {
  body: Buffer;
  type: string;
  cache: string;
}

/** Register GET /* for the dashboard on `app` (API routes, being more specific, win). */
export function serveDashboard(app: FastifyInstance, root = WEB_ROOT): void {
  const files = loadFiles(root);
  const index = files.get('/index.html');
  app.get('/*', async (request, reply) => {
    const path = request.url.split('?')[0]!;
    if (path === '/v1' || path.startsWith('/v1/')) return reply.code(404).send(errorBody('not_found', `no route GET ${path}`));
    const file = files.get(path) ?? (path.startsWith('/assets/') ? undefined : index);
    if (!file) {
      if (!index) return reply.code(503).type('text/plain; charset=utf-8').send('The dashboard is not built: run `npm run build` (dist/web is missing).\n');
      return reply.code(404).type('text/plain; charset=utf-8').send('not found\n');
    }
    return send(reply, file);
  });
}

function send(reply: FastifyReply, file: StaticFile): FastifyReply {
  return reply.headers({ ...SECURITY_HEADERS, 'cache-control': file.cache }).type(file.type).send(file.body);
}

/** Every file under `root` by URL path; empty when the dashboard was not built. */
function loadFiles(root: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const path of walk(root)) {
    const url = '/' + relative(root, path).split(sep).join('/');
    const hashed = url.startsWith('/assets/'); // Vite puts a content hash in every asset's name
    files.set(url, {
      body: readFileSync(path),
      type: TYPES[extname(path)] ?? 'application/octet-stream',
      cache: hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
  }
  return files;
}

function walk(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}
