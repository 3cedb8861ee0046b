// Helpers of the admin route modules (domains, suppressions, webhooks): StoreError → API error,
// opaque cursors, the limit/cursor query, ISO times. Bad cursors are 400s naming query.cursor.
import { z } from 'zod';
import { StoreError } from '../../store/errors.js';
import { ApiError } from '../errors.js';

/** Run a store call; its StoreError becomes a 400 at `path` (invalid), 409 (exists) or 404 (not-found). */
export function storeCall<T>(f: () => T, path: string): T {
  try {
    return f();
  } catch (err) {
    if (!(err instanceof StoreError)) throw err;
    if (err.code === 'exists') throw new ApiError(409, 'conflict', err.message);
    if (err.code === 'not-found') throw new ApiError(404, 'not_found', err.message);
    throw new ApiError(400, 'invalid_request', `${path}: ${err.message}`, path);
  }
}

/** `limit` (1..500, default 50) and an opaque `cursor`, the query of every list endpoint. */
export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(500).default(50).describe('page size (1 to 500)'),
  cursor: z.string().max(2000).optional().describe('the nextCursor of the previous page'),
};

/** An opaque cursor for `position` (any JSON value). */
export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/** The position in a cursor, checked against `schema`; a 400 at query.cursor when it is not ours. */
export function decodeCursor<T>(cursor: string, schema: z.ZodType<T>): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ApiError(400, 'invalid_request', 'query.cursor: not a cursor this endpoint returned', 'query.cursor');
  return parsed.data;
}

/** One page from `limit + 1` fetched items: the page and the cursor of its last item when more follow. */
export function page<T>(items: T[], limit: number, positionOf: (item: T) => unknown): { data: T[]; nextCursor: string | null } {
  const data = items.slice(0, limit);
  const more = items.length > limit && data.length > 0;
  return { data, nextCursor: more ? encodeCursor(positionOf(data[data.length - 1]!)) : null };
}

export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The list response schema: `{ data: [...], nextCursor }`. */
export const listOf = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item), nextCursor: z.string().nullable() });

export const deleted: [string] = ['deleted; no body'];
