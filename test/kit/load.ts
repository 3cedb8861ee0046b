// A tracking load client: workers send messages with a unique X-Load-Token each and record the
// outcome of every one (accepted on 250, rejected on another reply, unknown if the connection died
// after the final dot). Workers reconnect while the server is down; every loop is bounded.
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { RawSmtp } from './raw-smtp.js';

export type Outcome = 'accepted' | 'rejected' | 'unknown';

export interface LoadOptions {
  port: number;
  workers: number;
  maxPerWorker: number; // messages each worker sends at most
  perConnection: number; // messages per connection before QUIT and reconnect
  recipient: string;
  sizes: number[]; // body sizes picked in turn, to hit both the in-database and the spool path
}

export interface LoadResult {
  outcomes: Map<string, Outcome>;
  connectFailures: number;
}

/** The token line every load message carries; `tokenOf` finds it in a stored body. */
export const TOKEN_HEADER = 'X-Load-Token';

export function tokenOf(body: Buffer): string | null {
  const m = /^X-Load-Token: (\S+)\r$/m.exec(body.toString('latin1'));
  return m ? m[1]! : null;
}

/** Body line that closes every load message, to detect truncation. */
export const endMarker = (token: string) => `END-OF-${token}`;

function loadMessage(token: string, from: string, to: string, size: number): string {
  const line = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod.\r\n';
  const filler = line.repeat(Math.max(1, Math.ceil(size / line.length)));
  return (
    `From: <${from}>\r\nTo: <${to}>\r\nSubject: load ${token}\r\nMessage-ID: <${token}@load.test>\r\n` +
    `${TOKEN_HEADER}: ${token}\r\n\r\n${filler}${endMarker(token)}\r\n.\r\n`
  );
}

/** Runs until `stop()` is called or every worker sent its maximum; `done` resolves with the outcomes. */
export function startLoad(opts: LoadOptions): { stop(): void; done: Promise<LoadResult>; outcomes: ReadonlyMap<string, Outcome> } {
  const outcomes = new Map<string, Outcome>();
  let stopping = false;
  let connectFailures = 0;
  const worker = async (w: number) => {
    let sent = 0;
    for (let guard = 0; !stopping && sent < opts.maxPerWorker && guard < 100_000; guard++) {
      let c: RawSmtp;
      try {
        c = await RawSmtp.connect(opts.port, { timeoutMs: 10_000 });
        await c.hello(`load${w}.test`);
      } catch {
        connectFailures++;
        await sleep(50);
        continue;
      }
      try {
        for (let i = 0; i < opts.perConnection && !stopping && sent < opts.maxPerWorker; i++) {
          const token = `t${w}x${sent}x${randomBytes(3).toString('hex')}`;
          const from = `load-${w}@client.test`;
          const msg = loadMessage(token, from, opts.recipient, opts.sizes[sent % opts.sizes.length]!);
          sent++;
          outcomes.set(token, 'rejected');
          await c.write(`MAIL FROM:<${from}>\r\nRCPT TO:<${opts.recipient}>\r\nDATA\r\n`);
          const replies = [await c.read(), await c.read(), await c.read()];
          if (replies[0]!.code !== 250 || replies[1]!.code !== 250 || replies[2]!.code !== 354) {
            if (replies[2]!.code === 354) await c.write('.\r\n');
            break;
          }
          outcomes.set(token, 'unknown'); // from here on the server may have stored it
          await c.write(msg);
          const end = await c.read();
          outcomes.set(token, end.code === 250 ? 'accepted' : 'rejected');
        }
        await c.send('QUIT');
        await c.read(2000).catch(() => undefined);
      } catch {
        // the server died mid-session: outcomes already say what is known
      } finally {
        c.close();
      }
    }
  };
  const done = Promise.all(Array.from({ length: opts.workers }, (_, w) => worker(w))).then(() => ({
    outcomes,
    connectFailures,
  }));
  return {
    stop: () => {
      stopping = true;
    },
    done,
    outcomes, // so far, while it runs
  };
}
