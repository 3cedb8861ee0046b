// StoreError: the account/domain store's one error type, with a code the CLI maps to an exit status.
// Thrown for bad names, duplicates and missing rows; database failures pass through unchanged.

export type StoreErrorCode = 'invalid' | 'exists' | 'not-found';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}
