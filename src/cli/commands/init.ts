// `petrel init`: write the commented petrel.yaml with every setting at its default.
// Refuses to overwrite an existing file without --force (exit 2); an invalid --hostname is a config error.
import type { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { checkConfigText, dataDirFromFlags, defaultConfigFile } from '../../config/load.js';
import { renderConfigTemplate } from '../../config/template.js';
import { globalsOf } from '../context.js';
import { UsageError } from '../errors.js';

const initOptions = z.object({ hostname: z.string().optional(), force: z.boolean().default(false) });

export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .description('write a commented configuration file (default <dataDir>/petrel.yaml)')
    .option('--hostname <name>', 'host name for the greeting and certificate (default: this machine)')
    .option('--force', 'overwrite an existing file')
    .action((raw: unknown, command: Command) => {
      const { hostname, force } = initOptions.parse(raw);
      const globals = globalsOf(command);
      const dataDir = resolve(dataDirFromFlags({ dataDir: globals.dataDir }) ?? './petrel-data');
      const file = resolve(globals.config ?? defaultConfigFile(dataDir));
      const chosenHostname = hostname ?? process.env['PETREL_HOSTNAME'] ?? osHostname();
      const text = renderConfigTemplate({ hostname: chosenHostname, dataDir });
      checkConfigText(text);
      writeConfig(file, text, force);
      process.stdout.write(`wrote ${file}\n`);
    });
}

function writeConfig(file: string, text: string, force: boolean): void {
  mkdirSync(dirname(file), { recursive: true });
  try {
    // 0600: the file may later hold bearer tokens.
    writeFileSync(file, text, { flag: force ? 'w' : 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    throw new UsageError(`${file} already exists (use --force to overwrite)`);
  }
}
