/** The node's error registry: admission, storage, blobs, verification of a data directory. */
import { defineErrors } from '../crypto/errors.ts';

export const NODE_ERRORS = defineErrors({
  NODE_NOT_INITIALISED: 'the data directory holds no ledger; run the init first',
  NODE_ALREADY_INITIALISED: 'the data directory already holds a ledger',
  NODE_STOPPED: 'the node has stopped',
  NODE_STORAGE_FAILED: "writing to the node's database failed; the node stops",
  NODE_OVERLOADED: 'the node is at capacity; retry later',
  ACTOR_RATE_LIMITED: 'this user has too many transactions waiting; retry later',
  TX_TOO_LARGE: 'transaction exceeds the maximum size',
  TX_NOT_JSON: 'transaction is not JSON',
  QUERY_INVALID: 'a query parameter is missing, of the wrong type or out of range',
  ADMISSION_KEY_UNKNOWN: 'transaction is signed by a key not registered to its actor',
  ADMISSION_KEY_INVALID: 'a key in the transaction body is not a valid RSA-3072 key of its use, or its id is wrong',
  ADMISSION_MANIFEST_SIGNATURE_INVALID: 'the manifest signature does not verify under a registered key',
  BLOB_INVALID: 'the uploaded blob does not match its announced chunks',
  BLOB_NOT_FOUND: 'no blob with this cipherRoot',
  RANGE_INVALID: 'the requested byte range is outside the blob',
  DATA_DIR_TAMPERED: 'the data directory differs from what its ledger implies',
  EXPORT_INVALID: 'the export stream is malformed',
});
export type NodeErrorCode = keyof typeof NODE_ERRORS.registry;
export const nodeError = NODE_ERRORS.make;
