// Creates Petrel's structured logger: pino, JSON lines to stdout, one service tag on every record.
// Never throws after construction; a bad level is impossible because the config schema checks it.
import { pino, type DestinationStream, type Logger } from 'pino';
import type { PetrelConfig } from '../config/schema.js';

export type { Logger } from 'pino';

// Defence in depth: callers must never log secrets or message bodies, but a field by one of these
// names that slips through is masked rather than written out.
const REDACTED_PATHS = ['password', '*.password', 'token', '*.token', 'secret', '*.secret'];

/**
 * A logger at the configured level; `destination` lets tests capture the output.
 * @example createLogger(config).info({ event: 'listening', port: 25 }, 'listening')
 */
export function createLogger(config: Pick<PetrelConfig, 'log'>, destination?: DestinationStream): Logger {
  const options = {
    level: config.log.level,
    base: { service: 'petrel' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '***' },
  };
  // Asynchronous stdout writes keep logging off the hot path; pino flushes them on process exit.
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
}
