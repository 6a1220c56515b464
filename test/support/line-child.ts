import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { Inbox } from './wait';

/** A peer program run as a child process, its stdout read line by line (the interop peers' protocol). */
export interface LineChild {
  child: ChildProcessWithoutNullStreams;
  lines: Inbox<string>;
  exited: Promise<number>;
  stderr(): string;
}

export function spawnLines(command: string, args: string[]): LineChild {
  const child = spawn(command, args, { stdio: 'pipe' });
  const lines = new Inbox<string>();
  let buffered = '';
  let errors = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    parts.forEach((line) => lines.push(line));
  });
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  // 'error' (the program is missing) comes instead of 'close' with a code.
  const exited = new Promise<number>((resolve) => {
    child.on('close', (code) => resolve(code ?? -1));
    child.on('error', (error) => {
      errors += `${error.message}\n`;
      resolve(-1);
    });
  });
  return { child, lines, exited, stderr: () => errors };
}

/** Waits for the child's READY line (its subscription is in place); kills it and says why otherwise. */
export async function untilReady(proc: LineChild, what: string): Promise<void> {
  const first = await proc.lines.next(30_000, `${what} READY`).catch((error: Error) => {
    proc.child.kill();
    throw new Error(`${error.message}: ${proc.stderr()}`);
  });
  if (first !== 'READY') {
    proc.child.kill();
    throw new Error(`${what} said ${first}: ${proc.stderr()}`);
  }
}
