import { helpOption, type OptionDef, type OptionDefs, type ParsedArgs } from '../args.js';
import type { CommandDefinition } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { globalOptions, settingsOptions } from '../global-options.js';
import { UsageError } from '../usage-error.js';
import { CREDENTIALS_ACTIONS } from './credentials.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** Values of a command's one positional argument, offered after its name. */
const POSITIONAL_VALUES: Readonly<Record<string, readonly string[]>> = {
  plan: ['create', 'remove', 'init', 'rotate-password'],
  completion: SHELLS,
  credentials: CREDENTIALS_ACTIONS,
};

/** Placeholders of options whose value is a path: completed with file names. */
const PATH_VALUES = new Set(['<file>', '<dir>', '<path>']);

interface CompletionCommand {
  readonly name: string;
  readonly summary: string;
  readonly options: OptionDefs;
  readonly positionals: readonly string[];
}

/** What completion offers, from the command definitions: each command with its options, plus the settings options every command takes. */
function completionModel(commands: readonly CommandDefinition[]): CompletionCommand[] {
  return commands.map((command) => ({
    name: command.name,
    summary: command.summary,
    options: { ...command.options, ...settingsOptions },
    positionals: POSITIONAL_VALUES[command.name] ?? [],
  }));
}

/** The completion script for `shell`, generated from the command definitions. */
export function completionScript(shell: Shell, commands: readonly CommandDefinition[]): string {
  const model = completionModel(commands);
  switch (shell) {
    case 'bash':
      return bashScript(model);
    case 'zsh':
      return zshScript(model);
    case 'fish':
      return fishScript(model);
  }
}

function flags(name: string, def: OptionDef): string[] {
  return [`--${name}`, ...(def.short ? [`-${def.short}`] : [])];
}

/** Options that take a value, so that the word after them is not the command. */
function valueFlags(options: OptionDefs): string[] {
  return Object.entries(options).filter(([, def]) => def.type === 'string').flatMap(([name, def]) => flags(name, def));
}

function pathFlags(options: OptionDefs): string[] {
  return Object.entries(options).filter(([, def]) => def.value !== undefined && PATH_VALUES.has(def.value)).map(([name]) => `--${name}`);
}

/** Single-quoted for a POSIX shell. */
function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function bashScript(model: readonly CompletionCommand[]): string {
  const globals = Object.entries(globalOptions).flatMap(([name, def]) => flags(name, def));
  const cases = model
    .map((command) => {
      const words = [...command.positionals, ...Object.entries(command.options).flatMap(([name, def]) => flags(name, def))];
      return `    ${command.name}) words=${quote(words.join(' '))} ;;`;
    })
    .join('\n');
  const allPaths = [...new Set(model.flatMap((command) => pathFlags(command.options)))];
  const allValues = [...new Set([...valueFlags(globalOptions), ...model.flatMap((command) => valueFlags(command.options))])];
  return `# tenantry completion for bash. Load it with: source <(tenantry completion bash)
# or save it as ~/.local/share/bash-completion/completions/tenantry
_tenantry() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="" command="" words i
  ((COMP_CWORD > 0)) && prev="\${COMP_WORDS[COMP_CWORD-1]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      ${valueFlags(globalOptions).join('|')}) ((i++)) ;;
      -*) ;;
      *) command="\${COMP_WORDS[i]}"; break ;;
    esac
  done
  case "$prev" in
    ${allPaths.join('|')}) COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;
    ${allValues.filter((flag) => !allPaths.includes(flag)).join('|')}) COMPREPLY=(); return 0 ;;
  esac
  case "$command" in
    '') words=${quote([...model.map((command) => command.name), ...globals].join(' '))} ;;
${cases}
    *) words='' ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _tenantry tenantry
`;
}

/** An option as a zsh `_arguments` spec; the description without characters that end it. */
function zshOption(name: string, def: OptionDef): string {
  const description = def.description.split(/(?<=\.)\s/)[0]!.replace(/[[\]:'\\]/g, ' ').replace(/\s+/g, ' ').trim();
  const repeat = def.multiple ? '*' : '';
  const value = def.type === 'string' ? `:${(def.value ?? 'value').replace(/[<>:]/g, '')}:${def.value && PATH_VALUES.has(def.value) ? '_files' : ' '}` : '';
  const spec = `${repeat}--${name}[${description}]${value}`;
  return quote(spec);
}

function zshScript(model: readonly CompletionCommand[]): string {
  const commandList = model.map((command) => quote(`${command.name}:${command.summary.replace(/'/g, '')}`)).join(' ');
  const functions = model
    .map((command) => {
      const options = Object.entries(command.options).map(([name, def]) => `    ${zshOption(name, def)}`);
      const positional = command.positionals.length > 0 ? [`    ${quote(`1:argument:(${command.positionals.join(' ')})`)}`] : [];
      return `_tenantry_${command.name.replace(/-/g, '_')}() {\n  _arguments -s \\\n${[...options, ...positional].join(' \\\n')}\n}`;
    })
    .join('\n\n');
  const globals = Object.entries(globalOptions)
    .filter(([name]) => name !== 'help' && name !== 'version')
    .map(([name, def]) => `    ${zshOption(name, def)}`);
  return `#compdef tenantry
# tenantry completion for zsh. Load it with: source <(tenantry completion zsh)
# or save it as _tenantry in a folder of your $fpath

${functions}

_tenantry() {
  local -a commands
  commands=(${commandList})
  local curcontext="$curcontext" state line
  _arguments -C \\
${globals.join(' \\\n')} \\
    '(- *)'{-h,--help}'[Show the help.]' \\
    '(- *)'{-v,--version}'[Print the version and exit.]' \\
    '1:command:->command' \\
    '*::argument:->argument'
  case $state in
    command) _describe -t commands 'tenantry command' commands ;;
    argument)
      local fn="_tenantry_\${line[1]//-/_}"
      (( $+functions[$fn] )) && $fn ;;
  esac
}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _tenantry "$@"
else
  compdef _tenantry tenantry
fi
`;
}

function fishScript(model: readonly CompletionCommand[]): string {
  const names = model.map((command) => command.name).join(' ');
  const lines = [
    '# tenantry completion for fish. Load it with: tenantry completion fish | source',
    '# or save it as ~/.config/fish/completions/tenantry.fish',
    'complete -c tenantry -f',
    ...model.map((command) => `complete -c tenantry -n ${quote(`not __fish_seen_subcommand_from ${names}`)} -a ${command.name} -d ${quote(command.summary)}`),
    ...Object.entries(globalOptions).map(([name, def]) => fishOption(`not __fish_seen_subcommand_from ${names}`, name, def)),
  ];
  for (const command of model) {
    const condition = `__fish_seen_subcommand_from ${command.name}`;
    if (command.positionals.length > 0) lines.push(`complete -c tenantry -n ${quote(condition)} -a ${quote(command.positionals.join(' '))}`);
    for (const [name, def] of Object.entries(command.options)) lines.push(fishOption(condition, name, def));
  }
  return `${lines.join('\n')}\n`;
}

function fishOption(condition: string, name: string, def: OptionDef): string {
  const description = def.description.split(/(?<=\.)\s/)[0]!;
  const value = def.type === 'string' ? (def.value && PATH_VALUES.has(def.value) ? ' -r -F' : ' -r') : '';
  return `complete -c tenantry -n ${quote(condition)} -l ${name}${def.short ? ` -s ${def.short}` : ''}${value} -d ${quote(description)}`;
}

export const completion: CommandDefinition = {
  name: 'completion',
  summary: 'Print a shell completion script (bash, zsh or fish).',
  usage: ['completion <bash|zsh|fish>'],
  description:
    'Prints a script that completes tenantry\'s commands and their options in your shell, made from the same definitions as --help. ' +
    'bash: source <(tenantry completion bash). zsh: source <(tenantry completion zsh), or save it as _tenantry in your $fpath. fish: tenantry completion fish > ~/.config/fish/completions/tenantry.fish.',
  options: { ...helpOption },
  positionals: { min: 1, max: 1, names: '<bash|zsh|fish>' },
  examples: ['source <(tenantry completion bash)', 'tenantry completion zsh > "${fpath[1]}/_tenantry"', 'tenantry completion fish > ~/.config/fish/completions/tenantry.fish'],
  async run(args: ParsedArgs, context) {
    const shell = args.positionals[0]!;
    if (!(SHELLS as readonly string[]).includes(shell)) throw new UsageError(`unknown shell '${shell}': expected bash, zsh or fish.`, { command: context.command });
    const { commands } = await import('../main.js');
    await context.output.out(completionScript(shell as Shell, commands));
    return ExitCode.ok;
  },
};
