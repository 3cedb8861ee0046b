// `petrel bounce parse FILE... [--json]`: reads returned mails (DSNs, text bounces, complaints,
// auto-replies) and prints each recipient's status, reply code, class and reason. Needs no database or
// config. An unreadable file is reported on stderr and the command exits 1 after the other files.
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { parseReport } from '../../bounce/report/index.js';
import type { ParsedReport } from '../../bounce/report-types.js';
import { formatTable } from '../io.js';

const parseOptions = z.object({ json: z.boolean().default(false) });

export function registerBounceCommands(program: Command): void {
  const bounce = program.command('bounce').description('read returned mails: bounces, complaints, auto-replies');
  bounce
    .command('parse <files...>')
    .description('print the recipients of each report with status, reply code, class and reason')
    .option('--json', 'one JSON object per file and line')
    .action(async (files: string[], raw: unknown) => {
      const { json } = parseOptions.parse(raw);
      let unreadable = 0;
      for (const file of files) {
        const report = await readReport(file);
        if (report === null) unreadable++;
        else process.stdout.write(json ? jsonLine(file, report) : table(file, report));
      }
      if (unreadable > 0) throw new Error(`${unreadable} of ${files.length} files could not be read`);
    });
}

async function readReport(file: string): Promise<ParsedReport | null> {
  try {
    return await parseReport(await readFile(file));
  } catch (err) {
    process.stderr.write(`petrel: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}\n`);
    return null;
  }
}

function jsonLine(file: string, report: ParsedReport): string {
  const recipients = report.recipients.map((r) => ({
    address: r.address, status: r.status, replyCode: r.replyCode, class: r.class, reason: r.reason, diagnostic: r.diagnostic,
  }));
  const extra = report.kind === 'complaint' ? { feedbackType: report.feedbackType } : {};
  return `${JSON.stringify({ file, kind: report.kind, recipients, ...extra })}\n`;
}

function table(file: string, report: ParsedReport): string {
  const head = `${file}: ${report.kind}${report.feedbackType ? ` (${report.feedbackType})` : ''}\n`;
  if (report.recipients.length === 0) return `${head}  no recipients\n\n`;
  const rows = report.recipients.map((r) => [r.address, r.status || '-', r.replyCode || '-', r.class, r.reason, r.diagnostic.slice(0, 80)]);
  return `${head}${formatTable(['ADDRESS', 'STATUS', 'REPLY', 'CLASS', 'REASON', 'DIAGNOSTIC'], rows)}\n`;
}
