/** client/: the client-side flows shared by the CLI and the web app (DESIGN §3). */
export { sealRecord, openRecord, newRecordId } from './record-crypto.ts';
export type { SealRecordInput, SealedRecord, OpenRecordInput } from './record-crypto.ts';
export { signTx, DEFAULT_TX_LIFETIME_MS } from './transactions.ts';
export type { Signer, TxOptions } from './transactions.ts';
export { ApiClient } from './api-client.ts';
export type { ApiClientOptions, Answer } from './api-client.ts';
export { newAccount, register, login, changePassphrase, joinSetup, checkSetupGenesis, registerSetupAdmin, publicKeysOf } from './account.ts';
export type { NewAccount, NewAccountInput, LoginInput, LoginSecret, LoggedIn, PublicKeys, KdfOptions } from './account.ts';
