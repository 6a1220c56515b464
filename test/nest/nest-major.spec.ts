import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Proves which Nest the suite runs on: `npm test` runs test/nest once per supported major. */
describe('Nest major under test', () => {
  it(`is Nest ${process.env.NEST_MAJOR ?? '12'}`, () => {
    // Nest 12's export maps hide package.json: read it beside the resolved entry point.
    const version = (pkg: string): string => (JSON.parse(readFileSync(join(dirname(require.resolve(`@nestjs/${pkg}`)), 'package.json'), 'utf8')) as { version: string }).version;
    const expected = process.env.NEST_MAJOR ?? '12';
    for (const pkg of ['common', 'core', 'microservices']) expect(version(pkg).split('.')[0]).toBe(expected);
  });
});
