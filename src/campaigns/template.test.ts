import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileTemplate, MAX_SPIN_DEPTH, MAX_TEMPLATE_CHARS, renderTemplate, TemplateError, type Rendered } from './template.js';

const render = (source: string, fields: Record<string, string> = {}, seed = 'seed', html = false): Rendered =>
  renderTemplate(compileTemplate(source), fields, seed, { html });

const text = (source: string, fields: Record<string, string> = {}, seed = 'seed', html = false): string => {
  const r = render(source, fields, seed, html);
  assert.ok(r.ok, `render failed: ${JSON.stringify(r)}`);
  return r.text;
};

/** Every distinct output of `source` over `n` seeds. */
const outputs = (source: string, fields: Record<string, string> = {}, n = 400): Set<string> =>
  new Set(Array.from({ length: n }, (_, i) => text(source, fields, `s${i}`)));

/** The TemplateError `source` throws. */
const syntaxError = (source: string): TemplateError => {
  try {
    compileTemplate(source);
  } catch (e) {
    assert.ok(e instanceof TemplateError, String(e));
    return e;
  }
  assert.fail(`no error for ${JSON.stringify(source)}`);
};

describe('template variables and spintax: the acceptance example', () => {
  const source = '{Hi|Hello} {{first_name | "there"}}, is {{company}} hiring?';

  it('renders with all fields', () => {
    const out = text(source, { first_name: 'Ada', company: 'Acme' });
    assert.ok(['Hi Ada, is Acme hiring?', 'Hello Ada, is Acme hiring?'].includes(out), out);
    assert.deepEqual(outputs(source, { first_name: 'Ada', company: 'Acme' }), new Set(['Hi Ada, is Acme hiring?', 'Hello Ada, is Acme hiring?']));
  });

  it('uses the fallback for a missing or blank field', () => {
    assert.match(text(source, { company: 'Acme' }), /^(Hi|Hello) there, is Acme hiring\?$/);
    assert.match(text(source, { first_name: '  ', company: 'Acme' }), /^(Hi|Hello) there, is Acme hiring\?$/);
  });

  it('reports a missing field without a fallback', () => {
    assert.deepEqual(render(source, { first_name: 'Ada' }), { ok: false, missing: ['company'] });
    assert.deepEqual(render(source, { first_name: 'Ada', company: '' }), { ok: false, missing: ['company'] });
  });

  it('lists the fields it uses', () => {
    const t = compileTemplate(source);
    assert.deepEqual(t.fields, ['first_name', 'company']);
    assert.deepEqual(t.fieldsWithoutFallback, ['company']);
    assert.equal(t.source, source);
  });
});

describe('template variables', () => {
  it('accepts spacing, single quotes, escaped quotes and punctuation in fallbacks', () => {
    assert.equal(text('{{x}}|{{ x }}|{{  x  }}', { x: 'v' }), 'v|v|v');
    assert.equal(text("Hi {{ name | 'my friend, you' }}!"), 'Hi my friend, you!');
    assert.equal(text('{{n | "say \\"hi\\" {now} | }} ok"}}'), 'say "hi" {now} | }} ok');
    assert.equal(text("{{n | 'it\\'s'}}"), "it's");
    assert.equal(text('{{n | "back\\\\slash"}}'), 'back\\slash');
    assert.equal(text('[{{n | ""}}]'), '[]');
  });

  it('looks fields up exactly first, then ignoring case', () => {
    assert.equal(text('{{First_Name}}', { first_name: 'ada' }), 'ada');
    assert.equal(text('{{name}}', { NAME: 'upper', name: 'exact' }), 'exact');
    assert.equal(text('{{company.name}}-{{a-b}}', { 'company.name': 'Acme', 'a-b': 'x' }), 'Acme-x');
  });

  it('does not find inherited properties', () => {
    assert.deepEqual(render('{{constructor}} {{toString}}'), { ok: false, missing: ['constructor', 'toString'] });
  });

  it('inserts values literally: never spun or re-parsed', () => {
    assert.equal(text('Hi {{name}}', { name: '{A|B} {{x}} \\{' }), 'Hi {A|B} {{x}} \\{');
  });

  it('lists each missing field once, in order', () => {
    assert.deepEqual(render('{{b}} {{a}} {{b}} {{c | "c"}}'), { ok: false, missing: ['b', 'a'] });
  });

  it('counts a field as missing only on the spin path taken', () => {
    const results = new Set(Array.from({ length: 100 }, (_, i) => JSON.stringify(render('{Hi {{name}}|Hello}', {}, `s${i}`))));
    assert.deepEqual(results, new Set([JSON.stringify({ ok: false, missing: ['name'] }), JSON.stringify({ ok: true, text: 'Hello' })]));
    const t = compileTemplate('{Hi {{name}}|Hello {{other | "x"}}}');
    assert.deepEqual(t.fields, ['name', 'other']);
    assert.deepEqual(t.fieldsWithoutFallback, ['name']);
  });
});

describe('spintax', () => {
  it('reaches every option across seeds', () => {
    assert.deepEqual(outputs('{a|b|c|d|e}'), new Set(['a', 'b', 'c', 'd', 'e']));
  });

  it('nests', () => {
    assert.deepEqual(outputs('{Hi {there|friend}|Hello}!'), new Set(['Hi there!', 'Hi friend!', 'Hello!']));
    assert.deepEqual(outputs('{a{1|2}|b{3|{4|5}}}'), new Set(['a1', 'a2', 'b3', 'b4', 'b5']));
  });

  it('allows empty options and variables inside options', () => {
    assert.deepEqual(outputs('I {|really }like it'), new Set(['I like it', 'I really like it']));
    assert.deepEqual(outputs('{|}x'), new Set(['x']));
    assert.deepEqual(outputs('{Hi {{n}}|Yo {{n | "you"}}}', { n: 'Ada' }), new Set(['Hi Ada', 'Yo Ada']));
  });

  it('is deterministic for the same template, fields and seed', () => {
    const source = '{a|b|c} {d|e|f} {g|{h|i}|j} {{x}}';
    for (let i = 0; i < 30; i++) assert.equal(text(source, { x: '1' }, `k${i}`), text(source, { x: '1' }, `k${i}`));
    assert.ok(outputs(source, { x: '1' }, 200).size > 20);
  });

  it('treats a bar outside a spin as text', () => {
    assert.equal(text('Acme | News {{x}}', { x: '1' }), 'Acme | News 1');
  });

  it('turns escapes into literal characters', () => {
    assert.equal(text('\\{not a spin\\} \\| \\\\ {a\\|b|a\\|b}'), '{not a spin} | \\ a|b');
    assert.equal(text('C:\\path\\n stays'), 'C:\\path\\n stays');
    assert.equal(text('trailing \\'), 'trailing \\');
  });

  it('keeps unicode intact', () => {
    assert.deepEqual(outputs('{Grüß dich|こんにちは|👋🏽} {{name}}', { name: 'Zoë' }), new Set(['Grüß dich Zoë', 'こんにちは Zoë', '👋🏽 Zoë']));
  });
});

describe('HTML mode', () => {
  it('escapes values and fallbacks but not the template', () => {
    const fields = { name: '<b>"Tom" & \'Jerry\'</b>' };
    assert.equal(text('<p>{{name}}</p>', fields, 's', true), '<p>&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;</p>');
    assert.equal(text('<p>{{x | "<you>"}}</p>', {}, 's', true), '<p>&lt;you&gt;</p>');
    assert.equal(text('<p>{{name}}</p>', fields), `<p>${fields.name}</p>`);
  });
});

describe('template syntax errors', () => {
  it('names what and where (line:column)', () => {
    const e = syntaxError('Hello\nthere {friend');
    assert.equal(e.index, 12);
    assert.match(e.message, /unclosed "\{".* at 2:7/);
    assert.equal(e.name, 'TemplateError');
  });

  it('refuses stray and lone braces', () => {
    assert.match(syntaxError('oops } here').message, /stray "}".* at 1:6/);
    assert.match(syntaxError('{a|b}}').message, /stray "}".* at 1:6/);
    assert.match(syntaxError('{a|{b|c}').message, /unclosed "\{".* at 1:1/);
  });

  it('refuses braces without a bar and suggests \\{', () => {
    const e = syntaxError('Hi {word} there');
    assert.equal(e.index, 3);
    assert.match(e.message, /without "\|".*\\\{/);
    syntaxError('{}');
  });

  it('refuses malformed variables', () => {
    assert.match(syntaxError('{{}}').message, /field name .* at 1:3/);
    assert.match(syntaxError('{{ 1abc }}').message, /field name/);
    assert.match(syntaxError('{{first name}}').message, /"}}".* at 1:9/);
    assert.match(syntaxError('{{x | there}}').message, /quoted/);
    assert.match(syntaxError('{{x | "there}}').message, /unterminated fallback/);
    assert.match(syntaxError('{{x').message, /"}}"/);
    assert.match(syntaxError('{{x}').message, /"}}"/);
    assert.match(syntaxError('{{{x}}|y}').message, /always opens a variable/);
  });

  it('limits nesting depth', () => {
    const nest = (n: number): string => (n === 0 ? 'x' : `{a${nest(n - 1)}|y}`);
    assert.ok(outputs(nest(MAX_SPIN_DEPTH), {}, 50).size >= 1);
    assert.match(syntaxError(nest(MAX_SPIN_DEPTH + 1)).message, /nested deeper/);
    assert.match(syntaxError('{a|'.repeat(50_000)).message, /nested deeper/);
    assert.match(syntaxError('{'.repeat(100_000)).message, /always opens a variable/);
  });

  it('limits the source size', () => {
    compileTemplate('a'.repeat(MAX_TEMPLATE_CHARS));
    const e = syntaxError('a'.repeat(MAX_TEMPLATE_CHARS + 1));
    assert.match(e.message, /longer than/);
  });
});

describe('compiled templates', () => {
  it('are cached by source', () => {
    assert.equal(compileTemplate('cached {a|b}'), compileTemplate('cached {a|b}'));
  });

  it('keep at most 1000 in the cache, the least recently used leaving first', () => {
    const first = compileTemplate('first {{x}}');
    const kept = compileTemplate('kept {{x}}');
    for (let i = 0; i < 999; i++) {
      if (i === 500) compileTemplate('kept {{x}}'); // a hit makes it recent again
      compileTemplate(`filler ${i}`);
    }
    assert.notEqual(compileTemplate('first {{x}}'), first);
    assert.equal(compileTemplate('kept {{x}}'), kept);
  });

  it('render a template object that was not compiled here (from its source)', () => {
    const plain = { source: 'Hi {{n}}', fields: ['n'], fieldsWithoutFallback: ['n'] };
    assert.deepEqual(renderTemplate(plain, { n: 'Ada' }, 's'), { ok: true, text: 'Hi Ada' });
  });

  it('handle a 100 KB template with many spins and variables', () => {
    const chunk = '{Hi|Hello|Hey} {{first_name | "there"}}, {a {b|c}|d} \\{x\\} at {{company}}.\n';
    const source = chunk.repeat(Math.floor(100_000 / chunk.length));
    const t = compileTemplate(source);
    const r = renderTemplate(t, { first_name: 'Ada', company: 'Acme' }, 'big');
    assert.ok(r.ok);
    assert.ok(r.text.length > 25_000);
    assert.equal(r.text.split('\n').length - 1, Math.floor(100_000 / chunk.length));
    assert.deepEqual(renderTemplate(t, { first_name: 'Ada', company: 'Acme' }, 'big'), r);
  });
});
