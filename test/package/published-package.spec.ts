import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BROKERS } from '../support/brokers';
import { uniqueName } from '../support/wait';

/**
 * What `npm install nestjs-stomp` gives a user: the tarball `npm pack` makes from a checkout (its
 * prepack builds dist/), unpacked into a fresh app's node_modules beside the Nest peers, used with
 * no help from this repository's TypeScript setup.
 */
const ROOT = join(__dirname, '..', '..');
const FIXTURES = join(__dirname, 'fixtures');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const run = promisify(execFile);
const rabbitmq = BROKERS.find((broker) => broker.name === 'rabbitmq')!;

/** Where each Nest major's peers are installed: the root's (12) and test/nest11's. */
const PEERS = { 12: join(ROOT, 'node_modules'), 11: join(ROOT, 'test', 'nest11', 'node_modules') } as const;

interface PackedFile {
  path: string;
}

let work: string;
let tarball: string;
let files: string[];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'nestjs-stomp-package-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT, timeout: 120_000, maxBuffer: 16 << 20 });
  // npm prints the prepack build's output before the JSON.
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{ filename: string; files: PackedFile[] }>;
  tarball = join(work, packed.filename);
  files = packed.files.map((file) => file.path);
}, 150_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

const apps = new Map<keyof typeof PEERS, Promise<string>>();

/** An app folder with the package unpacked into node_modules and links to one Nest major's peers (one per major). */
function appWith(major: keyof typeof PEERS): Promise<string> {
  if (!apps.has(major)) apps.set(major, makeApp(major));
  return apps.get(major)!;
}

async function makeApp(major: keyof typeof PEERS): Promise<string> {
  const app = join(work, `app-nest${major}`);
  const modules = join(app, 'node_modules');
  mkdirSync(join(modules, 'nestjs-stomp'), { recursive: true });
  await run('tar', ['xzf', tarball, '-C', join(modules, 'nestjs-stomp'), '--strip-components', '1']);
  for (const peer of ['@nestjs', 'rxjs', 'reflect-metadata']) symlinkSync(join(PEERS[major], peer), join(modules, peer));
  symlinkSync(join(ROOT, 'node_modules', '@types'), join(modules, '@types'));
  return app;
}

describe('the package npm pack makes', () => {
  it('holds the build, the command and the docs, and nothing of the repository besides', () => {
    expect(files).toEqual(expect.arrayContaining([
      'package.json', 'README.md', 'LICENSE', 'bin/nestjs-stomp.js',
      'dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js',
      ...['engine', 'nest', 'health', 'testing'].flatMap((entry) => [`dist/${entry}/index.js`, `dist/${entry}/index.d.ts`]),
    ]));
    expect(files.filter((file) => !/^(dist\/|bin\/nestjs-stomp\.js$|package\.json$|README\.md$|LICENSE$)/.test(file))).toEqual([]);
    expect(files.filter((file) => /\.spec\.|\.ts$/.test(file) && !file.endsWith('.d.ts'))).toEqual([]);
  });

  it.each([12, 11] as const)('runs a plain CommonJS Nest %i app against RabbitMQ: send, emit, the CLI, every entry point from ESM', async (major) => {
    const app = await appWith(major);
    copyFileSync(join(FIXTURES, 'app.cjs'), join(app, 'app.cjs'));
    const [[host, port]] = rabbitmq.options.hosts as Array<[string, number]>;
    const { stdout } = await run(process.execPath, [join(app, 'app.cjs'), host, String(port), 'guest', 'guest', uniqueName('package')], { cwd: app, timeout: 60_000 });
    const result = JSON.parse(stdout);

    expect(result.reply).toEqual({ doubled: 42 });
    expect(result.emitted).toEqual({ kind: 'emitted' });
    expect(result.cli).toContain('"doubled": 8');
    expect(result.version).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    expect(result.entryPoints['nestjs-stomp']).toEqual(expect.arrayContaining(['ClientStomp', 'ServerStomp', 'StompConnection', 'StompContext', 'StompModule', 'StompError']));
    expect(result.entryPoints['nestjs-stomp/engine']).toEqual(expect.arrayContaining(['StompConnection', 'FrameDecoder', 'encodeFrame']));
    expect(result.entryPoints['nestjs-stomp/engine']).not.toContain('ClientStomp');
    expect(result.entryPoints['nestjs-stomp/testing']).toEqual(expect.arrayContaining(['EmbeddedBroker', 'StompTestingModule', 'waitForMessage']));
    // @nestjs/terminus is an optional peer: installed beside Nest 12 here, not beside Nest 11.
    if (major === 12) expect(result.entryPoints['nestjs-stomp/health']).toEqual(['StompHealthIndicator']);
    else expect(result.entryPoints['nestjs-stomp/health']).toMatch(/Cannot find module '@nestjs\/terminus'/);
  }, 90_000);

  // Nest's project templates have used each of these; `node10` is TypeScript's `"moduleResolution": "node"`.
  it.each([
    ['CommonJS, moduleResolution node10', 'commonjs', 'node10', 'commonjs'],
    ['CommonJS, moduleResolution nodenext', 'nodenext', 'nodenext', 'commonjs'],
    ['ESM, moduleResolution nodenext', 'nodenext', 'nodenext', 'module'],
    ['a bundler', 'esnext', 'bundler', 'module'],
  ])('type-checks a Nest app importing every entry point: %s', async (_name, module, resolution, type) => {
    const app = await appWith(12);
    const project = join(app, `types-${resolution}-${type}`);
    mkdirSync(project, { recursive: true });
    copyFileSync(join(FIXTURES, 'consumer.ts'), join(project, 'consumer.ts'));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ type }));
    const args = [TSC, '--noEmit', '--strict', '--target', 'es2022', '--experimentalDecorators', '--emitDecoratorMetadata', '--types', 'node', '--module', module, '--moduleResolution', resolution, 'consumer.ts'];
    const checked = await run(process.execPath, args, { cwd: project, timeout: 60_000 }).then(
      () => '',
      (error: { stdout: string }) => error.stdout,
    );
    expect(checked).toBe('');
  }, 90_000);
});
