// The shaping rules of `petrel serve` as the pacing layer sees them (src/pacing/shaping-port.ts).
// Until the rules module lands this gives no shaping; a rules error stops the server at start.
import type { PetrelConfig } from '../config/schema.js';
import { NO_SHAPING, type ShapingPort } from '../pacing/shaping-port.js';

export function shapingPort(config: PetrelConfig): ShapingPort {
  if (!config.shaping.enabled) return NO_SHAPING;
  return NO_SHAPING;
}
