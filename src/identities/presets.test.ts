// The provider presets: their shape, the published hard caps with a source each, and defaults well
// inside them. Pure.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PRESETS, type PresetName } from './presets.js';

const NAMES: PresetName[] = ['gmail', 'm365', 'esp'];

test('every preset is named by its key, on a submission port with TLS', () => {
  assert.deepEqual(Object.keys(PRESETS).sort(), [...NAMES].sort());
  for (const name of NAMES) {
    const p = PRESETS[name];
    assert.equal(p.name, name);
    assert.ok(Number.isInteger(p.port) && p.port > 0 && p.port < 65536);
    assert.ok(p.tls === 'starttls' || p.tls === 'implicit');
    assert.ok(p.notes.length > 40, `${name}: notes say why`);
    for (const url of p.sources) assert.match(url, /^https:\/\/\S+$/);
  }
});

test('gmail and m365: their relays and published limits, each with a source', () => {
  assert.deepEqual([PRESETS.gmail.host, PRESETS.gmail.port, PRESETS.gmail.tls], ['smtp.gmail.com', 587, 'starttls']);
  assert.deepEqual(PRESETS.gmail.hardCaps, { daily: 2000 });
  assert.ok(PRESETS.gmail.sources.includes('https://support.google.com/a/answer/166852'));
  assert.deepEqual([PRESETS.m365.host, PRESETS.m365.port, PRESETS.m365.tls], ['smtp.office365.com', 587, 'starttls']);
  assert.deepEqual(PRESETS.m365.hardCaps, { daily: 10_000, perMinute: 30 });
  assert.ok(PRESETS.m365.sources.some((u) => u.includes('exchange-online-limits')));
});

test('esp: no host (the operator gives it), no hard caps, no sources to cite', () => {
  assert.equal(PRESETS.esp.host, undefined);
  assert.deepEqual([PRESETS.esp.port, PRESETS.esp.tls], [587, 'starttls']);
  assert.deepEqual(PRESETS.esp.hardCaps, {});
});

test('the cold-outreach defaults sit well inside every hard cap', () => {
  for (const name of NAMES) {
    const { defaultCaps: d, hardCaps: h } = PRESETS[name];
    assert.deepEqual(d, { daily: 40, hourly: 10, minGapSeconds: 120 });
    assert.ok(d.daily <= (h.daily ?? Infinity) / 10, `${name}: daily at most a tenth of the hard cap`);
    assert.ok((d.hourly ?? 0) <= (h.hourly ?? Infinity));
    assert.ok(60 / d.minGapSeconds <= (h.perMinute ?? Infinity), `${name}: the gap keeps under the per-minute cap`);
    assert.ok((d.hourly ?? 0) * (d.minGapSeconds / 3600) <= 1, `${name}: the hourly cap is reachable with the gap`);
  }
});

test('presets are not shared objects: a copy of the defaults per preset', () => {
  assert.notEqual(PRESETS.gmail.defaultCaps, PRESETS.m365.defaultCaps);
});
