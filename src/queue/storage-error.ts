// The one error type the queue rejects commits with: storage failed (disk full, I/O or SQLite
// error), nothing of the message was kept, and the client may retry later (451 4.3.0).

/** A failed attempt to store a message; `cause` holds the system or SQLite error. */
export class QueueStorageError extends Error {
  override readonly name = 'QueueStorageError';

  constructor(step: string, cause: unknown) {
    super(`queue: ${step} failed: ${describe(cause)}`, { cause });
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
