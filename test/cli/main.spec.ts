import { constants } from 'node:buffer';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, COMMANDS } from '../../lib/cli/main';
import type { CliIo } from '../../lib/cli/io';
import { packageVersion } from '../../lib/engine/package-version';
import { runCli } from './cli-process';

const PACKAGE_VERSION = (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;

/** main() in this process, with captured output: for what needs no broker. */
async function runMain(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  const sink = (name: 'stdout' | 'stderr') => ({ write: (chunk: string) => ((out[name] += chunk), true) }) as unknown as NodeJS.WritableStream;
  const io: CliIo = {
    stdout: sink('stdout'),
    stderr: sink('stderr'),
    get stdin(): NodeJS.ReadableStream {
      throw new Error('no stdin in this test');
    },
    env: {},
    onInterrupt: () => () => undefined,
  };
  const code = await main(argv, io);
  return { code, ...out };
}

describe('nestjs-stomp main()', () => {
  it.each([
    [[], 'no command given; the commands are ping, send, subscribe, rpc, bench', ''],
    [['pong'], 'unknown command "pong"; the commands are ping, send, subscribe, rpc, bench', ''],
    [['help', 'pong'], 'no help for unknown command "pong"', ''],
    [['ping', 'extra'], 'ping takes no arguments, got an extra "extra"', 'ping'],
    [['send', '/q', 'body', 'more'], 'send takes DEST BODY, got an extra "more"', 'send'],
    [['rpc', '/q'], 'rpc needs BODY', 'rpc'],
    [['subscribe', '/q', '--ack', 'sometimes'], '--ack must be one of auto, client, client-individual, got "sometimes"', 'subscribe'],
    [['bench', '--size', '-1'], `--size must be a whole number from 0 to ${constants.MAX_LENGTH}, got "-1"`, 'bench'],
    [['send', '/q', 'b', '-H', 'novalue'], 'header "novalue" is not NAME:VALUE', 'send'],
    [['ping', '--heartbeats', 'fast'], '--heartbeats must be two whole numbers of milliseconds, cx,cy (e.g. 10000,10000), got "fast"', 'ping'],
    [['ping', '--timeout', '0'], '--timeout must be a positive number of seconds, got "0"', 'ping'],
    [['--port', 'x', 'ping'], '--port must be a whole number >= 1, got "x"', 'ping'],
    // A second receipt, destination, id or ack is ignored by the broker, or answered where nothing waits for it.
    // (A dead --url: were the line taken, nothing is sent anywhere.)
    [['send', '/q', 'b', '-H', 'receipt:mine', '--url', 'stomp://127.0.0.1:1'], 'header "receipt" is one send sets itself', 'send'],
    [['send', '/q', 'b', '-H', 'destination:/queue/other', '--url', 'stomp://127.0.0.1:1'], 'header "destination" is one send sets itself', 'send'],
    [['rpc', '/q', 'b', '-H', 'receipt:mine', '--url', 'stomp://127.0.0.1:1'], 'header "receipt" is one rpc sets itself', 'rpc'],
    [['subscribe', '/q', '-H', 'ack:client', '--url', 'stomp://127.0.0.1:1'], 'header "ack" is one subscribe sets itself', 'subscribe'],
    [['subscribe', '/q', '-H', 'id:x', '--url', 'stomp://127.0.0.1:1'], 'header "id" is one subscribe sets itself', 'subscribe'],
    // Past the largest Buffer: allocating the body threw a RangeError ('unexpected error'), after subscribing.
    [['bench', '--size', '9007199254740991', '--url', 'stomp://127.0.0.1:1'], `--size must be a whole number from 0 to ${constants.MAX_LENGTH}, got "9007199254740991"`, 'bench'],
    // Node fires a longer timer after 1 ms: the wait would end at once as a timeout.
    [['rpc', '/q', 'b', '--timeout-ms', '3000000000', '--url', 'stomp://127.0.0.1:1'], '--timeout-ms must be a whole number from 1 to 2147483647, got "3000000000"', 'rpc'],
  ])('%j: exit 2 and one line, %s', async (argv, message, command) => {
    const { code, stdout, stderr } = await runMain(argv);
    expect(stdout).toBe('');
    expect(stderr).toBe(`nestjs-stomp: ${message} (see 'nestjs-stomp${command ? ` ${command}` : ''} --help')\n`);
    expect(code).toBe(2);
  });

  it('--help, help and help COMMAND print on stdout and exit 0', async () => {
    const overview = await runMain(['--help']);
    expect(overview).toMatchObject({ code: 0, stderr: '' });
    for (const command of COMMANDS) expect(overview.stdout).toMatch(new RegExp(`^  ${command.name} +\\S`, 'm'));
    expect(overview.stdout).toContain('Exit codes: 0 done, 1 failed (broker, network, timeout), 2 bad command line.');
    expect(await runMain(['help'])).toEqual(overview);
    expect(await runMain(['help', 'rpc'])).toEqual(await runMain(['rpc', '--help']));
  });

  it.each(COMMANDS.map((c) => [c.name, c] as const))('%s --help lists its arguments, its options and the connection options', async (name, command) => {
    const { code, stdout } = await runMain([name, '-h']);
    expect(code).toBe(0);
    for (const argument of command.arguments) expect(stdout).toMatch(new RegExp(`^  ${argument.name} +\\S`, 'm'));
    for (const option of command.options) expect(stdout).toContain(`--${option.name}`);
    expect(stdout).toContain('--url URL');
    expect(stdout).toContain('--verbose');
  });

  // --version is also the STOMP version option, which needs a value: alone it failed as a usage error.
  it.each([[['--version']], [['version']]])('%j prints the package version and exits 0', async (argv) => {
    expect(await runMain(argv)).toEqual({ code: 0, stdout: `${PACKAGE_VERSION}\n`, stderr: '' });
  });

  it('--version with a command is still the STOMP version', async () => {
    expect((await runMain(['--version', '1.2'])).stderr).toContain('no command given');
    expect((await runMain(['ping', '--version', '2.0'])).stderr).toContain('--version must be one of 1.0, 1.1, 1.2, got "2.0"');
    expect((await runMain(['version', 'extra'])).stderr).toContain('version takes no arguments, got an extra "extra"');
    expect((await runMain(['--help'])).stdout).toContain(`'nestjs-stomp --version'`);
  });

  it('the version comes from the package.json two levels up, as from dist/engine in the published package', () => {
    const root = mkdtempSync(join(tmpdir(), 'nestjs-stomp-version-'));
    try {
      mkdirSync(join(root, 'dist', 'engine'), { recursive: true });
      writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'nestjs-stomp', version: '9.8.7' }));
      expect(packageVersion(join(root, 'dist', 'engine'))).toBe('9.8.7');
      expect(() => packageVersion(join(root, 'nowhere', 'engine', 'deeper'))).toThrow(/cannot read the version of nestjs-stomp from .*package\.json/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('bin/nestjs-stomp.js --version prints it', async () => {
    expect(await runCli(['--version'])).toMatchObject({ code: 0, stdout: `${PACKAGE_VERSION}\n`, stderr: '' });
  });
});
