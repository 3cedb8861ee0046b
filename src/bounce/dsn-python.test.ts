import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { composeDsn, type DsnInput, type DsnRecipient } from './dsn.js';
import { BOUNCED, NOW, ORIGINAL_HEADERS, dsnInput, parsed } from './dsn-testkit.js';

// An independent parser: Python's email package reads each DSN (base64 in a JSON list on stdin, so one
// process serves all cases) and reports the part types, any defects, and the Final-Recipient and Status
// of every per-recipient block.
const SCRIPT = `
import sys, json, base64, email, email.policy
from email.parser import BytesHeaderParser
def view(data):
    msg = email.message_from_bytes(data, policy=email.policy.default)
    out = {"type": msg.get_content_type(), "report": msg.get_param("report-type"), "parts": [],
           "defects": [type(d).__name__ for p in msg.walk() for d in p.defects], "recipients": []}
    for part in msg.iter_parts():
        out["parts"].append(part.get_content_type())
        if part.get_content_type() == "message/delivery-status":
            blocks = part.get_payload()[1:]
        elif part.get_content_type() == "message/global-delivery-status":
            raw = part.as_bytes().replace(b"\\r\\n", b"\\n").split(b"\\n\\n", 1)[1]
            blocks = [BytesHeaderParser(policy=email.policy.default).parsebytes(b) for b in raw.split(b"\\n\\n")[1:] if b.strip()]
        else:
            continue
        out["recipients"] += [[str(b["Final-Recipient"]), str(b["Status"]), str(b["Diagnostic-Code"])] for b in blocks]
    out["text"] = msg.get_body(preferencelist=("plain",)).get_content()
    return out
print(json.dumps([view(base64.b64decode(m)) for m in json.load(sys.stdin)]))
`;

interface PythonView {
  type: string;
  report: string;
  parts: string[];
  defects: string[];
  recipients: [string, string, string][];
  text: string;
}

function python(messages: Buffer[]): PythonView[] {
  const input = JSON.stringify(messages.map((m) => m.toString('base64')));
  const run = spawnSync('python3', ['-c', SCRIPT], { input, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as PythonView[];
}

/** RFC 6533 \\x{HEX} escapes, as the 7-bit report writes non-ASCII text. */
const escapeNonAscii = (s: string) => s.replace(/[^\x00-\x7f]/gu, (c) => `\\x{${c.codePointAt(0)!.toString(16).toUpperCase()}}`);

const hasPython = spawnSync('python3', ['--version']).status === 0;

const DELAYED: DsnRecipient = { ...BOUNCED, action: 'delayed', status: '4.4.1', willRetryUntil: NOW + 86_400_000 };
const replying = (text: string): DsnRecipient => ({ ...BOUNCED, diagnostic: { code: 550, text, remote: true } });
const FULL = ['text/plain', 'message/delivery-status', 'message/rfc822'];
const HEADERS = ['text/plain', 'message/delivery-status', 'text/rfc822-headers'];
const GLOBAL = ['text/plain', 'message/global-delivery-status', 'message/global'];

const CASES: [string, Partial<DsnInput>, string[]][] = [
  ['failure, full original', {}, FULL],
  ['failure, RET=HDRS', { ret: 'HDRS' }, HEADERS],
  ['delay', { recipients: [DELAYED, { ...DELAYED, finalRecipient: 'c@example.net', status: '4.7.0' }] }, HEADERS],
  ['success', { recipients: [{ finalRecipient: 'bob@example.net', action: 'relayed', status: '2.0.0' }] }, HEADERS],
  ['8-bit original', { original: Buffer.concat([ORIGINAL_HEADERS, Buffer.from('\r\nGrüße\r\n')]) }, FULL],
  ['non-ASCII reply', { recipients: [replying('Empfänger unbekannt')] }, FULL],
  ['SMTPUTF8', { smtputf8: true, recipients: [{ ...BOUNCED, finalRecipient: '用户@例子.测试' }, { ...BOUNCED, status: '5.2.2' }] }, GLOBAL],
  ['long reply', { recipients: [replying('word '.repeat(900))] }, FULL],
];

test('Python email reads every DSN like postal-mime does, without defects', async () => {
  assert.ok(hasPython, 'python3 is not installed (run .ci/run): this peer check must not be skipped');
  const inputs = CASES.map(([, over]) => dsnInput(over));
  const dsns = inputs.map((input) => composeDsn(input));
  const views = python(dsns.map((d) => d.message));
  for (const [i, [name, , types]] of CASES.entries()) {
    const py = views[i]!;
    assert.equal(py.type, 'multipart/report', name);
    assert.equal(py.report, types[1]!.slice('message/'.length), name);
    assert.deepEqual(py.defects, [], name);
    assert.deepEqual(py.parts, types, name);
    const typed = (a: string) => `${/[^\x00-\x7f]/.test(a) ? 'utf-8' : 'rfc822'}; ${a}`;
    const want = inputs[i]!.recipients.map((r) => [typed(r.finalRecipient), r.status]);
    assert.deepEqual(py.recipients.map(([final, status]) => [final, status]), want, name);
    const sevenBit = (s: string) => (types[1] === 'message/delivery-status' ? escapeNonAscii(s) : s);
    const diagnostic = ({ diagnostic: d }: DsnRecipient) =>
      d === undefined ? 'None' : sevenBit(`smtp; ${d.code} ${d.enhanced ?? ''} ${d.text}`.replace(/ +/g, ' ').trim());
    assert.deepEqual(py.recipients.map(([, , diag]) => diag), inputs[i]!.recipients.map(diagnostic), name);
    const pm = await parsed(dsns[i]!.message);
    assert.deepEqual(['text/plain', ...pm.parts.map((p) => p.type)], py.parts, name);
    assert.equal(py.text.replace(/\r\n/g, '\n').trimEnd(), pm.text!.trimEnd(), name);
  }
});
