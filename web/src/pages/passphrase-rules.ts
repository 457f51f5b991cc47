/** Checks of the account form, as field errors (text, so Mantine links them with aria-describedby). */
import { USERNAME_PATTERN } from '../../../src/client/index.ts';

/** Long enough that Argon2id's cost means something; a phrase of several words is the advice. */
export const MIN_PASSPHRASE = 12;

export function usernameError(username: string): string | undefined {
  if (username === '') return 'Choose a username.';
  if (!USERNAME_PATTERN.test(username)) {
    return '3 to 32 lower-case letters, digits and . _ -, starting and ending with a letter or digit, never two of . _ - in a row.';
  }
  return undefined;
}

export function passphraseError(passphrase: string): string | undefined {
  if (passphrase.length < MIN_PASSPHRASE) return `At least ${MIN_PASSPHRASE} characters: a few unrelated words make a good passphrase.`;
  return undefined;
}

export function confirmError(passphrase: string, confirm: string): string | undefined {
  return passphrase === confirm ? undefined : 'The two passphrases differ.';
}
