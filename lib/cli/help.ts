import type { OptionSpec } from './args';
import type { Command } from './command';
import { CONNECTION_OPTIONS } from './connection-flags';

/** The program name in usage lines and error messages. */
export const PROGRAM = 'nestjs-stomp';

/** `-h, --help` is accepted everywhere. */
export const HELP_OPTION: OptionSpec = { name: 'help', short: 'h', description: 'show this help' };

/** `nestjs-stomp --help`: the commands and the options they share. */
export function overviewHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 3;
  return [
    `Usage: ${PROGRAM} <command> [options]`,
    '',
    'A STOMP command-line client for RabbitMQ, ActiveMQ and any STOMP 1.0-1.2 broker.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Connection options (every command):',
    ...optionLines([...CONNECTION_OPTIONS, HELP_OPTION]),
    '',
    `Run '${PROGRAM} <command> --help' for a command's arguments and options.`,
    `Run '${PROGRAM} --version' (or '${PROGRAM} version') for the version of ${PROGRAM}; after a command, --version is the STOMP version.`,
    'Environment: STOMP_URL, e.g. stomp://guest:guest@127.0.0.1:61613.',
    'Exit codes: 0 done, 1 failed (broker, network, timeout), 2 bad command line.',
    '',
  ].join('\n');
}

/** `nestjs-stomp <command> --help`. */
export function commandHelp(command: Command): string {
  const usage = command.arguments.map((a) => (a.optional ? `[${a.name}]` : a.name));
  const width = Math.max(0, ...command.arguments.map((a) => a.name.length)) + 3;
  const lines = [`Usage: ${PROGRAM} ${[command.name, ...usage].join(' ')} [options]`, '', `${capitalised(command.summary)}.`, '', command.details, ''];
  if (command.arguments.length > 0) lines.push('Arguments:', ...command.arguments.map((a) => `  ${a.name.padEnd(width)}${a.description}`), '');
  if (command.options.length > 0) lines.push('Options:', ...optionLines(command.options), '');
  lines.push('Connection options:', ...optionLines([...CONNECTION_OPTIONS, HELP_OPTION]), '');
  return lines.join('\n');
}

function optionLines(options: readonly OptionSpec[]): string[] {
  const left = options.map((o) => `${o.short ? `-${o.short}, ` : '    '}--${o.name}${o.value ? ` ${o.value}` : ''}`);
  const width = Math.max(...left.map((l) => l.length)) + 3;
  return options.map((o, i) => `  ${left[i]!.padEnd(width)}${o.description}`);
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
