import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { BROKERS } from '../support/brokers';
import { uniqueName, within } from '../support/wait';

const ROOT = join(__dirname, '..', '..');

/** Runs the sample exactly as `npm start` does, against `url` (none: its own embedded broker), and returns its exit code and output. */
async function runSample(url: string | undefined): Promise<{ code: number; output: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, SAMPLE_PREFIX: uniqueName('sample'), NO_COLOR: '1' };
  delete env.STOMP_URL;
  if (url !== undefined) env.STOMP_URL = url;
  const child = spawn(process.execPath, ['scripts/run-ts.js', 'sample/src/main.ts'], { cwd: ROOT, env });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await within(new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1))), 60_000, 'the sample to finish').catch((error: Error) => {
    child.kill('SIGKILL');
    throw new Error(`${error.message}\n${output}`);
  });
  return { code, output };
}

describe.each(BROKERS)('the sample app on $name', (broker) => {
  it('consumes orders in transactions, answers RPC, and reports an aborted order', async () => {
    const [host, port] = broker.options.hosts![0] as [string, number];
    const { code, output } = await runSample(`stomp://${broker.options.login}:${broker.options.passcode}@${host}:${port}`);
    expect(output).toContain('demo finished');
    expect(code).toBe(0);
    expect(output).toContain('order 2 failed after sending its invoice: transaction aborted');
    expect(output).toContain('invoice for order 1: 19.00');
    expect(output).toContain('invoice for order 3: 9.50');
    expect(output).toContain('RPC answer: A-1 costs 9.5');
    expect(output).toContain('RPC error: no price for Z-9');
    if (broker.nack === 'requeue') {
      expect(output).toContain('order 2 consumed (redelivered delivery');
      expect(output).toContain('invoice for order 2: 20.00');
    } else {
      expect(output).not.toContain('invoice for order 2');
    }
  });
});

describe('the sample app with no broker configured', () => {
  it('starts the embedded development broker and runs the whole demo on it', async () => {
    const { code, output } = await runSample(undefined);
    expect(output).toMatch(/started the embedded development broker on stomp:\/\/127\.0\.0\.1:\d+ \(not for production\)/);
    expect(output).toContain('demo finished');
    expect(code).toBe(0);
    expect(output).toContain('order 2 consumed (redelivered delivery');
    expect(output).toContain('invoice for order 2: 20.00');
    expect(output).toContain('RPC answer: A-1 costs 9.5');
  });
});
