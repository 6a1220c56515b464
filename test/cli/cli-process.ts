import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import type { BrokerTarget } from '../support/brokers';
import { within } from '../support/wait';

const BIN = join(__dirname, '..', '..', 'bin', 'nestjs-stomp.js');

/** How a CLI run ended. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Processes started by a test, killed by {@link killAll} if a failing test left them running. */
const running = new Set<CliProcess>();

/** `nestjs-stomp` as a user runs it: `node bin/nestjs-stomp.js …`, in a child process. */
export class CliProcess {
  readonly child: ChildProcessWithoutNullStreams;
  private readonly out = { stdout: '', stderr: '' };
  private readonly watchers = new Set<() => void>();
  private readonly ended: Promise<CliResult>;

  constructor(args: readonly string[], env: Record<string, string> = {}) {
    const inherited = { ...process.env };
    delete inherited.STOMP_URL; // every test says which broker it means
    this.child = spawn(process.execPath, [BIN, ...args], { env: { ...inherited, NO_COLOR: '1', ...env } });
    running.add(this);
    for (const stream of ['stdout', 'stderr'] as const) {
      this.child[stream].on('data', (chunk: Buffer) => {
        this.out[stream] += chunk.toString();
        for (const watcher of [...this.watchers]) watcher();
      });
    }
    this.ended = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        running.delete(this);
        resolve({ code, signal, ...this.out });
      });
    });
  }

  /** Writes `input` to stdin and closes it. */
  input(input: string | Buffer = ''): this {
    this.child.stdin.end(input);
    return this;
  }

  /** Resolves once `stream` has matched `pattern`; fails with the output so far after `ms`. */
  async waitFor(stream: 'stdout' | 'stderr', pattern: RegExp, ms = 10_000): Promise<void> {
    let watcher!: () => void;
    const seen = new Promise<void>((resolve) => {
      watcher = () => pattern.test(this.out[stream]) && resolve();
      this.watchers.add(watcher);
      watcher();
    });
    try {
      await within(seen, ms, `${pattern} on ${stream}`);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nstdout: ${this.out.stdout}\nstderr: ${this.out.stderr}`);
    } finally {
      this.watchers.delete(watcher);
    }
  }

  /** Ctrl-C. */
  interrupt(): void {
    this.child.kill('SIGINT');
  }

  /** How it ended, waiting up to `ms`. */
  exited(ms = 15_000): Promise<CliResult> {
    return within(this.ended, ms, 'the CLI to exit').catch((error: Error) => {
      throw new Error(`${error.message}\nstdout: ${this.out.stdout}\nstderr: ${this.out.stderr}`);
    });
  }
}

/** Runs the CLI to its end with `input` on stdin. */
export function runCli(args: readonly string[], options: { env?: Record<string, string>; input?: string | Buffer } = {}): Promise<CliResult> {
  return new CliProcess(args, options.env).input(options.input).exited();
}

/** Kills what a failed test left running. */
export function killAll(): void {
  for (const cli of running) cli.child.kill('SIGKILL');
  running.clear();
}

/** The broker as a STOMP_URL, credentials included. */
export function urlOf(broker: BrokerTarget): string {
  const [host, port] = broker.options.hosts![0] as [string, number];
  return `stomp://${broker.options.login}:${broker.options.passcode}@${host}:${port}`;
}

/** Lines of `text`, without the empty one after the last newline. */
export function lines(text: string): string[] {
  return text.split('\n').filter((line, i, all) => line !== '' || i < all.length - 1);
}
