import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

const CLI = new URL('../main.js', import.meta.url).pathname;
const GIVEN = new URL('../../../../../shared/testdata/bounces/given/', import.meta.url).pathname;

function run(...args: string[]) {
  return spawnSync(process.execPath, [CLI, 'bounce', 'parse', ...args], { encoding: 'utf8', env: { ...process.env, PETREL_DATA_DIR: '/nonexistent' } });
}

test('bounce parse --json prints one line per file with kind and recipients in report order', () => {
  const result = run('--json', `${GIVEN}lhost-sendmail-01.eml`, `${GIVEN}arf-01.eml`);
  assert.equal(result.status, 0, result.stderr);
  const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.equal(lines.length, 2);
  const [dsn, arf] = lines as [{ file: string; kind: string; recipients: Record<string, string>[] }, typeof lines[0]];
  assert.equal(dsn.file, `${GIVEN}lhost-sendmail-01.eml`);
  assert.equal(dsn.kind, 'bounce');
  assert.deepEqual(Object.keys(dsn.recipients[0]!).slice(0, 5), ['address', 'status', 'replyCode', 'class', 'reason']);
  assert.equal(dsn.recipients[0]!.address, 'userunknown@bouncehammer.jp');
  assert.equal(dsn.recipients[0]!.status, '5.1.1');
  assert.equal(dsn.recipients[0]!.replyCode, '550');
  assert.equal(arf!.kind, 'complaint');
  assert.deepEqual((arf!.recipients as Record<string, string>[]).map((r) => [r.reason, r.class]), [['feedback', 'complaint']]);
});

test('an unreadable file is reported on stderr, the others are printed, and the exit status is 1', () => {
  const result = run('--json', `${GIVEN}no-such-file.eml`, `${GIVEN}rfc3834-01.eml`);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /no-such-file\.eml/);
  assert.equal(JSON.parse(result.stdout.trim()).kind, 'auto-reply');
});

test('without --json each file gets a readable table', () => {
  const result = run(`${GIVEN}lhost-sendmail-01.eml`);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /lhost-sendmail-01\.eml: bounce\nADDRESS +STATUS +REPLY +CLASS +REASON/);
  assert.match(result.stdout, /userunknown@bouncehammer\.jp +5\.1\.1 +550 /);
});
