// Per-command policy as data (like Postfix's smtpd_cmd_table): which commands a submission listener
// allows before TLS, and which end a pipelined group so their replies are flushed at once.

import type { Verb } from '../wire/command.js';

interface CommandPolicy {
  /** Allowed on submission before STARTTLS (RFC 8314 and RFC 6409 practice: no mail, no AUTH in clear). */
  beforeTls: boolean;
  /** Must be the last command of a pipelined group (RFC 2920 §3.1); its reply is flushed at once. */
  endsGroup: boolean;
}

export const COMMAND_POLICY: Record<Verb, CommandPolicy> = {
  EHLO: { beforeTls: true, endsGroup: true },
  HELO: { beforeTls: true, endsGroup: true },
  STARTTLS: { beforeTls: true, endsGroup: true },
  NOOP: { beforeTls: true, endsGroup: true },
  RSET: { beforeTls: true, endsGroup: false },
  QUIT: { beforeTls: true, endsGroup: true },
  HELP: { beforeTls: true, endsGroup: true },
  AUTH: { beforeTls: false, endsGroup: true },
  MAIL: { beforeTls: false, endsGroup: false },
  RCPT: { beforeTls: false, endsGroup: false },
  DATA: { beforeTls: false, endsGroup: true },
  BDAT: { beforeTls: false, endsGroup: false },
  VRFY: { beforeTls: false, endsGroup: true },
};
