// The rules loader: the shipped data/shaping.yaml loads and holds what the docs promise; overrides
// replace and extend it; every kind of mistake is refused with a message naming its path.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { loadShapingRules, parseShapingRules, SHIPPED_RULES_FILE, shapingOverridesSchema, ShapingRulesError, type ShapingRules } from './rules.js';

const dir = mkdtempSync(join(tmpdir(), 'petrel-shaping-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The shipped file as plain data, to break one field at a time. */
function shippedRaw(): { providers: Record<string, unknown>[]; default: Record<string, unknown>; automation: Record<string, any>[] } {
  return parseYaml(readFileSync(SHIPPED_RULES_FILE, 'utf8'));
}

function errorOf(fn: () => unknown): ShapingRulesError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ShapingRulesError, `expected ShapingRulesError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ShapingRulesError');
}

const SUSPEND = { kind: 'suspend', scope: 'source', duration: '1h' };

describe('the shipped rules', () => {
  const rules: ShapingRules = loadShapingRules();

  it('are found at the repository root from the built module', () => {
    assert.match(SHIPPED_RULES_FILE, /[/\\]data[/\\]shaping\.yaml$/);
    assert.ok(existsSync(SHIPPED_RULES_FILE), SHIPPED_RULES_FILE);
    assert.ok(!SHIPPED_RULES_FILE.includes(`${join('dist', 'data')}`), 'data/ is read from the source tree, not dist');
  });
  it('name the providers the docs list, each with lower-case dotted suffixes', () => {
    assert.deepEqual(rules.providers.map((p) => p.name), ['google', 'microsoft', 'yahoo', 'apple', 'gmx-webde', 'orange', 'comcast', 'zoho', 'yandex', 'mailru']);
    for (const p of rules.providers) for (const s of p.mx) assert.match(s, /^\.[a-z0-9.-]+[a-z]$/, `${p.name} ${s}`);
  });
  it('have defaults for every other destination', () => {
    assert.deepEqual(rules.default, { connectionsPerSource: 10, messagesPerConnection: 100 });
  });
  it('hold automation rules with compiled case-insensitive patterns, known providers and bounded actions', () => {
    const names = new Set(rules.providers.map((p) => p.name));
    assert.ok(rules.automation.length >= 15);
    assert.equal(new Set(rules.automation.map((r) => r.name)).size, rules.automation.length);
    for (const rule of rules.automation) {
      if (rule.provider !== undefined) assert.ok(names.has(rule.provider), rule.name);
      if (rule.match.text !== undefined) assert.ok(rule.match.text instanceof RegExp && rule.match.text.flags === 'i', rule.name);
      assert.ok(rule.action.durationMs >= 15 * 60_000 && rule.action.durationMs <= 86_400_000, rule.name);
      if (rule.action.kind === 'throttle') assert.ok(rule.action.factor > 0 && rule.action.factor < 1, rule.name);
    }
  });
  it('parse durations to milliseconds', () => {
    const byName = (n: string) => rules.automation.find((r) => r.name === n)!.action;
    assert.deepEqual(byName('gmail-unusual-rate'), { kind: 'throttle', factor: 0.5, scope: 'source', durationMs: 3_600_000 });
    assert.deepEqual(byName('microsoft-blocklist'), { kind: 'suspend', scope: 'source', durationMs: 14_400_000 });
    assert.deepEqual(byName('dnsbl-listed'), { kind: 'suspend', scope: 'identity', durationMs: 43_200_000 });
  });
});

describe('overrides', () => {
  it('replace a shipped provider field by field and add new ones', () => {
    const rules = loadShapingRules({ overrides: { providers: [{ name: 'google', connectionsPerSource: 2 }, { name: 'ionos', mx: ['.kundenserver.de', '.IONOS.de.'], messagesPerConnection: 10 }] } });
    assert.deepEqual(rules.providers.find((p) => p.name === 'google'), { name: 'google', mx: ['.google.com', '.googlemail.com', '.gmail.com'], connectionsPerSource: 2, messagesPerConnection: 50 });
    assert.deepEqual(rules.providers.at(-1), { name: 'ionos', mx: ['.kundenserver.de', '.ionos.de'], messagesPerConnection: 10 });
  });
  it('remove a limit with null, and merge the defaults', () => {
    const rules = loadShapingRules({ overrides: { default: { messagesPerConnection: null, messagesPerMinutePerSource: 120 }, providers: [{ name: 'comcast', messagesPerConnection: null }] } });
    assert.deepEqual(rules.default, { connectionsPerSource: 10, messagesPerMinutePerSource: 120 });
    assert.deepEqual(rules.providers.find((p) => p.name === 'comcast'), { name: 'comcast', mx: ['.comcast.net'], connectionsPerSource: 25 });
  });
  it('replace a rule field by field, add new rules at the end, and switch rules off', () => {
    const rules = loadShapingRules({
      overrides: {
        automation: [
          { name: 'dnsbl-listed', action: { kind: 'suspend', scope: 'source', duration: '2h' } },
          { name: 'yahoo-deferred', provider: null },
          { name: 'gmail-likely-unsolicited', disabled: true },
          { name: 'gmx-policy', provider: 'gmx-webde', match: { text: 'reject due to policy restrictions' }, action: { kind: 'throttle', factor: 0.2, scope: 'source', duration: '1h' } },
        ],
      },
    });
    const dnsbl = rules.automation.find((r) => r.name === 'dnsbl-listed')!;
    assert.deepEqual(dnsbl.action, { kind: 'suspend', scope: 'source', durationMs: 7_200_000 });
    assert.deepEqual(dnsbl.match.class, ['block']);
    assert.equal(rules.automation.find((r) => r.name === 'yahoo-deferred')!.provider, undefined);
    assert.equal(rules.automation.find((r) => r.name === 'gmail-likely-unsolicited'), undefined);
    assert.equal(rules.automation.at(-1)!.name, 'gmx-policy');
    assert.ok(rules.automation.at(-1)!.match.text!.test('554 Reject due to policy restrictions'));
  });
  it('come from a file of its own when `file` is given', () => {
    const file = join(dir, 'own.yaml');
    writeFileSync(file, 'providers:\n  - { name: x, mx: [.x.example] }\nautomation:\n  - { name: r, provider: x, match: { codes: [421] }, action: { kind: suspend, scope: source, duration: 5m } }\n');
    const rules = loadShapingRules({ file, overrides: { default: { connectionsPerSource: 1 } } });
    assert.deepEqual(rules, {
      providers: [{ name: 'x', mx: ['.x.example'] }],
      default: { connectionsPerSource: 1 },
      automation: [{ name: 'r', provider: 'x', match: { codes: [421] }, action: { kind: 'suspend', scope: 'source', durationMs: 300_000 } }],
    });
  });
  it('have an exported schema the config can embed', () => {
    assert.ok(shapingOverridesSchema.safeParse({ providers: [{ name: 'google', connectionsPerSource: 3 }] }).success);
    assert.ok(!shapingOverridesSchema.safeParse({ providers: [{ connectionsPerSource: 3 }] }).success);
    assert.ok(!shapingOverridesSchema.safeParse({ shaping: {} }).success);
  });
});

describe('errors name the path', () => {
  it('of a bad regular expression', () => {
    const raw = shippedRaw();
    raw.automation[3]!.match.text = 'likely (unsolicited';
    assert.match(errorOf(() => parseShapingRules(raw)).message, /^shaping\.automation\[3\]\.match\.text: invalid regular expression \(Unterminated group\)$/);
  });
  it('of a bad duration, factor, kind or scope', () => {
    const raw = shippedRaw();
    raw.automation[0]!.action.duration = '1 hour';
    raw.automation[1]!.action.factor = 1;
    raw.automation[2]!.action.scope = 'everyone';
    raw.automation[4]!.action.kind = 'pause';
    const message = errorOf(() => parseShapingRules(raw)).message;
    assert.match(message, /shaping\.automation\[0\]\.action\.duration: invalid duration "1 hour"/);
    assert.match(message, /shaping\.automation\[1\]\.action\.factor: /);
    assert.match(message, /shaping\.automation\[2\]\.action\.scope: /);
    assert.match(message, /shaping\.automation\[4\]\.action\.kind: /);
    assert.match(errorOf(() => parseShapingRules({ automation: [{ name: 'r', match: { codes: [421] }, action: { ...SUSPEND, duration: '31d' } }] })).message, /action\.duration: at most 30d/);
  });
  it('of unknown keys, at any depth', () => {
    const raw = shippedRaw() as Record<string, any>;
    raw.providers[1].connectionLimit = 3;
    raw.automation[5].match.regex = 'x';
    raw.extra = true;
    const message = errorOf(() => parseShapingRules(raw)).message;
    assert.match(message, /shaping\.providers\[1\]\.connectionLimit: unknown key/);
    assert.match(message, /shaping\.automation\[5\]\.match\.regex: unknown key/);
    assert.match(message, /shaping\.extra: unknown key/);
  });
  it('of a match with no condition, a bad suffix, code or class', () => {
    const message = errorOf(() =>
      parseShapingRules({
        providers: [{ name: 'p', mx: ['p.example'] }],
        automation: [
          { name: 'a', match: {}, action: SUSPEND },
          { name: 'b', match: { codes: [250], enhanced: ['4.7.'], class: ['angry'] }, action: SUSPEND },
        ],
      }),
    ).message;
    assert.match(message, /shaping\.providers\[0\]\.mx\[0\]: a host-name suffix with a leading dot/);
    assert.match(message, /shaping\.automation\[0\]\.match: needs at least one of codes, enhanced, text, class/);
    assert.match(message, /shaping\.automation\[1\]\.match\.codes\[0\]: /);
    assert.match(message, /shaping\.automation\[1\]\.match\.enhanced\[0\]: an enhanced code or its leading parts/);
    assert.match(message, /shaping\.automation\[1\]\.match\.class\[0\]: /);
  });
  it('of duplicate names, dangling providers and a suffix claimed twice', () => {
    const dup = errorOf(() => parseShapingRules({ providers: [{ name: 'p', mx: ['.a.example'] }, { name: 'p', mx: ['.b.example'] }] }));
    assert.match(dup.message, /^shaping\.providers\[1\]\.name: duplicate name "p"$/);
    const dangling = errorOf(() => parseShapingRules({ automation: [{ name: 'r', provider: 'nobody', match: { codes: [421] }, action: SUSPEND }] }));
    assert.match(dangling.message, /^shaping\.automation\[0\]\.provider: unknown provider "nobody" \(rule "r"\)$/);
    const shared = errorOf(() => loadShapingRules({ overrides: { providers: [{ name: 'gsuite', mx: ['.google.com'] }] } }));
    assert.match(shared.message, /^shaping\.providers\[10\]\.mx: "\.google\.com" is also claimed by provider "google"/);
  });
  it('of overrides, under shaping.overrides', () => {
    const bad = errorOf(() => loadShapingRules({ overrides: { automation: [{ name: 'gmail-unusual-rate', match: { text: '[' } }] } }));
    assert.match(bad.message, /^shaping\.overrides\.automation\[0\]\.match\.text: invalid regular expression/);
    assert.equal(bad.file, SHIPPED_RULES_FILE);
    const incomplete = errorOf(() => loadShapingRules({ overrides: { providers: [{ name: 'new', connectionsPerSource: 1 }], automation: [{ name: 'n', match: { codes: [421] } }] } }));
    assert.match(incomplete.message, /shaping\.overrides\.providers\[0\]\.mx: required for the new entry "new"/);
    assert.match(incomplete.message, /shaping\.overrides\.automation\[0\]\.action: required for the new entry "n"/);
    assert.match(errorOf(() => loadShapingRules({ overrides: { providers: [{ name: 'google', mx: null }] } })).message, /^shaping\.overrides\.providers\[0\]\.mx: /);
    assert.match(errorOf(() => loadShapingRules({ overrides: [] })).message, /^shaping\.overrides: /);
  });
  it('of a file that cannot be read or parsed', () => {
    const missing = join(dir, 'missing.yaml');
    assert.match(errorOf(() => loadShapingRules({ file: missing })).message, /^shaping: cannot read .*missing\.yaml: ENOENT$/);
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'providers: [\n');
    const err = errorOf(() => loadShapingRules({ file: broken }));
    assert.match(err.message, /^shaping: cannot parse .*broken\.yaml: /);
    assert.equal(err.file, broken);
  });
});
