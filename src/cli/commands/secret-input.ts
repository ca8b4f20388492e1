/**
 * Reads a secret's value for `bulwark secrets set`: from a pipe or file on stdin (one trailing
 * newline dropped), or from a prompt with echo off on a terminal. Never from the command line.
 */
import type { Readable } from 'node:stream';

type Input = Readable & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };

export const SECRET_INPUT_DEFAULTS = {
  maxBytes: 64 * 1024, // a credential, a webhook URL or a PEM key fits; a mistaken pipe of a big file is refused
};

async function readAll(input: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > SECRET_INPUT_DEFAULTS.maxBytes) throw new RangeError(`stdin: a secret value is at most ${SECRET_INPUT_DEFAULTS.maxBytes} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** One line typed with echo off; Ctrl+C or Ctrl+D before Enter aborts. */
async function prompt(input: Input, output: { write(text: string): unknown }, question: string): Promise<string> {
  output.write(question);
  input.setRawMode?.(true);
  input.setEncoding('utf8');
  input.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let typed = '';
      const onData = (text: string): void => {
        for (const char of text) {
          if (char === '\r' || char === '\n') {
            input.off('data', onData);
            resolve(typed);
            return;
          }
          if (char === '\u0003' || char === '\u0004') {
            input.off('data', onData);
            reject(new Error('no value given (aborted)'));
            return;
          }
          if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
          else typed += char;
        }
      };
      input.on('data', onData);
    });
  } finally {
    input.setRawMode?.(false);
    input.pause();
    output.write('\n');
  }
}

/** The value from stdin or the prompt; an empty value is refused. */
export async function readSecretValue(input: Input, promptOutput: { write(text: string): unknown }, question: string): Promise<string> {
  const value = input.isTTY ? await prompt(input, promptOutput, question) : await readAll(input);
  if (value === '') throw new TypeError('the secret value is empty (pipe it on stdin, or type it at the prompt)');
  return value;
}
