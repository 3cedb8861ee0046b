// Placement tests and their per-seed results (placement_tests, placement_results). A result moves
// from pending to inbox/spam once (the first copy read wins, so re-reads change nothing) or to missing.
import type { Db } from '../store/db.js';

export type PlacementResult = 'inbox' | 'spam' | 'missing' | 'pending';
export type TestState = 'running' | 'finished' | 'failed';

export interface SeedResult {
  seed: string;
  address: string;
  messageId: string | null;
  result: PlacementResult;
  folder: string | null;
  spf: string | null;
  dkim: string | null;
  dmarc: string | null;
  authResults: string | null;
  arrivedAt: number | null;
}

export interface PlacementTest {
  id: string;
  identity: string;
  /** The seed pool. */
  seeds: string;
  subject: string;
  startedAt: number;
  finishedAt: number | null;
  state: TestState;
}

export interface Arrival {
  result: 'inbox' | 'spam';
  folder: string;
  spf: string | null;
  dkim: string | null;
  dmarc: string | null;
  authResults: string | null;
  arrivedAt: number;
}

const TEST_COLUMNS = 'id, identity, seeds, subject, started_at AS startedAt, finished_at AS finishedAt, state';
const RESULT_COLUMNS = `seed, address, message_id AS messageId, result, folder, spf, dkim, dmarc,
  auth_results AS authResults, arrived_at AS arrivedAt`;

export class PlacementStore {
  constructor(private readonly db: Db) {}

  /** A running test with one pending result per seed, in one transaction. */
  create(test: Omit<PlacementTest, 'finishedAt' | 'state'>, seeds: ReadonlyArray<{ seed: string; address: string }>): void {
    this.db.transaction(() => {
      this.db.prepare(`INSERT INTO placement_tests (id, identity, seeds, subject, started_at, state)
        VALUES (@id, @identity, @seeds, @subject, @startedAt, 'running')`).run(test);
      const add = this.db.prepare(`INSERT INTO placement_results (test_id, seed, address, result) VALUES (?, ?, ?, 'pending')`);
      for (const s of seeds) add.run(test.id, s.seed, s.address);
    })();
  }

  setMessageId(testId: string, seed: string, messageId: string): void {
    this.db.prepare('UPDATE placement_results SET message_id = ? WHERE test_id = ? AND seed = ?').run(messageId, testId, seed);
  }

  /** Records an arrival at a seed; false when that seed's result was already settled (or unknown). */
  arrived(testId: string, seed: string, a: Arrival): boolean {
    return this.db.prepare(`UPDATE placement_results SET result = @result, folder = @folder, spf = @spf, dkim = @dkim,
        dmarc = @dmarc, auth_results = @authResults, arrived_at = @arrivedAt
      WHERE test_id = @testId AND seed = @seed AND result = 'pending'`).run({ ...a, testId, seed }).changes > 0;
  }

  /** Ends a test: seeds still pending become missing. */
  finish(testId: string, state: 'finished' | 'failed', now: number): void {
    this.db.transaction(() => {
      this.db.prepare(`UPDATE placement_results SET result = 'missing' WHERE test_id = ? AND result = 'pending'`).run(testId);
      this.db.prepare('UPDATE placement_tests SET state = ?, finished_at = ? WHERE id = ?').run(state, now, testId);
    })();
  }

  get(id: string): PlacementTest | null {
    return (this.db.prepare(`SELECT ${TEST_COLUMNS} FROM placement_tests WHERE id = ?`).get(id) as PlacementTest | undefined) ?? null;
  }

  /** Tests, newest first; `before` (startedAt, id) continues after that test. */
  list(limit = 100, before: readonly [number, string] | null = null): PlacementTest[] {
    const where = before ? 'WHERE (started_at, id) < (?, ?)' : '';
    return this.db.prepare(`SELECT ${TEST_COLUMNS} FROM placement_tests ${where} ORDER BY started_at DESC, id DESC LIMIT ?`)
      .all(...(before ?? []), limit) as PlacementTest[];
  }

  results(testId: string): SeedResult[] {
    return this.db.prepare(`SELECT ${RESULT_COLUMNS} FROM placement_results WHERE test_id = ? ORDER BY seed`).all(testId) as SeedResult[];
  }

  /** How many of a test's seeds still wait for their copy. */
  pending(testId: string): number {
    return this.db.prepare(`SELECT count(*) FROM placement_results WHERE test_id = ? AND result = 'pending'`).pluck().get(testId) as number;
  }
}
