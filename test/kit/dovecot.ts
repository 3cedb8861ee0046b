// A private Dovecot IMAP server for mailbox tests: its own config, state, logs and maildirs under a
// temp dir, a passwd-file of test users, the IMAP listener on a free loopback port, started as root
// with `dovecot -c FILE` and stopped with `doveadm -c FILE stop`. Mail is put in and read back with
// doveadm itself (save / fetch / move), so fixtures never go through Petrel's own IMAP client.
import { chmodSync, closeSync, mkdirSync, openSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { freePort } from './ports.js';
import { requireTool, runTool } from './tools.js';

export interface DovecotUser {
  user: string;
  password: string;
}

export interface DovecotOptions {
  users: DovecotUser[];
  /** false: the IMAP capability list leaves IDLE out, so clients must poll. */
  idle?: boolean;
}

export interface StoredMail {
  uid: number;
  flags: string[];
  /** Header and body as stored (CRLF line ends). */
  text: string;
}

export interface Dovecot {
  host: string;
  port: number;
  dir: string;
  /**
   * Put `raw` in `folder` (INBOX, Junk, ...) of `user` as a provider's delivery would: an IMAP APPEND
   * by Python's imaplib (a third-party client), logged in with the user's password.
   */
  deliver(user: string, raw: string | Buffer, folder?: string, flags?: string[]): Promise<void>;
  /** The messages of `folder`, in UID order. */
  messages(user: string, folder?: string): Promise<StoredMail[]>;
  /** Give `folder` a new UIDVALIDITY (as a server does after rebuilding its index). */
  resetUidValidity(user: string, folder?: string): Promise<void>;
  /** Change the user's password in the passwd-file; resolves once the next login sees it. */
  setPassword(user: string, password: string): Promise<void>;
  doveadm(args: string[], input?: string | Buffer): Promise<string>;
  stop(): Promise<void>;
  /** The server's log, for failure messages. */
  log(): string;
}

/** Start a private Dovecot; a missing `dovecot` binary fails with a clear message (no skip). */
export async function startDovecot(opts: DovecotOptions): Promise<Dovecot> {
  const dovecot = requireTool('dovecot');
  requireTool('doveadm');
  const dir = mkdtempSync(join(tmpdir(), 'petrel-dovecot-'));
  chmodSync(dir, 0o755);
  const homes = join(dir, 'home');
  mkdirSync(homes);
  chmodSync(homes, 0o777); // the static userdb runs mail access as nobody
  const port = await freePort();
  const conf = join(dir, 'dovecot.conf');
  const passwd = join(dir, 'passwd');
  const users = new Map(opts.users.map((u) => [u.user, u.password]));
  // Dovecot re-reads a passwd-file when its mtime (whole seconds) changes: every write gets an mtime
  // two seconds past the last one, so a change within the same second is seen too.
  let version = Math.floor(Date.now() / 1000);
  const writePasswd = () => {
    writeFileSync(passwd, [...users].map(([u, p]) => `${u}:{PLAIN}${p}::::::\n`).join(''));
    version += 2;
    utimesSync(passwd, version, version);
  };
  writePasswd();
  writeFileSync(conf, config(dir, port, passwd, homes, opts.idle !== false));
  // The daemon keeps inherited pipes open (a pipe would be read until it times out), so its output
  // goes to a file and only the exit status counts; config errors are in that file or the log.
  const out = join(dir, 'start.out');
  const fd = openSync(out, 'w');
  const started = spawnSync(dovecot, ['-c', conf], { stdio: ['ignore', fd, fd], timeout: 20_000 });
  closeSync(fd);
  const log = () => { try { return readFileSync(join(dir, 'dovecot.log'), 'utf8'); } catch { return ''; } };
  if (started.status !== 0) throw new Error(`dovecot did not start (${started.status}): ${readFileSync(out, 'utf8')}${log()}`);
  await waitListening(port, log);
  const doveadm = async (args: string[], input?: string | Buffer) => {
    const r = await runTool('doveadm', ['-c', conf, ...args], { input, timeoutMs: 20_000 });
    if (r.code !== 0) throw new Error(`doveadm ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  return {
    host: '127.0.0.1',
    port,
    dir,
    log,
    doveadm,
    deliver: async (user, raw, folder = 'INBOX', flags = []) => {
      const password = users.get(user) ?? '';
      const body = typeof raw === 'string' ? Buffer.from(raw.replace(/\r?\n/g, '\r\n')) : raw;
      const r = await runTool('/usr/bin/python3', ['-c', APPEND, String(port), user, password, folder, flags.join(' ')], { input: body, timeoutMs: 20_000 });
      if (r.code !== 0) throw new Error(`IMAP APPEND to ${user}/${folder} failed (${r.code}): ${r.stderr}${r.stdout}`);
    },
    messages: async (user, folder = 'INBOX') => parseFetch(await doveadm(['fetch', '-u', user, 'uid flags text', 'mailbox', folder, 'all'])),
    resetUidValidity: async (user, folder = 'INBOX') => {
      const maildir = join(homes, user, 'Maildir', folder === 'INBOX' ? '' : `.${folder}`);
      const list = join(maildir, 'dovecot-uidlist');
      const text = readFileSync(list, 'utf8');
      writeFileSync(list, text.replace(/^(\d+) V(\d+)/, (_m, v: string, validity: string) => `${v} V${Number(validity) + 1000}`));
      for (const f of readdirSync(maildir).filter((n) => n.startsWith('dovecot.index'))) rmSync(join(maildir, f), { force: true });
      await doveadm(['force-resync', '-u', user, folder]);
    },
    setPassword: async (user, password) => {
      users.set(user, password);
      writePasswd();
      // Dovecot stats the file at most once a second (per its loop's clock): a login in the same second
      // as the last one could still see the old file. Past the next second boundary it cannot.
      await new Promise((r) => setTimeout(r, 1050 - (Date.now() % 1000)));
    },
    stop: () => stopMaster(dir, conf),
  };
}

/** APPEND stdin to a folder: argv = port, user, password, folder, flags ("" or "\\Seen \\Flagged"). */
const APPEND = `
import imaplib, sys
port, user, password, folder, flags = sys.argv[1:6]
data = sys.stdin.buffer.read()
m = imaplib.IMAP4('127.0.0.1', int(port))
m.login(user, password)
typ, resp = m.append(folder, '(' + flags + ')' if flags else None, None, data)
if typ != 'OK': sys.exit('APPEND: %s %r' % (typ, resp))
m.logout()
`;

function config(dir: string, port: number, passwd: string, homes: string, idle: boolean): string {
  return `# Written by test/kit/dovecot.ts for one test run.
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
info_log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
mailbox_idle_check_interval = 1 secs
${idle ? '' : 'imap_capability = IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE NAMESPACE UIDPLUS MOVE SPECIAL-USE'}
passdb {
  driver = passwd-file
  args = scheme=PLAIN ${passwd}
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=${homes}/%u
}
namespace inbox {
  inbox = yes
  separator = /
  mailbox Junk {
    special_use = \\Junk
    auto = create
  }
  mailbox Sent {
    special_use = \\Sent
    auto = create
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service imap {
  process_limit = 1024
}
service anvil {
  client_limit = 2300
}
service auth {
  client_limit = 2300
}
default_client_limit = 2300
default_process_limit = 1100
`;
}

/** doveadm fetch prints `uid: N`, `flags: ...`, `text:` and the message, records split by a form feed. */
function parseFetch(out: string): StoredMail[] {
  return out.split('\f').map((rec) => rec.replace(/^\n/, '')).filter((rec) => rec.startsWith('uid:')).map((rec) => {
    const uid = Number(/^uid: (\d+)/m.exec(rec)?.[1]);
    const flags = (/^flags: ?(.*)$/m.exec(rec)?.[1] ?? '').split(' ').filter(Boolean);
    const at = rec.indexOf('text:\n');
    return { uid, flags, text: at < 0 ? '' : rec.slice(at + 'text:\n'.length) };
  });
}

/**
 * SIGTERM to the master (what `doveadm stop` sends). The master takes seconds to end its children,
 * so a detached shell waits for it and then removes the temp dir: a test's clean-up does not wait.
 * `doveadm -c FILE stop` is the fallback when the pid file is missing.
 */
async function stopMaster(dir: string, conf: string): Promise<void> {
  let pid = 0;
  try { pid = Number(readFileSync(join(dir, 'run', 'master.pid'), 'utf8').trim()); } catch { /* not started */ }
  if (!pid) {
    await runTool('doveadm', ['-c', conf, 'stop'], { timeoutMs: 20_000 }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  try { process.kill(pid, 'SIGTERM'); } catch { /* gone already */ }
  const script = 'i=0; while kill -0 "$1" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done; kill -9 "$1" 2>/dev/null; rm -rf "$2"';
  spawn('sh', ['-c', script, 'sh', String(pid), dir], { detached: true, stdio: 'ignore' }).unref();
}

async function waitListening(port: number, log: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`dovecot is not listening on 127.0.0.1:${port}; log:\n${log()}`);
}
