// Per-command policy as data (like Postfix's smtpd_cmd_table): which commands a submission listener
// allows before TLS, which end a pipelined group (their replies are flushed at once), and which
// count toward the session's error budget when refused.

import type { Verb } from '../wire/command.js';

interface CommandPolicy {
  /** Allowed on submission before STARTTLS (RFC 8314 and RFC 6409 practice: no mail, no AUTH in clear). */
  beforeTls: boolean;
  /** Must be the last command of a pipelined group (RFC 2920 §3.1); its reply is flushed at once. */
  endsGroup: boolean;
  /** A 5xx reply to it counts toward limits.maxErrors (harmless commands do not). */
  countsErrors: boolean;
}

export const COMMAND_POLICY: Record<Verb, CommandPolicy> = {
  EHLO: { beforeTls: true, endsGroup: true, countsErrors: true },
  HELO: { beforeTls: true, endsGroup: true, countsErrors: true },
  STARTTLS: { beforeTls: true, endsGroup: true, countsErrors: true },
  NOOP: { beforeTls: true, endsGroup: true, countsErrors: false },
  RSET: { beforeTls: true, endsGroup: false, countsErrors: false },
  QUIT: { beforeTls: true, endsGroup: true, countsErrors: false },
  HELP: { beforeTls: true, endsGroup: true, countsErrors: false },
  AUTH: { beforeTls: false, endsGroup: true, countsErrors: true },
  MAIL: { beforeTls: false, endsGroup: false, countsErrors: true },
  RCPT: { beforeTls: false, endsGroup: false, countsErrors: true },
  DATA: { beforeTls: false, endsGroup: true, countsErrors: true },
  BDAT: { beforeTls: false, endsGroup: false, countsErrors: true },
  VRFY: { beforeTls: false, endsGroup: true, countsErrors: true },
};
