import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dsnWanted, type DsnKind } from './dsn-policy.js';

const SENDER = 'alice@example.com';

// [NOTIFY, failure, delay, success]
const TABLE: [string[] | undefined, boolean, boolean, boolean][] = [
  [undefined, true, true, false], // absent: as if FAILURE,DELAY (RFC 3461 §4.1 leaves it to us)
  [['NEVER'], false, false, false],
  [['SUCCESS'], false, false, true],
  [['FAILURE'], true, false, false],
  [['DELAY'], false, true, false],
  [['FAILURE', 'DELAY'], true, true, false],
  [['SUCCESS', 'FAILURE'], true, false, true],
  [['SUCCESS', 'FAILURE', 'DELAY'], true, true, true],
  [['success', 'delay'], false, true, true], // keywords are case-insensitive
];

test('dsnWanted follows NOTIFY, with FAILURE,DELAY when it is absent', () => {
  for (const [notify, failure, delay, success] of TABLE) {
    const want: Record<DsnKind, boolean> = { failure, delay, success };
    for (const kind of ['failure', 'delay', 'success'] as const) {
      assert.equal(dsnWanted(kind, SENDER, notify), want[kind], `${kind} with NOTIFY=${notify?.join(',')}`);
    }
  }
});

test('dsnWanted never answers the null reverse-path', () => {
  for (const [notify] of TABLE) {
    for (const kind of ['failure', 'delay', 'success'] as const) assert.equal(dsnWanted(kind, '', notify), false);
  }
});
