// Open and click tracking end to end: a campaign with tracking on sends an HTML step through a relay
// identity to postfix's smtp-sink; the delivered links point at Petrel's /t/c/, the pixel at /t/o/.
// curl fetches both (a GIF; a 302 to the original URL), status counts one open and one click, and a
// tampered target is a 404 with no redirect. A campaign without `tracking` carries none of it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import PostalMime from 'postal-mime';
import { campaignCli, createCampaign, importContacts, status, toContact } from '../kit/campaigns.js';
import { eventually } from '../kit/delivery.js';
import { relayIdentity } from '../kit/identities.js';
import { curl } from '../kit/peers.js';
import { startPetrel, STANDARD_SETUP, type Petrel } from '../kit/petrel.js';
import { freePorts } from '../kit/ports.js';
import { startSink, type Sink, type SinkMessage } from '../kit/sink.js';

const TARGET = 'https://example.test/pricing?plan=pro&ref=mail';

const campaign = (name: string, tracking: string) => `name: ${name}
list: ${name}
identity: r1
schedule: always
${tracking}
steps:
  - delay: 0
    subject: "Pricing for {{first_name}}"
    text: "Hi {{first_name}}, the plans: ${TARGET}"
    html: '<html><body><p>Hi {{first_name}}, see <a href="https://example.test/pricing?plan=pro&amp;ref=mail">the plans</a> or <a href="mailto:sam@outreach.test">write to me</a>.</p></body></html>'
`;

/** The text and HTML parts of a delivered message. */
async function parts(m: SinkMessage): Promise<{ text: string; html: string }> {
  const email = await PostalMime.parse(m.content);
  return { text: email.text ?? '', html: email.html ?? '' };
}

/** Status line and header fields of a GET (no redirects followed), and the body's size. */
async function get(url: string): Promise<{ status: number; headers: Record<string, string>; size: number }> {
  const r = await curl(['-s', '-D', '-', '-o', '/dev/null', '-w', '%{size_download}', url]);
  const lines = r.stdout.split(/\r?\n/);
  const headers = Object.fromEntries(lines.slice(1).filter((l) => l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status: Number(lines[0]!.split(' ')[1]), headers, size: Number(lines[lines.length - 1]) };
}

describe('campaigns: open and click tracking', () => {
  let p: Petrel;
  let sink: Sink;

  before(async () => {
    const [port] = await freePorts(1);
    sink = await startSink('127.0.0.1', port!);
    p = await startPetrel({
      clock: true,
      delivery: { enabled: true, pollIntervalMs: 100, mtaSts: { enabled: false } },
      sending: { jitter: 0 },
      setup: [...STANDARD_SETUP, { args: ['domain', 'add', 'outreach.test', '--sending', '--local'] }],
    });
    await relayIdentity(p, 'r1', sink);
  });
  after(async () => {
    await sink?.stop();
    await p?.dispose();
  });

  test('the pixel and a signed click are recorded once each; a tampered target is a 404', async () => {
    const host = `http://127.0.0.1:${p.ports.http}`;
    await importContacts(p, 'tracked', [{ email: 'ada@acme.test', first_name: 'Ada' }, { email: 'bob@beta.test', first_name: 'Bob' }]);
    await createCampaign(p, campaign('tracked', `tracking:\n  opens: true\n  clicks: true\n  host: "${host}"`));
    await campaignCli(p, ['start', 'tracked', '--force']);
    await eventually(() => toContact(sink.messages(), 'ada@acme.test').length === 1 && toContact(sink.messages(), 'bob@beta.test').length === 1, () => `got ${sink.messages().length}`);
    const { text, html } = await parts(toContact(sink.messages(), 'ada@acme.test')[0]!);

    const click = new RegExp(`${host.replace(/\./g, '\\.')}/t/c/[0-9a-z]{26}-[0-9a-f]{16}\\?u=[^&"\\s]+&(?:amp;)?s=[0-9a-f]{16}`);
    const inText = click.exec(text)?.[0];
    const inHtml = click.exec(html)?.[0]?.replace(/&amp;/g, '&');
    assert.ok(inText && inHtml, `tracked links in both parts:\n${text}\n${html}`);
    assert.ok(!text.includes(TARGET) && !html.includes('href="https://example.test'), 'no untracked copy of the link');
    assert.match(html, /href="mailto:sam@outreach\.test"/, 'mailto links stay');
    const pixel = new RegExp(`<img src="(${host.replace(/\./g, '\\.')}/t/o/[0-9a-z]{26}-[0-9a-f]{16}\\.gif)" width="1" height="1" alt="" style="display:none"></body>`).exec(html);
    assert.ok(pixel, `a pixel before </body>: ${html}`);

    const before = (await status(p, 'tracked')).steps[0];
    assert.deepEqual([before.sent, before.opened, before.clicked], [2, 0, 0]);

    const gif = await get(pixel[1]!);
    assert.equal(gif.status, 200);
    assert.equal(gif.headers['content-type'], 'image/gif');
    assert.equal(gif.size, 43);
    assert.match(gif.headers['cache-control']!, /no-store/);
    for (const url of [inHtml, inText]) {
      const r = await get(url);
      assert.equal(r.status, 302);
      assert.equal(r.headers['location'], TARGET);
    }
    await get(pixel[1]!); // a second open counts nothing more

    const tampered = inHtml.replace(/\?u=[^&]+/, `?u=${encodeURIComponent('https://evil.test/')}`);
    const refused = await get(tampered);
    assert.equal(refused.status, 404);
    assert.equal(refused.headers['location'], undefined);

    const after = (await status(p, 'tracked')).steps[0];
    assert.deepEqual([after.sent, after.opened, after.clicked], [2, 1, 1]);
    const human = await campaignCli(p, ['status', 'tracked']);
    assert.match(human, /opened 1, clicked 1/);
  });

  test('without `tracking` the message carries no pixel, its links are as written, status has no open figures', async () => {
    await importContacts(p, 'plain', [{ email: 'cy@gamma.test', first_name: 'Cy' }]);
    await createCampaign(p, campaign('plain', ''));
    await campaignCli(p, ['start', 'plain', '--force']);
    await eventually(() => toContact(sink.messages(), 'cy@gamma.test').length === 1, () => 'not sent');
    const { text, html } = await parts(toContact(sink.messages(), 'cy@gamma.test')[0]!);
    assert.ok(text.includes(TARGET), text);
    assert.ok(html.includes('href="https://example.test/pricing?plan=pro&amp;ref=mail"'), html);
    assert.ok(!/\/t\/[oc]\//.test(text + html));
    const s = (await status(p, 'plain')).steps[0];
    assert.equal(s.opened, undefined);
    assert.equal(s.clicked, undefined);
  });
});
