/** What a command may touch of its process, passed in so that nothing reaches for globals. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  /** Diagnostics, progress and the one error line; `isTTY` picks a progress bar over plain lines. */
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stdin: NodeJS.ReadableStream;
  readonly env: NodeJS.ProcessEnv;
  /** Calls `handler` on Ctrl-C (SIGINT) instead of dying; returns a function that restores the default. */
  onInterrupt(handler: () => void): () => void;
}

/** The real process. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    // A getter: touching process.stdin opens it, and only `-` bodies need it.
    get stdin() {
      return process.stdin;
    },
    env: process.env,
    onInterrupt(handler) {
      process.on('SIGINT', handler);
      return () => process.off('SIGINT', handler);
    },
  };
}

/** Reads a stream to its end as bytes, untouched: a body from stdin may be binary. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

/**
 * A message body argument: `-` reads stdin to its end as bytes (binary-safe; sent with
 * `content-length`), anything else is the text itself (sent as text, without it).
 */
export async function bodyArgument(text: string, io: CliIo): Promise<Buffer | string> {
  return text === '-' ? readAll(io.stdin) : text;
}
