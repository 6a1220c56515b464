import type { OptionSpec, ParsedArgs } from './args';
import type { CliIo } from './io';

/** A positional argument, for checking the count and for `--help`. */
export interface ArgumentSpec {
  readonly name: string;
  readonly description: string;
  readonly optional?: boolean;
}

/** What a command gets to run: its parsed command line (connection options included) and the process. */
export interface CommandContext {
  readonly args: ParsedArgs;
  readonly io: CliIo;
}

/** One subcommand of `nestjs-stomp`; the record drives dispatch, argument checks and `--help`. */
export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  readonly arguments: readonly ArgumentSpec[];
  /** The command's own options; the connection options come on top. */
  readonly options: readonly OptionSpec[];
  /** Paragraphs of `--help` after the usage line. */
  readonly details: string;
  /**
   * Runs with checked positionals; resolves to the exit code. Usage errors are thrown before any
   * connection is opened.
   */
  run(context: CommandContext): Promise<number>;
}
