/** Reading a key file: a failure names the file by its base name and the system's code, never a folder or the content. */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/** The file's text and the name messages may use for it; `what` says which key it holds. */
export function readKeyText(file: string, what: string): { text: string; source: string } {
  const source = basename(file);
  try {
    return { text: readFileSync(file, 'utf8'), source };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new Error(`${source}: cannot read the ${what}${typeof code === 'string' ? ` (${code})` : ''}`);
  }
}
