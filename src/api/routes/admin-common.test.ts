// The list helpers: cursors round-trip, foreign cursors are 400s on query.cursor, pages know when more follow.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { StoreError } from '../../store/errors.js';
import { ApiError } from '../errors.js';
import { decodeCursor, encodeCursor, page, storeCall } from './admin-common.js';

test('a cursor decodes to its position and nothing else', () => {
  const shape = z.tuple([z.string(), z.string()]);
  assert.deepEqual(decodeCursor(encodeCursor(['a@x.test', '']), shape), ['a@x.test', '']);
  for (const bad of ['', '!!!', encodeCursor(7), encodeCursor(['a']), 'x'.repeat(300)]) {
    assert.throws(() => decodeCursor(bad, shape), (e: unknown) => e instanceof ApiError && e.status === 400 && e.path === 'query.cursor', bad);
  }
});

test('page: a cursor only when more items follow', () => {
  assert.deepEqual(page([1, 2], 2, (n) => n), { data: [1, 2], nextCursor: null });
  const more = page([1, 2, 3], 2, (n) => n);
  assert.deepEqual(more.data, [1, 2]);
  assert.equal(decodeCursor(more.nextCursor!, z.number()), 2);
});

test('storeCall maps StoreError codes to 400 (with path), 409 and 404', () => {
  const status = (code: 'invalid' | 'exists' | 'not-found') => {
    try {
      storeCall(() => { throw new StoreError(code, 'x'); }, 'body.name');
    } catch (e) {
      return [(e as ApiError).status, (e as ApiError).path];
    }
  };
  assert.deepEqual(status('invalid'), [400, 'body.name']);
  assert.deepEqual(status('exists'), [409, undefined]);
  assert.deepEqual(status('not-found'), [404, undefined]);
  assert.throws(() => storeCall(() => { throw new TypeError('bug'); }, 'body'), TypeError);
});
