import { CliUsageError } from './errors';

/** One option a command accepts; the same record drives parsing and `--help`. */
export interface OptionSpec {
  /** Long name, without the dashes. */
  readonly name: string;
  /** One-letter alias, without the dash. */
  readonly short?: string;
  /** Placeholder of the value in help (`N`, `NAME:VALUE`); absent for a flag that takes no value. */
  readonly value?: string;
  /** May be given several times; every value is kept. */
  readonly repeatable?: boolean;
  /** One line for `--help`. */
  readonly description: string;
}

/** A command line split into positionals and option values. */
export interface ParsedArgs {
  readonly positionals: readonly string[];
  /** Values by long option name, in the order given; a flag holds `''`. */
  readonly values: ReadonlyMap<string, readonly string[]>;
}

/**
 * Splits `argv` by `specs`: `--name value`, `--name=value`, `-x value`, `-xvalue`, flags, and `--`
 * ending the options. A lone `-` is a positional (it means stdin). With `stopAtPositional`, parsing
 * stops at the first positional and the rest is returned untouched, for a command to parse with
 * its own options.
 * @throws {CliUsageError} for an unknown option, a missing value, or a value given to a flag.
 */
export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[], stopAtPositional = false): ParsedArgs & { rest: string[] } {
  const positionals: string[] = [];
  const values = new Map<string, string[]>();
  let i = 0;
  const take = (spec: OptionSpec, shown: string, inline: string | undefined): void => {
    let value = '';
    if (spec.value !== undefined) {
      const next = inline ?? argv[++i];
      if (next === undefined) throw new CliUsageError(`option ${shown} needs a value (${spec.value})`);
      value = next;
    } else if (inline !== undefined && inline !== '') {
      throw new CliUsageError(`option ${shown} takes no value`);
    }
    values.set(spec.name, spec.repeatable ? [...(values.get(spec.name) ?? []), value] : [value]);
  };
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq === -1 ? undefined : eq);
      take(find(specs, (s) => s.name === name, `--${name}`), `--${name}`, eq === -1 ? undefined : arg.slice(eq + 1));
    } else if (arg.startsWith('-') && arg.length > 1) {
      const letter = arg[1]!;
      take(find(specs, (s) => s.short === letter, `-${letter}`), `-${letter}`, arg.length > 2 ? arg.slice(2) : undefined);
    } else if (stopAtPositional) {
      return { positionals: [arg], values, rest: argv.slice(i + 1) };
    } else {
      positionals.push(arg);
    }
  }
  return { positionals, values, rest: [] };
}

function find(specs: readonly OptionSpec[], match: (spec: OptionSpec) => boolean, shown: string): OptionSpec {
  const spec = specs.find(match);
  if (spec === undefined) throw new CliUsageError(`unknown option ${shown}`);
  return spec;
}

/** The last value of option `name` (the last one given wins), or `undefined`. */
export function optionValue(args: ParsedArgs, name: string): string | undefined {
  return args.values.get(name)?.at(-1);
}

/** Every value of a repeatable option, in order. */
export function optionValues(args: ParsedArgs, name: string): readonly string[] {
  return args.values.get(name) ?? [];
}

/** Whether option `name` was given at all. */
export function hasOption(args: ParsedArgs, name: string): boolean {
  return args.values.has(name);
}

/** Two merged parses: the options before the command and the command's own. */
export function mergeArgs(before: ParsedArgs, after: ParsedArgs): ParsedArgs {
  const values = new Map<string, readonly string[]>(before.values);
  for (const [name, list] of after.values) values.set(name, [...(values.get(name) ?? []), ...list]);
  return { positionals: after.positionals, values };
}
