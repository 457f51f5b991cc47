/** client/: the client-side flows shared by the CLI and the web app (DESIGN §3). */
export { sealRecord, openRecord, newRecordId } from './record-crypto.ts';
export type { SealRecordInput, SealedRecord, OpenRecordInput } from './record-crypto.ts';
export { signTx, DEFAULT_TX_LIFETIME_MS } from './transactions.ts';
export type { Signer, TxOptions } from './transactions.ts';
