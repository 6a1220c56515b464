import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The published `nestjs-stomp` command runs without the Nest peers installed: lib/cli may import
 * only node: modules, itself and the engine.
 */
describe('lib/cli isolation', () => {
  const lib = join(__dirname, '..', '..', 'lib');
  const root = join(lib, 'cli');
  const files = (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));

  it('has source files to check', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it.each(files)('%s imports only node: modules, lib/cli and lib/engine', (file) => {
    const imports = [...readFileSync(join(root, file), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
    for (const spec of imports) {
      if (spec.startsWith('node:')) continue;
      expect(spec).toMatch(/^\.\.?\//);
      expect(relative(lib, resolve(dirname(join(root, file)), spec))).toMatch(/^(cli|engine)(\/|$)/);
    }
  });
});
