/** The node's error registry: admission, storage, blobs, verification of a data directory. */
import { defineErrors } from '../crypto/errors.ts';

export const NODE_ERRORS = defineErrors({
  NODE_NOT_INITIALISED: 'the data directory holds no ledger; run the init first',
  NODE_ALREADY_INITIALISED: 'the data directory already holds a ledger',
  NODE_STOPPED: 'the node has stopped',
  NODE_STORAGE_FAILED: "writing to the node's database failed; the node stops",
  NODE_DATABASE_CORRUPT: "the node's database file is damaged (SQLite integrity check or a malformed page); restore it from a backup or a peer",
  NODE_OVERLOADED: 'the node is at capacity; retry later',
  ACTOR_RATE_LIMITED: 'this user has too many transactions waiting; retry later',
  TX_TOO_LARGE: 'transaction exceeds the maximum size',
  TX_NOT_JSON: 'transaction is not JSON',
  ADMISSION_BLOB_MISSING: "the record's blob is not stored complete on this node: upload it before the record (DESIGN §8)",
  ADMISSION_BLOB_MISMATCH: "the stored blob's envelope header or size does not match the manifest: a blob belongs to one record version",
  BLOB_INVALID: 'the uploaded blob does not match its announced chunks',
  BLOB_NOT_FOUND: 'no blob with this cipherRoot',
  RANGE_INVALID: 'the requested byte range is outside the blob',
  DATA_DIR_TAMPERED: 'the data directory differs from what its ledger implies',
  NODE_NO_SUCH_BLOCK: 'the data directory has no block at that height (or no block yet)',
  EXPORT_INVALID: 'the export stream is malformed',
  QUERY_INVALID: 'a query parameter is malformed or out of range',
  RESOURCE_NOT_FOUND: 'no such resource, or not one this reader may see',
  READ_DENIED: 'this reader may not read it now',
  READ_RECEIPT_REQUIRED: "ciphertext is released only against the reader's accepted RecordRead of that version, within the receipt window",
  UPLOAD_NOT_FOUND: 'no such upload of this user (it may have expired)',
  UPLOAD_QUOTA_EXCEEDED: "the upload would take the user's stored and reserved bytes, or their uploads in progress, past the node's quota",
  UPLOAD_TOO_LARGE: 'the chunk lies beyond the size declared when the upload was created',
  UPLOAD_CHUNK_DIGEST_MISMATCH: 'the chunk does not match its Content-Digest: nothing was stored',
  UPLOAD_CHUNK_INVALID: 'the chunk cannot be a stored chunk at that index (not an envelope header, another chain, a wrong size)',
  UPLOAD_CHUNK_OUT_OF_ORDER: 'the header chunk (index 0) comes first, and no chunk follows the last one',
  UPLOAD_CHUNK_CONFLICT: 'the node holds other bytes at this index: resume with the same data key, or start over',
  UPLOAD_NOT_RECEIVING: 'the upload is complete: it takes no more chunks',
  UPLOAD_INCOMPLETE: 'chunks are missing (or beyond the count): see the upload status',
  UPLOAD_ROOT_MISMATCH: 'the chunks held do not build the announced cipherRoot',
  UPLOAD_IN_USE: 'a record version, or a transaction admitted and not yet in a block, names this blob: it is kept',
});
export type NodeErrorCode = keyof typeof NODE_ERRORS.registry;
export const nodeError = NODE_ERRORS.make;
