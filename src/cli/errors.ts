/**
 * The CLI's own error codes (STYLE §5): what can go wrong on this side of the
 * network (the keystore, secrets, the terminal, reaching the node). Each has
 * its exit class in exit-codes.ts. Messages name paths, users and URLs, never
 * a secret.
 */
import { defineErrors } from '../client/index.ts';

export const CLI_ERRORS = defineErrors({
  USAGE: 'the command line is not valid',
  CANCELLED: 'cancelled',
  NO_TERMINAL: 'no terminal to ask for a secret on: give it in a file with --passphrase-file (never on the command line)',
  SECRET_FILE_INVALID: 'the secret file cannot be read or is empty',
  PASSPHRASE_WRONG: 'wrong passphrase: the vault in the keystore did not open',
  PASSPHRASE_MISMATCH: 'the two passphrases differ',
  PASSPHRASE_TOO_SHORT: 'a new passphrase needs at least 12 characters',
  KEYSTORE_INVALID: 'the keystore file is damaged or of an unknown version',
  KEYSTORE_EMPTY: 'no account in this keystore: run dhl register, dhl login or dhl setup (or point DHL_HOME at the right keystore)',
  KEYSTORE_OCCUPIED: 'this keystore holds an account already (one per keystore): use another DHL_HOME',
  KEYSTORE_PENDING: 'the keys in this keystore are not registered on a node yet: finish with dhl setup',
  NOT_LOGGED_IN: 'no session: run dhl login',
  SESSION_ENDED: 'the session has expired or was revoked: run dhl login',
  NODE_UNREACHABLE: 'cannot reach the node: is it running? give its URL with --node or DHL_NODE',
  NODE_NOT_DHL: 'the URL does not answer as a Dynamic Health Ledger node',
  NODE_URL_INVALID: 'the node URL must be http(s)://host[:port]',
  CHAIN_CHANGED: 'the node serves another chain than the one this keystore trusts',
  SETUP_LINK_INVALID: 'not a setup link: expected http(s)://host:port/setup#token=…',
  SETUP_UNFINISHED: 'the first-run set-up is not complete yet: run dhl setup again once the other admins have joined',
  WRONG_USER: 'the keystore belongs to another user',
  NODE_MISMATCH: "the keystore's account is on another node: give that node, or a DHL_HOME with an account on this one",
  FINGERPRINT_MISMATCH: 'the key on the ledger does not have the fingerprint you expected: nothing was signed',
  ROTATION_UNFINISHED: 'a key rotation of this keystore is not finished: run dhl rotate-keys again to finish it',
  ROTATION_REJECTED: 'the ledger rejected the RotateKeys transaction: the keystore keeps the old keys',
});

export type CliErrorCode = keyof typeof CLI_ERRORS.registry;
export const cliError = CLI_ERRORS.make;
