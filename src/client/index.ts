/** client/: the client-side flows shared by the CLI and the web app (DESIGN §3). */
export { sealRecord, openRecord, newRecordId } from './record-crypto.ts';
export type { SealRecordInput, SealedRecord, OpenRecordInput } from './record-crypto.ts';
