import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { openDatabase } from '../store/db.js';

const CLI = fileURLToPath(new URL('./main.js', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'petrel-cli-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

/** Run the built CLI against the temp data dir, with no PETREL_* variables from the caller. */
function petrel(args: string[], input?: string) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PETREL_')));
  const result = spawnSync(process.execPath, [CLI, ...args, '--data-dir', dataDir], { input, env, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('petrel CLI', () => {
  it('adds and lists domains', () => {
    assert.equal(petrel(['domain', 'add', 'Example.COM']).code, 0);
    assert.equal(petrel(['domain', 'add', 'inbound.test', '--local']).code, 0);
    const { code, stdout } = petrel(['domain', 'list']);
    assert.equal(code, 0);
    const lines = stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^NAME\s+LOCAL\s+SENDING\s+CATCH-ALL\s+ADDED$/);
    assert.match(lines[1]!, /^example\.com\s+yes\s+yes\s+no\s+\d{4}-/);
    assert.match(lines[2]!, /^inbound\.test\s+yes\s+no\s+no\s+\d{4}-/);
  });

  it('adds a user with the password from stdin', () => {
    const added = petrel(['user', 'add', 'Alice@Example.com', '--password-stdin'], 'secret\n');
    assert.equal(added.code, 0, added.stderr);
    const { stdout } = petrel(['user', 'list']);
    assert.match(stdout, /^alice@example\.com\s+yes\s+\S+\s+\*@example\.com$/m);
  });

  it('refuses a user add without --password-stdin as a usage error', () => {
    const result = petrel(['user', 'add', 'bob']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^petrel: --password-stdin is required/);
  });

  it('exits 1 with one line for runtime errors', () => {
    const result = petrel(['domain', 'add', 'example.com']);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'petrel: domain example.com already exists\n');
  });

  it('exits 2 with one line for a bad config file', () => {
    const file = join(dataDir, 'bad.yaml');
    writeFileSync(file, 'limits:\n  maxRecipientz: 3\n');
    const result = petrel(['domain', 'list', '--config', file]);
    assert.equal(result.code, 2);
    assert.equal(result.stderr, `petrel: config error in ${file}: limits.maxRecipientz: unknown key\n`);
  });

  it('exits 2 for unknown commands and options', () => {
    assert.equal(petrel(['frobnicate']).code, 2);
    const result = petrel(['domain', 'list', '--verbose']);
    assert.equal(result.code, 2);
    assert.equal(result.stderr.trimEnd().split('\n').length, 1);
  });

  it('writes a config with init that later commands load, and will not overwrite it', () => {
    const file = join(dataDir, 'petrel.yaml');
    assert.equal(petrel(['init', '--hostname', 'mail.example.test']).code, 0);
    assert.match(readFileSync(file, 'utf8'), /^hostname: "mail\.example\.test"$/m);
    assert.equal(petrel(['init']).code, 2);
    assert.equal(petrel(['init', '--force', '--hostname', 'mx.example.test']).code, 0);
    assert.equal(petrel(['domain', 'list']).code, 0);
    rmSync(file);
  });

  it('shows an empty queue as text and as JSON', () => {
    assert.equal(petrel(['queue', 'list']).stdout, 'queue is empty\n');
    assert.deepEqual(JSON.parse(petrel(['queue', 'list', '--json']).stdout), []);
    assert.equal(petrel(['queue', 'show', 'nope']).code, 1);
  });

  it('shows a queued message with its envelope', () => {
    insertMessage('01TESTMESSAGE');
    const list = petrel(['queue', 'list']);
    assert.match(list.stdout, /^01TESTMESSAGE\s+inbound\s+queued\s+\S+\s+42\s+<sender@example\.org>\s+alice@example\.com$/m);
    const show = petrel(['queue', 'show', '01TESTMESSAGE']);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /^client: +192\.0\.2\.1 port 50000, helo client\.example\.org$/m);
    assert.match(show.stdout, /^tls: +TLSv1\.3 TLS_AES_256_GCM_SHA384$/m);
    assert.match(show.stdout, /^auth user: +none$/m);
    assert.match(show.stdout, /^listener: +mx on 127\.0\.0\.1:2025$/m);
    const json = JSON.parse(petrel(['queue', 'show', '01TESTMESSAGE', '--json']).stdout);
    assert.equal(json.envelope.client.address, '192.0.2.1');
    assert.equal(json.bodyStorage, 'database');
  });
});

function insertMessage(id: string): void {
  const envelope = {
    sender: 'sender@example.org',
    recipients: [{ address: 'alice@example.com' }],
    body: '8BITMIME',
    smtputf8: false,
    authUser: null,
    client: { address: '192.0.2.1', port: 50000, helo: 'client.example.org' },
    tls: { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' },
    role: 'mx',
    listener: '127.0.0.1:2025',
    receivedAt: 1_700_000_000_000,
  };
  const db = openDatabase(join(dataDir, 'petrel.db'));
  db.prepare(
    `INSERT INTO messages (id, direction, received_at, sender, size, envelope, body) VALUES (?, 'inbound', ?, ?, 42, ?, ?)`,
  ).run(id, envelope.receivedAt, envelope.sender, JSON.stringify(envelope), Buffer.from('x'));
  db.prepare(`INSERT INTO recipients (message_id, idx, address) VALUES (?, 0, 'alice@example.com')`).run(id);
  db.close();
}
