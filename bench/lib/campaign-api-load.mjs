// The baseline of the campaign bench: N messages sent with POST /v1/messages and `pool`, one per
// contact, the same subject and text the campaign's step renders, over a fixed number of keep-alive
// connections. Bounded: N requests at most, and it gives up after `timeoutMs` or 100 failed requests.

import { Agent, request } from 'node:http';

/** The JSON body of message i: what step 1 of the campaign renders for contact i (spintax on its first choice). */
export function apiBody(i, address, pool) {
  return JSON.stringify({
    pool,
    to: [address],
    subject: `Quick question, First${i}`,
    text: `Hi First${i}, is Company ${i % 977} hiring? We help teams like yours send mail from their own servers.\n\nBest,\nSam`,
  });
}

function post(agent, url, key, body) {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', agent, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', (err) => resolve({ status: 0, text: err.message }));
    req.end(body);
  });
}

/** Send `count` messages; resolves with { accepted, failed, firstError, seconds }. */
export async function sendThroughApi({ base, key, count, connections, addressOf, pool, timeoutMs }) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const url = `${base}/v1/messages`;
  const started = process.hrtime.bigint();
  const deadline = Date.now() + timeoutMs;
  let next = 0;
  let accepted = 0;
  let failed = 0;
  let firstError = null;
  const worker = async () => {
    while (next < count && failed < 100 && Date.now() < deadline) {
      const i = next++;
      const r = await post(agent, url, key, apiBody(i, addressOf(i), pool));
      if (r.status === 202 || r.status === 200) accepted++;
      else {
        failed++;
        firstError ??= `HTTP ${r.status}: ${r.text.slice(0, 200)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  agent.destroy();
  return { accepted, failed, firstError, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}
