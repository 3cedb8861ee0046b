import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { checkConfigText } from './load.js';
import { configSchema } from './schema.js';
import { renderConfigTemplate } from './template.js';

const options = { hostname: 'mail.example.test', dataDir: '/var/lib/petrel $&' };

/** The key structure of a value: objects become key trees, arrays their first element's tree. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? [] : [shape(value[0])];
  if (typeof value !== 'object' || value === null) return typeof value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shape(inner)]).sort());
}

describe('renderConfigTemplate', () => {
  it('loads cleanly and equals the defaults', () => {
    const loaded = checkConfigText(renderConfigTemplate(options));
    assert.deepEqual(loaded, configSchema.parse({ hostname: options.hostname, dataDir: options.dataDir }));
  });

  it('writes out every setting the schema has', () => {
    const written = parse(renderConfigTemplate(options)) as unknown;
    assert.deepEqual(shape(written), shape(configSchema.parse({})));
  });

  it('keeps odd characters in the data directory literal', () => {
    const written = parse(renderConfigTemplate(options)) as { dataDir: string; hostname: string };
    assert.equal(written.dataDir, options.dataDir);
    assert.equal(written.hostname, options.hostname);
  });
});
