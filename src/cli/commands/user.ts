// `petrel user add|list|remove|passwd`: login accounts, their passwords and allowed sender addresses.
// Passwords come only from stdin; bad names or patterns exit 2, duplicates and unknown users exit 1.
import type { Command } from 'commander';
import { z } from 'zod';
import type { PetrelConfig } from '../../config/schema.js';
import { makeCredentials } from '../../store/credentials.js';
import { addUser, listUsers, removeUser, requireUserName, resolveAllowFrom, setCredentials } from '../../store/users.js';
import type { StoredCredentials, UserRecord } from '../../store/users.js';
import { configFor, withDatabase } from '../context.js';
import { UsageError } from '../errors.js';
import { formatTable, formatTime, readPasswordFromStdin, yesNo } from '../io.js';

const passwordOptions = z.object({ passwordStdin: z.boolean().default(false) });
const addOptions = passwordOptions.extend({ allowFrom: z.array(z.string()).default([]) });

export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('manage login accounts');
  user
    .command('add <name>')
    .description('add a user; the password is read from stdin')
    .option('--password-stdin', 'read the password from stdin (required)')
    .option('--allow-from <pattern...>', 'sender addresses it may use: *@domain or an exact address')
    .action(async (input: string, raw: unknown, command: Command) => {
      const options = addOptions.parse(raw);
      const config = configFor(command);
      const name = requireUserName(input);
      const allowFrom = resolveAllowFrom(name, options.allowFrom); // fail on bad patterns before reading stdin
      const credentials = await credentialsFromStdin(name, options.passwordStdin, config);
      const added = await withDatabase(config, (db) => addUser(db, { name, credentials, allowFrom }));
      process.stdout.write(`added user ${added.name} (may send as ${added.allowFrom.join(', ') || 'nobody'})\n`);
    });
  user
    .command('list')
    .description('list users')
    .action(async (_raw: unknown, command: Command) => {
      const users = await withDatabase(configFor(command), listUsers);
      process.stdout.write(users.length === 0 ? 'no users\n' : userTable(users));
    });
  user
    .command('remove <name>')
    .description('remove a user')
    .action(async (input: string, _raw: unknown, command: Command) => {
      const name = requireUserName(input);
      await withDatabase(configFor(command), (db) => removeUser(db, name));
      process.stdout.write(`removed user ${name}\n`);
    });
  user
    .command('passwd <name>')
    .description("replace a user's password; the new one is read from stdin")
    .option('--password-stdin', 'read the password from stdin (required)')
    .action(async (input: string, raw: unknown, command: Command) => {
      const config = configFor(command);
      const name = requireUserName(input);
      const credentials = await credentialsFromStdin(name, passwordOptions.parse(raw).passwordStdin, config);
      await withDatabase(config, (db) => setCredentials(db, name, credentials));
      process.stdout.write(`changed password of ${name}\n`);
    });
}

async function credentialsFromStdin(name: string, fromStdin: boolean, config: PetrelConfig): Promise<StoredCredentials> {
  // Passwords on the command line end up in shell history and `ps`, so stdin is the only way in.
  if (!fromStdin) throw new UsageError('--password-stdin is required: pipe the password on stdin');
  const password = await readPasswordFromStdin();
  return makeCredentials(name, password, { dataDir: config.dataDir, cramMd5: config.auth.cramMd5 });
}

function userTable(users: UserRecord[]): string {
  const rows = users.map((u) => [u.name, yesNo(u.cramMd5), formatTime(u.createdAt), u.allowFrom.join(',') || '-']);
  return formatTable(['NAME', 'CRAM-MD5', 'ADDED', 'ALLOW-FROM'], rows);
}
