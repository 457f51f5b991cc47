/**
 * Secrets and confirmations at the terminal. A passphrase or recovery key is
 * read from a hidden prompt (@inquirer/prompts: nothing is echoed) or, for
 * scripts, from a file; never from the command line, where other users see
 * it in the process list and the shell keeps it in its history. Prompts go to
 * stderr, so stdout stays the command's answer (and `--json` stays JSON).
 */
import { readFileSync } from 'node:fs';
import { confirm, password } from '@inquirer/prompts';
import { cliError } from './errors.ts';

export const MIN_PASSPHRASE_LENGTH = 12;
/** Interactive attempts at a secret before giving up (a file gets one). */
export const SECRET_ATTEMPTS = 3;

const context = () => ({ input: process.stdin, output: process.stderr, clearPromptOnDone: false });

function isPromptExit(err: unknown): boolean {
  return err instanceof Error && (err.name === 'ExitPromptError' || err.name === 'AbortPromptError');
}

function requireTerminal(): void {
  if (!process.stdin.isTTY) throw cliError('NO_TERMINAL');
}

/** One line of a secret file: a single trailing newline is not part of the secret. */
export function readSecretFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw cliError('SECRET_FILE_INVALID', { file }, cause);
  }
  const secret = text.replace(/\r?\n$/, '');
  if (secret.length === 0) throw cliError('SECRET_FILE_INVALID', { file, reason: 'empty' });
  return secret;
}

/** A hidden prompt: what is typed is not echoed. Ctrl-C is CANCELLED. */
export async function hidden(message: string): Promise<string> {
  requireTerminal();
  try {
    return await password({ message, mask: false, toggleMask: false }, context());
  } catch (err) {
    if (isPromptExit(err)) throw cliError('CANCELLED');
    throw err;
  }
}

export interface SecretSource {
  /** The prompt's text. */
  prompt: string;
  /** A file holding the secret instead (scripts). */
  file?: string;
}

/**
 * Runs `attempt` with a secret. While it fails with an error `wrong` names
 * (it returns what to tell the user) and the secret came from the prompt, it
 * says so and asks again, 3 times in all; a secret from a file gets one try.
 */
export async function withSecret<T>(
  source: SecretSource,
  attempt: (secret: string) => Promise<T>,
  wrong: (err: unknown) => string | undefined,
  say: (line: string) => void,
): Promise<T> {
  if (source.file !== undefined) return attempt(readSecretFile(source.file));
  for (let left = SECRET_ATTEMPTS; ; left--) {
    const secret = await hidden(source.prompt);
    try {
      return await attempt(secret);
    } catch (err) {
      const told = wrong(err);
      if (told === undefined || left <= 1) throw err;
      say(`${told}: try again (${left - 1} ${left - 1 === 1 ? 'attempt' : 'attempts'} left)`);
    }
  }
}

/** A new passphrase: from a file, or typed twice at a hidden prompt; at least 12 characters. */
export async function newPassphrase(file: string | undefined, what = 'New passphrase'): Promise<string> {
  const check = (p: string) => {
    if ([...p].length < MIN_PASSPHRASE_LENGTH) throw cliError('PASSPHRASE_TOO_SHORT', { length: [...p].length });
    return p;
  };
  if (file !== undefined) return check(readSecretFile(file));
  const first = check(await hidden(`${what} (at least ${MIN_PASSPHRASE_LENGTH} characters):`));
  const again = await hidden(`${what}, again:`);
  if (again !== first) throw cliError('PASSPHRASE_MISMATCH');
  return first;
}

/** A yes/no question at the terminal (default no); declined or Ctrl-C is CANCELLED. */
export async function confirmOrCancel(message: string): Promise<void> {
  requireTerminal();
  let yes: boolean;
  try {
    yes = await confirm({ message, default: false }, context());
  } catch (err) {
    if (isPromptExit(err)) throw cliError('CANCELLED');
    throw err;
  }
  if (!yes) throw cliError('CANCELLED', { reason: 'declined' });
}
