import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The engine is usable on its own: nothing under lib/engine may import Nest, rxjs or the Nest layer. */
describe('lib/engine isolation', () => {
  const root = join(__dirname, '..', '..', 'lib', 'engine');
  const files = (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));

  it('has source files to check', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it.each(files)('%s imports only node: modules and the engine', (file) => {
    const imports = [...readFileSync(join(root, file), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    for (const spec of imports) expect(spec).toMatch(/^(node:|\.\.?\/)(?!.*\bnest\b)/);
  });
});
