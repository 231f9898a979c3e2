/**
 * The CLI reference (docs/cli.md) rendered from the command definitions themselves, so the
 * document cannot drift from what `rck --help` says. `npm run docs:cli` writes it;
 * test/unit/cli-reference.test.ts fails when the committed file differs.
 */
import { type Argument, type Command, Help } from 'commander';

const help = new Help();

export function renderCliReference(program: Command): string {
  const commands = leafCommands(program);
  const out: string[] = [
    '# `rck` command reference',
    '',
    '<!-- Generated from the command definitions (src/cli/commands/) by `npm run docs:cli`; do not edit by hand.',
    '     test/unit/cli-reference.test.ts fails when this file differs from what the commands say. -->',
    '',
    `${program.description()}`,
    '',
    'Results go to stdout, progress to stderr; a user error is one line on stderr and a non-zero exit code.',
    'Every command also takes `-h, --help`.',
    '',
    '## Global options',
    '',
    ...optionTable(program),
    '',
    '## Commands',
    '',
    ...commands.map((c) => `- [\`${fullName(c)}\`](#${anchor(fullName(c))}): ${firstSentence(c.description())}`),
  ];
  for (const cmd of commands) out.push('', ...commandSection(cmd));
  return `${out.join('\n')}\n`;
}

/** Commands that run something, in definition order; a group (`bench`, `rollout`) lists its subcommands. */
function leafCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => (c.commands.length > 0 ? leafCommands(c) : [c]));
}

function commandSection(cmd: Command): string[] {
  const lines = [`## \`${fullName(cmd)}\``, '', prose(cmd.description()), '', '```', usage(cmd), '```'];
  const args = help.visibleArguments(cmd);
  if (args.length > 0) {
    lines.push('', '| argument | meaning |', '|---|---|');
    for (const a of args) lines.push(`| \`${argumentName(a)}\` | ${cell(help.argumentDescription(a))} |`);
  }
  const options = optionTable(cmd);
  if (options.length > 0) lines.push('', ...options);
  return lines;
}

function optionTable(cmd: Command): string[] {
  const options = help.visibleOptions(cmd).filter((o) => o.long !== '--help');
  if (options.length === 0) return [];
  return ['| option | meaning |', '|---|---|', ...options.map((o) => `| \`${o.flags}\` | ${cell(help.optionDescription(o))} |`)];
}

function usage(cmd: Command): string {
  const parents: string[] = [];
  for (let p = cmd.parent; p; p = p.parent) parents.unshift(p.name());
  return [...parents, cmd.name(), cmd.usage()].join(' ');
}

function fullName(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** GitHub's heading anchor for a heading of only the command name in backticks. */
function anchor(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-');
}

/** The description up to its first ':' or ';' outside parentheses, for the index. */
function firstSentence(text: string): string {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if ((ch === ':' || ch === ';') && depth === 0 && text[i + 1] === ' ') return cell(text.slice(0, i));
  }
  return cell(text);
}

/** An argument as usage writes it: <name>, [name], <name...>. */
function argumentName(a: Argument): string {
  const name = `${a.name()}${a.variadic ? '...' : ''}`;
  return a.required ? `<${name}>` : `[${name}]`;
}

/** Text safe inside a Markdown table cell: no pipes or line breaks, and <name> shown rather than read as HTML. */
function cell(text: string): string {
  return prose(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Escapes < and > outside `code spans`, where Markdown would take <name> for an HTML tag. */
function prose(text: string): string {
  return text
    .split('`')
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/</g, '&lt;').replace(/>/g, '&gt;')))
    .join('`');
}
