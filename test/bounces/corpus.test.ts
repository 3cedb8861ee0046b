// Runs the report parsers over the labelled bounce corpus (../shared/testdata/bounces) and holds the
// figures reached as floors. Rows whose mail states no code are labelled with sisimai's pseudo status
// (x.0.9NN, derived from the reason), which the classifier now emits too, so they hang on the reason.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { CORPUS_DIR, evaluateCorpus, type CorpusResult } from '../../src/bounce/report/corpus.js';

let result: CorpusResult;
before(async () => {
  result = await evaluateCorpus(CORPUS_DIR);
});

test('every file in given/ parses without an exception', () => {
  assert.equal(result.files, readdirSync(join(CORPUS_DIR, 'given')).filter((f) => f.endsWith('.eml')).length);
  assert.deepEqual(result.errors, []);
});

test('the recipient is found with the labelled status in at least 98% of rows that state a code', () => {
  assert.ok(result.statedOk / result.statedRows >= 0.98, `${result.statedOk}/${result.statedRows}`);
});

test('recipient and status agree with the labels in at least 93% of all rows (floor reached: 380/405)', () => {
  assert.equal(result.rows, 405);
  assert.ok(result.statusOk / result.rows >= 0.93, `${result.statusOk}/${result.rows}`);
});

test('the reason agrees with the labels in at least 93% of rows (floor reached: 379/405)', () => {
  assert.ok(result.reasonOk / result.rows >= 0.93, `${result.reasonOk}/${result.rows}`);
});
