// The system's resolvers: nameserver lines of /etc/resolv.conf, used when the config lists none.
// An unreadable file or one without valid nameservers yields 127.0.0.1:53, never an error.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { DnsServerAddress } from './transport.js';

const FALLBACK: DnsServerAddress = { host: '127.0.0.1', port: 53 };

/** The IP literals of `nameserver` lines, in file order, all on port 53. */
export function parseResolvConf(text: string): DnsServerAddress[] {
  const servers: DnsServerAddress[] = [];
  for (const line of text.split('\n')) {
    const [keyword, value] = line.replace(/[#;].*$/, '').trim().split(/\s+/);
    if (keyword === 'nameserver' && value && isIP(value) !== 0) servers.push({ host: value, port: 53 });
  }
  return servers;
}

/** The servers of `path` (default /etc/resolv.conf), or [127.0.0.1:53] when there are none. */
export function systemServers(path = '/etc/resolv.conf'): DnsServerAddress[] {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    // no resolv.conf (containers, Windows): fall through to the local resolver
  }
  const servers = parseResolvConf(text);
  return servers.length > 0 ? servers : [FALLBACK];
}
