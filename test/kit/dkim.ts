// Verifies the DKIM signatures of delivered mail with mailauth (a third-party verifier), its key
// lookups sent to the test DNS server, so a test sees what a receiving server would.
import { Resolver } from 'node:dns/promises';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';

/** Each signature of `content` (as a sink stored it) as [result, algorithm, signing domain]. */
export async function dkimResults(content: string, dnsServer: string): Promise<{ summary: Array<Array<string | undefined>>; raw: unknown; message: Buffer }> {
  const message = Buffer.from(content.replace(/\r?\n/g, '\r\n'));
  const resolver = new Resolver();
  resolver.setServers([dnsServer]);
  const { results } = await dkimVerify(message, { resolver: (name, type) => resolver.resolve(name, type) });
  return { summary: results.map((x) => [x.status.result, x.algo, x.signingDomain]), raw: results, message };
}
