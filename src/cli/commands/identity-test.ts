// `petrel identity test NAME`: connect to a relay identity's relay as delivery would (its TLS mode,
// its credentials unsealed), EHLO, STARTTLS, AUTH, QUIT; print each step's reply and a fix for the
// first failure. Exit 1 when a step failed, 2 for an mta identity (it has no relay to log in to).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { probeRelay, formatProbeReport } from '../../identities/probe.js';
import { probeTargetOf } from '../../identities/probe-target.js';
import { IdentityStore } from '../../identities/store.js';
import { secretKeyPath } from '../../store/paths.js';
import { readSecretKey } from '../../store/seal.js';
import { configFor, withDatabase } from '../context.js';
import { UsageError } from '../errors.js';

export function registerIdentityTest(identity: Command): void {
  identity
    .command('test <name>')
    .description("log in to a relay identity's relay: connect, EHLO, STARTTLS, AUTH, QUIT, with a fix for what fails")
    .action(async (name: string, _raw: unknown, command: Command) => {
      const config = configFor(command);
      const target = await withDatabase(config, (db) => {
        const store = new IdentityStore(db, readSecretKey(secretKeyPath(config)));
        const found = store.get(name);
        if (!found) throw new Error(`no identity ${name}`);
        const target = probeTargetOf(store, found);
        if (!target) throw new UsageError(`identity ${name} sends by MX (--via mta): there is no relay to test; see petrel domain check ${found.domain}`);
        return target;
      });
      const ca = config.delivery.tls.caFiles.map((file) => readFileSync(file, 'utf8'));
      const report = await probeRelay(target, { helo: config.delivery.helo ?? config.hostname, ca });
      process.stdout.write(formatProbeReport(report));
      if (!report.ok) throw new Error(`identity test of ${name} failed at ${report.steps.find((s) => !s.ok)?.step ?? 'a step'}`);
    });
}
