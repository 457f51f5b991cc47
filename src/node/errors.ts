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
  BLOB_INVALID: 'the uploaded blob does not match its announced chunks',
  BLOB_NOT_FOUND: 'no blob with this cipherRoot',
  RANGE_INVALID: 'the requested byte range is outside the blob',
  DATA_DIR_TAMPERED: 'the data directory differs from what its ledger implies',
  EXPORT_INVALID: 'the export stream is malformed',
  QUERY_INVALID: 'a query parameter is malformed or out of range',
  RESOURCE_NOT_FOUND: 'no such resource, or not one this reader may see',
  READ_DENIED: 'this reader may not read it now',
  READ_RECEIPT_REQUIRED: "ciphertext is released only against the reader's accepted RecordRead of that version, within the receipt window",
});
export type NodeErrorCode = keyof typeof NODE_ERRORS.registry;
export const nodeError = NODE_ERRORS.make;
