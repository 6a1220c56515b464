import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The embedded broker runs without Nest: its files import only node: modules, the engine and each
 * other. Only the Nest module (and the index that re-exports it) may import Nest.
 */
describe('lib/testing isolation', () => {
  const root = join(__dirname, '..', '..', 'lib', 'testing');
  const nestFiles = new Set(['stomp-testing.module.ts', 'index.ts']);
  const brokerFiles = readdirSync(root).filter((f) => f.endsWith('.ts') && !nestFiles.has(f));

  it('has the broker files to check', () => {
    expect(brokerFiles).toEqual(expect.arrayContaining(['embedded-broker.ts', 'broker-session.ts', 'destinations.ts', 'message-queue.ts']));
  });

  it.each(brokerFiles)('%s imports only node:, ../engine and other broker files', (file) => {
    const imports = [...readFileSync(join(root, file), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    for (const spec of imports) {
      if (spec.startsWith('./')) expect(brokerFiles).toContain(`${spec.slice(2)}.ts`);
      else expect(spec).toMatch(/^(node:|\.\.\/engine(\/[\w-]+)?$)/);
    }
  });
});
