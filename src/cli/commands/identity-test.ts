// `petrel identity test NAME`: placeholder until the relay probe lands.
import type { Command } from 'commander';

export function registerIdentityTest(identity: Command): void {
  identity.command('test <name>').description('connect to the relay: EHLO, STARTTLS, AUTH, QUIT').action(() => {
    throw new Error('not built yet');
  });
}
