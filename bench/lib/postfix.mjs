// A private Postfix instance for the outbound bench: its own config directory, queue
// directory, data directory and log file under the bench's work directory, listening
// on 127.0.0.1 only and relaying everything to the sink (relayhost = [127.0.0.1]:port).
// Nothing of the system's Postfix (/etc/postfix/main.cf, /var/spool/postfix) is used
// or touched; the binaries are Debian's.
//
// Queue phase: the instance's smtpd puts every message it accepts on hold
// (smtpd_data_restrictions = check_client_access static:HOLD, on that smtpd only), so
// nothing is delivered while the bench feeds it. Release: `postsuper -H ALL` moves the
// held messages to the deferred queue and `postqueue -f` makes the queue manager take
// them all at once. Settled: every queue directory is empty again.
//
// Concurrency: 20 parallel deliveries to the relay (default_destination_concurrency_limit,
// and initial_destination_concurrency raised from 5 to 20 so the slow start does not
// count against Postfix); connection reuse (smtp_connection_cache_on_demand) is on by
// default. No chroot, no TLS, no DNS.

import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { HOST } from './smtp.mjs';

const execFileP = promisify(execFile);

export const POSTFIX = '/usr/sbin/postfix';
export const POSTSUPER = '/usr/sbin/postsuper';
export const POSTQUEUE = '/usr/sbin/postqueue';
export const POSTCONF = '/usr/sbin/postconf';

const QUEUES = ['maildrop', 'incoming', 'active', 'deferred', 'hold'];

export function postfixUnavailable() {
  for (const bin of [POSTFIX, POSTSUPER, POSTQUEUE, POSTCONF]) {
    if (!existsSync(bin)) return `${bin} missing (apt-get install postfix)`;
  }
  if (process.getuid?.() !== 0) return 'a private Postfix instance needs root';
  try {
    execFileSync('id', ['postfix'], { stdio: 'ignore' });
  } catch {
    return "no 'postfix' user (install Debian's postfix package)";
  }
  return null;
}

export function postfixVersion() {
  try {
    return execFileSync(POSTCONF, ['-d', '-h', 'mail_version'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

function mainCf({ dir, sinkPort, concurrency }) {
  return [
    '# written by bench/lib/postfix.mjs: a private, loopback-only instance',
    'compatibility_level = 3.6',
    `queue_directory = ${join(dir, 'spool')}`,
    `data_directory = ${join(dir, 'data')}`,
    'mail_owner = postfix',
    'setgid_group = postdrop',
    'myhostname = postfix.bench.test',
    'mydomain = bench.test',
    'myorigin = $myhostname',
    'mydestination =',
    'relay_domains =',
    'local_recipient_maps =',
    'alias_maps =',
    'alias_database =',
    'append_dot_mydomain = no',
    'biff = no',
    `inet_interfaces = ${HOST}`,
    'inet_protocols = ipv4',
    'mynetworks = 127.0.0.0/8',
    `relayhost = [${HOST}]:${sinkPort}`,
    'smtpd_relay_restrictions = permit_mynetworks, reject',
    'smtpd_recipient_restrictions = permit_mynetworks, reject',
    'smtpd_peername_lookup = no',
    'smtpd_tls_security_level = none',
    'smtp_tls_security_level = none',
    'smtp_dns_support_level = disabled',
    `default_destination_concurrency_limit = ${concurrency}`,
    `initial_destination_concurrency = ${concurrency}`,
    `default_process_limit = ${Math.max(100, 2 * concurrency + 20)}`,
    `maillog_file = ${join(dir, 'maillog')}`,
    `maillog_file_prefixes = ${dir}`,
    'syslog_name = postfix-bench',
    '',
  ].join('\n');
}

function masterCf({ port }) {
  const rows = [
    // service type private unpriv chroot wakeup maxproc command
    `${HOST}:${port} inet n - n - - smtpd -o smtpd_data_restrictions=check_client_access,static:HOLD`,
    'pickup unix n - n 60 1 pickup',
    'cleanup unix n - n - 0 cleanup',
    'qmgr unix n - n 300 1 qmgr',
    'rewrite unix - - n - - trivial-rewrite',
    'bounce unix - - n - 0 bounce',
    'defer unix - - n - 0 bounce',
    'trace unix - - n - 0 bounce',
    'verify unix - - n - 1 verify',
    'flush unix n - n 1000? 0 flush',
    'proxymap unix - - n - - proxymap',
    'proxywrite unix - - n - 1 proxymap',
    'smtp unix - - n - - smtp',
    'relay unix - - n - - smtp',
    'showq unix n - n - - showq',
    'error unix - - n - - error',
    'retry unix - - n - - error',
    'discard unix - - n - - discard',
    'anvil unix - - n - 1 anvil',
    'scache unix - - n - 1 scache',
    'postlog unix-dgram n - n - 1 postlogd',
  ];
  return ['# written by bench/lib/postfix.mjs', ...rows, ''].join('\n');
}

function countFiles(dir) {
  let n = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    if (entry.isDirectory()) n += countFiles(join(dir, entry.name));
    else n++;
  }
  return n;
}

/**
 * Write the config and start the instance. `dir` must be reachable by the postfix
 * user (every parent directory searchable). Resolves with a handle.
 */
export async function startPostfix({ dir, port, sinkPort, concurrency = 20 }) {
  const etc = join(dir, 'etc');
  const spool = join(dir, 'spool');
  for (const sub of [etc, spool, join(dir, 'data')]) mkdirSync(sub, { recursive: true });
  chmodSync(dir, 0o755);
  chmodSync(spool, 0o755);
  execFileSync('chown', ['postfix', join(dir, 'data')]);
  writeFileSync(join(etc, 'main.cf'), mainCf({ dir, sinkPort, concurrency }));
  writeFileSync(join(etc, 'master.cf'), masterCf({ port }));
  const run = async (bin, args, what) => {
    try {
      const { stdout, stderr } = await execFileP(bin, ['-c', etc, ...args], { timeout: 60_000, maxBuffer: 64 << 20 });
      return { stdout, stderr };
    } catch (err) {
      throw new Error(`${what} failed: ${(err.stderr || err.message).trim().split('\n').slice(-5).join('\n')}`);
    }
  };
  // `check` creates the missing queue directories with the right owners.
  await run(POSTFIX, ['check'], 'postfix check');
  await run(POSTFIX, ['start'], 'postfix start');

  const pidFile = join(spool, 'pid', 'master.pid');
  const handle = {
    dir,
    etc,
    spool,
    port,
    maillog: join(dir, 'maillog'),
    masterPid() {
      try {
        const pid = Number(readFileSync(pidFile, 'utf8').trim());
        return pid > 0 && existsSync(`/proc/${pid}`) ? pid : null;
      } catch {
        return null;
      }
    },
    /** Files in each queue directory (counted from the spool, no daemon involved). */
    queueCounts() {
      const counts = {};
      for (const q of QUEUES) counts[q] = countFiles(join(spool, q));
      return counts;
    },
    /** Messages not yet delivered, in any queue. */
    pending() {
      const c = this.queueCounts();
      return QUEUES.reduce((sum, q) => sum + c[q], 0);
    },
    /** Take everything off hold and have the queue manager deliver it now. */
    async release() {
      await run(POSTSUPER, ['-H', 'ALL'], 'postsuper -H ALL');
      await run(POSTQUEUE, ['-f'], 'postqueue -f');
    },
    /** Delete every queued message (left over from a failed run). */
    async purge() {
      await run(POSTSUPER, ['-d', 'ALL'], 'postsuper -d ALL');
    },
    async stop() {
      const pid = this.masterPid();
      try {
        await execFileP(POSTFIX, ['-c', etc, 'stop'], { timeout: 30_000 });
      } catch {
        // fall through to the pid below
      }
      for (let i = 0; i < 100 && pid && existsSync(`/proc/${pid}`); i++) await sleep(100);
      if (pid && existsSync(`/proc/${pid}`)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    },
  };
  // Ready: the master has written its pid and the smtpd port answers.
  for (let i = 0; i < 100 && !handle.masterPid(); i++) await sleep(100);
  if (!handle.masterPid()) {
    await handle.stop();
    throw new Error(`postfix master did not start; see ${handle.maillog}`);
  }
  return handle;
}
