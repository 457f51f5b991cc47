/**
 * The ledger bench's load: a data directory with the fixture genesis (TEST-ONLY
 * keys), three registered users and one record, and pre-signed transactions
 * that exercise admission and the contract in full (RSA-PSS-3072 signatures,
 * state reads, accepted and rejected outcomes). Signing is the client's cost,
 * so it happens before anything is timed.
 */
import { randomBytes, type JsonValue } from '../src/crypto/index.ts';
import { sealRecord } from '../src/client/index.ts';
import type { SignedTx } from '../src/ledger/index.ts';
import type { LedgerNode } from '../src/node/index.ts';
import { Actor, spkiOf, testDataDir, testGenesis } from '../test/helpers/ledger-fixture.ts';
import { rate } from './util.ts';

/** notAfter well inside the genesis window (24 h) of any block time during the run. */
const txTimes = () => ({ notAfter: Date.now() + 6 * 3_600_000, time: Date.now() });

export interface LoadLedger {
  dataDir: string;
  chainId: string;
  recordId: string;
  actors: { admin: Actor; raj: Actor; meera: Actor };
}

async function registerTx(actor: Actor): Promise<SignedTx> {
  const { sig, enc } = await actor.keys();
  const body = {
    username: actor.user, encSpki: await spkiOf(actor.user, 'enc'), encKeyId: enc.keyId, sigSpki: await spkiOf(actor.user, 'sig'), sigKeyId: sig.keyId,
  };
  return actor.tx('RegisterUser', body, txTimes());
}

/** Seals a small record for `actor`, uploads its blob (upload precedes AddRecord, DESIGN §8) and signs the AddRecord. */
async function addRecordTx(node: LedgerNode, actor: Actor, chain: string): Promise<{ tx: SignedTx; recordId: string }> {
  const { sig, enc } = await actor.keys();
  const stored: Uint8Array[] = [];
  const sealed = await sealRecord(
    {
      chain, patient: actor.user, author: actor.user, authorSig: { keyId: sig.keyId, privateKey: sig.privateKey }, readers: [enc.publicKey],
      title: 'bench record', mediaType: 'text/plain', fileName: 'bench.txt', createdAt: Date.now(), chunkSize: 4096,
    },
    [randomBytes(10_000)],
    (c) => void stored.push(c.bytes),
  );
  await node.putBlob({ cipherRoot: sealed.summary.cipherRoot, chunkHashes: sealed.summary.chunkHashes }, (async function* () {
    yield* stored;
  })());
  const body = { manifest: sealed.signedManifest.manifest, manifestSig: sealed.signedManifest.signature, wrappedKeys: sealed.wrappedKeys } as unknown as JsonValue;
  return { tx: await actor.tx('AddRecord', body, txTimes()), recordId: sealed.signedManifest.manifest.recordId };
}

/** A fresh data directory (genesis time = now) in the OS temp folder. */
export async function createLedger(): Promise<Omit<LoadLedger, 'recordId'>> {
  const { dataDir, chainId } = await testDataDir(await testGenesis(Date.now() - 60_000));
  return { dataDir, chainId, actors: { admin: new Actor('admin', chainId), raj: new Actor('raj', chainId), meera: new Actor('meera', chainId) } };
}

/** Registers admin (genesis keys), raj and meera, and raj's record; throws unless each is accepted. */
export async function seedLedger(node: LedgerNode, ledger: Omit<LoadLedger, 'recordId'>): Promise<LoadLedger> {
  const { admin, raj, meera } = ledger.actors;
  for (const tx of [await registerTx(admin), await registerTx(raj), await registerTx(meera)]) {
    const result = await node.submit(JSON.stringify(tx));
    if (result.outcome !== 'OK') throw new Error(`seed ${tx.header.type} by ${tx.header.actor}: ${result.outcome}`);
  }
  const { tx, recordId } = await addRecordTx(node, raj, ledger.chainId);
  const added = await node.submit(JSON.stringify(tx));
  if (added.outcome !== 'OK') throw new Error(`seed AddRecord: ${added.outcome}`);
  return { ...ledger, recordId };
}

/**
 * `count` signed transactions as JSON text (what an HTTP body carries), a mix
 * of four kinds: meera and admin read raj's record (READ_NOT_PERMITTED, still
 * ledgered and audited), raj reads it (OK) and toggles its listing (OK, a
 * record write). Signed `concurrency` at a time on the WebCrypto thread pool.
 */
export async function signLoad(ledger: LoadLedger, count: number, concurrency = 8): Promise<string[]> {
  const { admin, raj, meera } = ledger.actors;
  const out: string[] = new Array(count);
  const read = { recordId: ledger.recordId, version: 1 };
  await rate(count, concurrency, async (i) => {
    let tx: SignedTx;
    switch (i % 4) {
      case 0: tx = await meera.tx('RecordRead', read, txTimes()); break;
      case 1: tx = await raj.tx('RecordRead', read, txTimes()); break;
      case 2: tx = await raj.tx('SetListing', { recordId: ledger.recordId, listed: i % 8 < 4 }, txTimes()); break;
      default: tx = await admin.tx('RecordRead', read, txTimes());
    }
    out[i] = JSON.stringify(tx);
  });
  return out;
}
