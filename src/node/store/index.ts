/** The ledger store (DESIGN §3): the schema, every SQL statement, the writer thread and the caches. */
export type { AuditQuery, BlobRow, BlockCommit, CommittedEntry, EntryRow, LedgerStore, LoggedTx, StoredBlock } from './ledger-store.ts';
export { SqliteLedgerStore, createLedgerDatabase, readGenesis, packHashes, unpackHashes } from './sqlite-ledger-store.ts';
export type { SqliteLedgerStoreOptions } from './sqlite-ledger-store.ts';
export {
  openDatabase, inTransaction, SCHEMA_VERSION, SCHEMA_SQL, checkIntegrity, checkAtOpen, storageError, guardStorage, isCorruption, OPEN_FULL_CHECK_MAX_BYTES,
} from './schema.ts';
export { SqliteMerkleStore, SqliteStateView, MERKLE_NODE_INSERT } from './sqlite-stores.ts';
export { LedgerReader, ENTRIES_OF_BLOCK } from './ledger-reader.ts';
export type { BlockReadOptions, StoredBlockRow, StoredEntryRow, StoredWriteRow, StoredBlobRow } from './ledger-reader.ts';
export { ScratchStore, ScratchState } from './scratch-store.ts';
export { replaceDerivedTables } from './derived-tables.ts';
export type { DerivedTables, StateRow, MerkleNodeRow } from './derived-tables.ts';
