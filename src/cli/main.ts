#!/usr/bin/env node
// Entry point of the `petrel` command: parse the arguments, run the command, map errors to exit codes.
// Exits 0 on success, 1 on runtime errors and 2 on usage or config errors, with one line on stderr.
import { buildProgram } from './program.js';
import { describeError, exitCodeFor, EXIT_OK } from './errors.js';

/** Run the CLI for `argv` (as in process.argv) and return the exit status. */
async function runCli(argv: readonly string[]): Promise<number> {
  try {
    await (await buildProgram(argv)).parseAsync([...argv]);
    return EXIT_OK;
  } catch (err) {
    const line = describeError(err);
    if (line !== null) process.stderr.write(`${line}\n`);
    return exitCodeFor(err);
  }
}

process.exitCode = await runCli(process.argv);
