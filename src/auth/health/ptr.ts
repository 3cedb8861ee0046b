// PTR/FCrDNS health for each sending IP: a PTR exists, its name resolves back to the IP, and it is the
// EHLO name used from that IP (warn otherwise). DNS trouble gives `unknown`, never `pass`.
import { isIP } from 'node:net';
import type { HealthContext, SendingSource } from './context.js';
import { describeDns, looked } from './lookup.js';
import { finding, pass, type Finding } from './report.js';

/** The PTR findings for every configured sending source. */
export async function checkPtr(ctx: HealthContext): Promise<Finding[]> {
  if (ctx.sources.length === 0) {
    return [finding('sources', 'warn', 'sending IPs unknown (delivery.sources is empty)', 'list the sending addresses and their EHLO names in delivery.sources')];
  }
  const perSource = await Promise.all(ctx.sources.map((s) => checkSource(ctx, s)));
  return perSource.flat();
}

async function checkSource(ctx: HealthContext, source: SendingSource): Promise<Finding[]> {
  const { address, helo } = source;
  const check = `ptr ${address}`;
  const names = await looked(ctx.resolver.ptr(address));
  if (!Array.isArray(names)) return [finding(check, 'unknown', describeDns(names), 'retry; DNS did not answer')];
  if (names.length === 0) return [finding(check, 'fail', `no PTR record for ${address}`, `ask the IP's owner to set its PTR to ${helo}`)];
  const forward = await Promise.all(names.map((name) => forwardContains(ctx, name, address)));
  const confirmed = names.filter((_, i) => forward[i] === true);
  if (confirmed.length === 0) {
    if (forward.some((f) => f === null)) return [finding(check, 'unknown', `could not resolve ${names.join(', ')}`, 'retry; DNS did not answer')];
    return [finding(check, 'fail', `PTR ${names.join(', ')} does not resolve back to ${address}`, `add ${isIP(address) === 6 ? 'AAAA' : 'A'} ${address} for ${names[0]}`)];
  }
  const matches = confirmed.some((n) => n.toLowerCase() === helo.toLowerCase());
  return [
    pass(check, `${address} ↔ ${confirmed[0]} (forward-confirmed)`),
    matches
      ? pass(`ehlo ${address}`, `EHLO name ${helo} matches the PTR`)
      : finding(`ehlo ${address}`, 'warn', `EHLO name ${helo} differs from PTR ${confirmed[0]}`, `set delivery.sources helo to ${confirmed[0]} or change the PTR to ${helo}`),
  ];
}

/** True when `name`'s A/AAAA records include `address`; null when DNS did not answer. */
async function forwardContains(ctx: HealthContext, name: string, address: string): Promise<boolean | null> {
  const v6 = isIP(address) === 6;
  const found = await looked(v6 ? ctx.resolver.aaaa(name) : ctx.resolver.a(name));
  if (!Array.isArray(found)) return null;
  const norm = (ip: string) => (v6 ? expand6(ip) : ip);
  return found.some((ip) => norm(ip) === norm(address));
}

/** The canonical full form of an IPv6 address, for comparison. */
function expand6(ip: string): string {
  const [head = '', tail] = ip.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0');
  return [...left, ...(tail === undefined ? [] : zeros), ...right].map((g) => g.padStart(4, '0')).join(':');
}
