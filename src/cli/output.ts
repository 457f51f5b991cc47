/**
 * Answers and errors on the terminal. An answer is lines on stdout, or with
 * `--json` one JSON document; an error is one line on stderr naming its code
 * (with `--json`, a JSON object `{error: {code, message, exit}}`), plus what
 * to do about it where that is known. The exit status comes from
 * exit-codes.ts.
 */
import { isDhlError } from '../client/index.ts';
import type { Answer } from './context.ts';
import { ClassifiedError, EXIT, exitClassOf } from './exit-codes.ts';

/** What to do next, for the errors where a person can act. */
const HINTS: Readonly<Record<string, string>> = Object.freeze({
  SESSION_EXPIRED: 'log in again: dhl login',
  SESSION_REQUIRED: 'log in first: dhl login',
  SESSION_ENDED: 'log in again: dhl login',
  LOGIN_FAILED: 'check the username and the passphrase; if the passphrase is lost: dhl login --recovery-key',
  PASSPHRASE_WRONG: 'if you changed the passphrase on another device, dhl login fetches the current vault',
  NODE_AWAITING_SETUP: 'the node awaits its first-run set-up: an admin runs dhl setup with the link the node printed',
  USERNAME_TAKEN: 'choose another username',
  CHAIN_CHANGED: 'this node is not the ledger this keystore trusts: check the URL (--node, DHL_NODE) or ask your operator',
  KEY_NOT_CURRENT: 'your keys were rotated elsewhere: dhl login fetches the current vault',
});

export function printAnswer(json: boolean, answer: Answer): void {
  // An answer that is itself the output (export to stdout) has no JSON of its own.
  if (json) {
    if (answer.json !== undefined) process.stdout.write(`${JSON.stringify(answer.json, null, 2)}\n`);
  }
  else if (answer.text.length > 0) process.stdout.write(`${answer.text.join('\n')}\n`);
}

/** Prints the error and returns the exit status for it. */
export function printError(json: boolean, thrown: unknown): number {
  const cls = exitClassOf(thrown);
  const err = thrown instanceof ClassifiedError ? thrown.error : thrown;
  const exit = EXIT[cls];
  const code = isDhlError(err) ? err.code : 'UNEXPECTED';
  const message = err instanceof Error ? err.message : String(err);
  const hint = HINTS[code];
  if (json) {
    process.stderr.write(`${JSON.stringify({ error: { code, message, exit: { status: exit.status, class: cls } } })}\n`);
  } else {
    process.stderr.write(`dhl: ${code}: ${message}\n`);
    if (hint) process.stderr.write(`  ${hint}\n`);
    if (!isDhlError(err) && process.env.DHL_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  }
  return exit.status;
}
