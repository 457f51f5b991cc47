/**
 * The client's own error codes (STYLE §5): what a client refuses or cannot
 * finish on its side. Errors the node answers with keep the node's code
 * (protocol's error table); these never come from a node, and none shares a
 * code with that table (test/client/errors.test.ts).
 */
import { defineErrors } from '../crypto/index.ts';

export const CLIENT_ERRORS = defineErrors({
  HTTP_ERROR: 'the node answered an error status without an error body',
  LOGIN_CHALLENGE_REFUSED: 'the login challenge names another chain, user or origin, or has expired: not signed',
  SETUP_GENESIS_MISSING: 'the set-up has no genesis yet: not every admin has joined',
  SETUP_GENESIS_REFUSED: "the genesis does not name this admin with these keys, or its chain id is not the node's: not signed",
  ANSWER_INVALID: "the node's answer does not have the shape its route declares",
  TRANSFER_INTERRUPTED: 'the transfer was cut off before its end (network, abort, or the node stopped sending): it can resume',
  TX_REJECTED: 'the transaction was ledgered as rejected',
  READ_REFUSED: 'the RecordRead was ledgered as refused: no node releases the ciphertext',
  USER_VIEW_INVALID: 'the user lookup does not prove what it says (reads.ts verifyUserView)',
  HEAD_INCONSISTENT: 'the node answered with a signed head that does not extend the heads this client saw before: refused',
  KEY_NOT_PROVEN: "the key the node served is not the one the ledger's proven transactions register for that user: refused",
  MANIFEST_NOT_PROVEN: "the record's manifest is not the one its proven AddRecord transaction carries: refused",
  RECORD_NOT_READABLE: 'this user holds no wrapped key for that record version',
  ROLE_CHANGED: 'the role is no longer held with the keys the admin confirmed: nothing was signed',
  PASSPHRASE_REQUIRED: 'this needs the passphrase, not the recovery key: the vault stored at the node keeps the passphrase as its login secret',
  ROTATION_PENDING: 'a key rotation begun here is not finished: log in with the passphrase (that finishes it), then try again',
});

export type ClientErrorCode = keyof typeof CLIENT_ERRORS.registry;
export const clientError = CLIENT_ERRORS.make;
