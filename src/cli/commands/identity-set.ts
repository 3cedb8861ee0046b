// `petrel identity set NAME [flags]`: change any field of an identity with add's flags (plus --no-imap,
// --no-warmup-network, --[no-]relay-verify, --[no-]imap-verify), checked by add's rules; secrets from
// stdin replace only those fields. Prints what changed. Bad flags exit 2, an unknown name exits 1.
import type { Command } from 'commander';
import { IdentityStore } from '../../identities/store.js';
import { mergeIdentity } from '../../identities/update.js';
import { secretKeyPath } from '../../store/paths.js';
import { loadOrCreateSecretKey } from '../../store/seal.js';
import { processClock } from '../../util/clock.js';
import { configFor, withDatabase } from '../context.js';
import { identityFlags, patchOf, secretsFromStdin, withIdentityFlags } from './identity-flags.js';

export function registerIdentitySet(identity: Command): void {
  const set = identity.command('set <name>')
    .description('change any field of an identity (the flags of identity add; secrets from stdin replace only those)')
    .option('--from <address>', 'the address it sends as, or a domain')
    .option('--via <how>', 'mta or relay');
  withIdentityFlags(set, true).action(async (name: string, raw: unknown, command: Command) => {
    const config = configFor(command);
    const o = identityFlags.parse(raw);
    const patch = patchOf(o, await secretsFromStdin(o));
    const changed = await withDatabase(config, (db) => {
      const store = new IdentityStore(db, loadOrCreateSecretKey(secretKeyPath(config)));
      const current = store.get(name);
      if (!current) throw new Error(`no identity ${name}`);
      const before = store.secretOf(name);
      const merged = mergeIdentity(current, before, patch);
      const secretChanged = JSON.stringify(before) !== JSON.stringify(merged.secret);
      store.update(name, merged.identity, processClock()(), secretChanged ? merged.secret : undefined);
      return merged;
    });
    if (changed.identity.source && !config.delivery.sources.some((s) => s.address === changed.identity.source)) {
      process.stderr.write(`petrel: note: ${changed.identity.source} is not in delivery.sources; its EHLO name will be the hostname\n`);
    }
    process.stdout.write(changed.changed.length === 0 ? `identity ${name}: nothing changed\n` : `changed identity ${name}: ${changed.changed.join(', ')}\n`);
  });
}
