import { readFile, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { validatePassword } from '@tenantry/core';
import { booleanValue, stringValue, type OptionDefs, type ParsedArgs } from './args.js';
import type { CommandContext } from './command.js';
import { asUsage, UsageError } from './usage-error.js';

export const passwordOptions: OptionDefs = {
  'password-stdin': {
    type: 'boolean',
    description: 'Read the password from standard input (one trailing newline is dropped). It is never echoed.',
    group: 'Password',
  },
  'password-file': {
    type: 'string',
    value: '<path>',
    description: 'Read the password from a file (one trailing newline is dropped); warns when others can read the file.',
    group: 'Password',
  },
};

/** Largest password input read; the password policy allows 1024 characters. */
const MAX_PASSWORD_INPUT_BYTES = 16 * 1024;

/**
 * The password given through `--password-stdin` or `--password-file`, checked
 * against the password policy; undefined when neither is given (generate one).
 */
export async function readGivenPassword(args: ParsedArgs, context: CommandContext): Promise<string | undefined> {
  const fromStdin = booleanValue(args, 'password-stdin');
  const file = stringValue(args, 'password-file');
  if (fromStdin && file !== undefined) {
    throw new UsageError('--password-stdin and --password-file cannot be combined.', { command: context.command });
  }
  let text: string;
  if (fromStdin) {
    if (context.io.stdinIsTTY) {
      throw new UsageError('--password-stdin reads a pipe or a file, not the terminal (it would echo the password).', {
        command: context.command,
        hint: 'Pipe it in: printf %s "$PASSWORD" | tenantry ... --password-stdin',
      });
    }
    text = await readAll(context.io.stdin, MAX_PASSWORD_INPUT_BYTES);
  } else if (file !== undefined) {
    const path = context.resolvePath(file);
    let info;
    try {
      info = await stat(path);
    } catch {
      throw new UsageError(`--password-file: cannot read ${file}.`, { command: context.command });
    }
    if (!info.isFile() && !info.isFIFO()) throw new UsageError(`--password-file: ${file} is not a file.`, { command: context.command });
    if (info.isFile() && (info.mode & 0o077) !== 0) {
      context.output.warn(`${file} can be read by other users (mode ${(info.mode & 0o777).toString(8).padStart(4, '0')}); chmod 600 it.`);
    }
    text = await readFile(path, 'utf8');
  } else {
    return undefined;
  }
  const password = text.replace(/\r?\n$/, '');
  if (password === '') throw new UsageError(`the password from ${fromStdin ? 'standard input' : file} is empty.`, { command: context.command });
  // The policy's messages never contain the password itself.
  return asUsage(context.command, () => validatePassword(password));
}

async function readAll(stream: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > limit) throw new UsageError(`standard input holds more than ${limit} bytes: not a password.`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
