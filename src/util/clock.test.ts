// The test clock: an offset file moves time forward; a missing file is no offset; a file caught
// while being rewritten (empty, cut short) keeps the offset read before, so time never jumps back.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { offsetFileClock } from './clock.js';

const HOUR = 3_600_000;
const reread = () => new Promise((r) => setTimeout(r, 60)); // past the clock's 50 ms re-read interval

describe('offsetFileClock', () => {
  it('reads the offset, ignores a half-written file, treats a missing one as no offset', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'petrel-clock-'));
    const file = join(dir, 'offset');
    try {
      const clock = offsetFileClock(file);
      assert.ok(Math.abs(clock() - Date.now()) < 1000, 'no file: the system clock');
      writeFileSync(file, String(5 * HOUR));
      await reread();
      assert.ok(clock() - Date.now() > 5 * HOUR - 1000);
      for (const text of ['', '  ', '50000x', '-']) {
        writeFileSync(file, text);
        await reread();
        assert.ok(clock() - Date.now() > 5 * HOUR - 1000, `"${text}" moved the clock back`);
      }
      rmSync(file);
      await reread();
      assert.ok(Math.abs(clock() - Date.now()) < 1000, 'the file removed: no offset');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
