import { StompError } from '../engine';
import { hasOption, mergeArgs, parseArgs, type OptionSpec } from './args';
import type { Command } from './command';
import { bench } from './commands/bench';
import { ping } from './commands/ping';
import { rpc } from './commands/rpc';
import { send } from './commands/send';
import { subscribe } from './commands/subscribe';
import { CONNECTION_OPTIONS } from './connection-flags';
import { CliUsageError, ExitCode } from './errors';
import { errorLine } from './format';
import { commandHelp, HELP_OPTION, overviewHelp, PROGRAM } from './help';
import { processIo, type CliIo } from './io';
import { packageVersion } from '../engine/package-version';

/** Every subcommand, in the order `--help` lists them. */
export const COMMANDS: readonly Command[] = [ping, send, subscribe, rpc, bench];

/** Options accepted before and after the command name. */
const SHARED_OPTIONS: readonly OptionSpec[] = [...CONNECTION_OPTIONS, HELP_OPTION];

/**
 * Runs one command line (without the `node` and script parts) and resolves to the exit code.
 * Never throws: a failure becomes exactly one `nestjs-stomp: …` line on stderr, with no stack
 * trace and no passcode (the engine keeps passcodes out of its messages).
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let command: Command | undefined;
  try {
    // Alone, `--version` asks for the package's version; with a command it is the STOMP version, which takes a value.
    if (argv.length === 1 && argv[0] === '--version') return showVersion([], io);
    const leading = parseArgs(argv, SHARED_OPTIONS, true);
    const name = leading.positionals[0];
    if (name === undefined || name === 'help') return showOverviewOrHelp(name, leading.rest, hasOption(leading, 'help'), io);
    if (name === 'version') return showVersion(leading.rest, io);
    command = COMMANDS.find((c) => c.name === name);
    if (command === undefined) throw new CliUsageError(`unknown command ${JSON.stringify(name)}; the commands are ${commandNames()}`);
    const args = mergeArgs(leading, parseArgs(leading.rest, [...command.options, ...SHARED_OPTIONS]));
    if (hasOption(args, 'help')) {
      io.stdout.write(commandHelp(command));
      return ExitCode.Ok;
    }
    checkArguments(command, args.positionals);
    return await command.run({ args, io });
  } catch (error) {
    io.stderr.write(errorLine(describe(error, command)));
    return error instanceof CliUsageError ? ExitCode.Usage : ExitCode.Failure;
  }
}

/** `nestjs-stomp --help`, `nestjs-stomp help [command]`, and the usage error of no command at all. */
function showOverviewOrHelp(name: string | undefined, rest: readonly string[], help: boolean, io: CliIo): number {
  const topic = name === 'help' ? rest[0] : undefined;
  if (topic !== undefined) {
    const command = COMMANDS.find((c) => c.name === topic);
    if (command === undefined) throw new CliUsageError(`no help for unknown command ${JSON.stringify(topic)}`);
    io.stdout.write(commandHelp(command));
    return ExitCode.Ok;
  }
  if (name !== 'help' && !help) throw new CliUsageError(`no command given; the commands are ${commandNames()}`);
  io.stdout.write(overviewHelp(COMMANDS));
  return ExitCode.Ok;
}

/** `nestjs-stomp --version` and `nestjs-stomp version`: the package version on stdout. */
function showVersion(rest: readonly string[], io: CliIo): number {
  if (rest.length > 0) throw new CliUsageError(`version takes no arguments, got an extra ${JSON.stringify(rest[0])}`);
  io.stdout.write(`${packageVersion()}\n`);
  return ExitCode.Ok;
}

function commandNames(): string {
  return COMMANDS.map((c) => c.name).join(', ');
}

function checkArguments(command: Command, positionals: readonly string[]): void {
  const required = command.arguments.filter((a) => !a.optional);
  if (positionals.length < required.length) {
    const missing = required.slice(positionals.length).map((a) => a.name);
    throw new CliUsageError(`${command.name} needs ${missing.join(' and ')}`);
  }
  if (positionals.length > command.arguments.length) {
    throw new CliUsageError(`${command.name} takes ${command.arguments.length === 0 ? 'no arguments' : command.arguments.map((a) => a.name).join(' ')}, got an extra ${JSON.stringify(positionals[command.arguments.length])}`);
  }
}

function describe(error: unknown, command: Command | undefined): string {
  if (error instanceof CliUsageError) return `${error.message} (see '${PROGRAM}${command ? ` ${command.name}` : ''} --help')`;
  if (error instanceof StompError) return error.message;
  // Not one of ours: a bug, but still one line, as promised.
  return `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
}

/**
 * The program: runs `argv` against the real process and sets the exit code. The process ends when
 * the command's sockets and streams are closed, so everything written to stdout gets out.
 */
export function run(argv: readonly string[] = process.argv.slice(2)): void {
  // A reader that went away (`| head`) is not an error worth a line, nor a reason to exit at once: the
  // command sees its write fail and winds down (subscribe unsubscribes, so what it did not print stays queued).
  process.stdout.on('error', () => undefined);
  void main(argv, processIo()).then((code) => {
    process.exitCode = code;
  });
}
