/**
 * The ledger half of `dhl demo`: the DESIGN §1 scenario on an embedded ledger
 * in a temporary data directory, then a full verification of it.
 */
import { join } from 'node:path';
import {
  decodePem, DEFAULT_GENESIS_PARAMS, exportPem, fingerprint, generateUserKeys, keyId, randomBytes, signTx, toBase64url, unwrapDek, wrapDek,
  type Genesis, type JsonValue, type SealedRecord, type Signer, type UserKeyPairs,
} from '../client/index.ts';
import { createNodeKey, initDataDir, LedgerNode, sha256, verifyDataDir } from './admin.ts';

interface Person {
  name: string;
  keys: UserKeyPairs;
  signer: Signer;
}

async function person(name: string, keys: UserKeyPairs): Promise<Person> {
  return { name, keys, signer: { username: name, sigKeyId: await keyId(keys.sig.publicKey), sigPrivateKey: keys.sig.privateKey } };
}

const spki = async (k: CryptoKey) => toBase64url(decodePem('public', await exportPem(k)));

export async function runLedgerDemo(
  work: string,
  users: { raj: UserKeyPairs; meera: UserKeyPairs },
  sealRecordFor: (chain: string, sink: (chunk: { bytes: Uint8Array }) => void) => Promise<SealedRecord>,
  out: (line: string) => void,
): Promise<void> {
  const dataDir = join(work, 'ledger');
  const node = await createNodeKey(dataDir);
  const admin = await person('admin', await generateUserKeys());
  const raj = await person('raj', users.raj);
  const meera = await person('meera', users.meera);
  const genesis: Genesis = {
    v: 1, kind: 'genesis', time: Date.now(), salt: toBase64url(randomBytes(16)), params: { ...DEFAULT_GENESIS_PARAMS },
    orgs: [{ org: 'city-hospital', admins: [{ username: 'admin', sigSpki: await spki(admin.keys.sig.publicKey), encSpki: await spki(admin.keys.enc.publicKey) }], nodes: [{ nodeId: 'node1', sigSpki: node.sigSpki }] }],
  };
  const { chainId } = await initDataDir(dataDir, genesis);
  out('');
  out(`ledger: genesis written, chain id ${chainId}`);
  const ledger = await LedgerNode.open(dataDir, { ordering: { maxItems: 1, maxDelayMs: 0 } });
  try {
    const submit = async (who: Person, type: string, body: JsonValue, label: string) => {
      const r = await ledger.submit(await signTx(sha256, chainId, who.signer, type, body, { now: Date.now() }));
      out(`  block ${String(r.height).padStart(2)}  ${who.name.padEnd(6)} ${type.padEnd(14)} ${r.outcome.padEnd(20)} ${label}`);
      return r;
    };
    for (const p of [admin, raj, meera]) {
      await submit(p, 'RegisterUser', { username: p.name, encSpki: await spki(p.keys.enc.publicKey), encKeyId: await keyId(p.keys.enc.publicKey), sigSpki: await spki(p.keys.sig.publicKey), sigKeyId: p.signer.sigKeyId }, `keys ${fingerprint(p.signer.sigKeyId)}`);
    }
    await submit(admin, 'AssignRole', { username: 'meera', role: 'doctor', org: 'city-hospital', encKeyId: await keyId(meera.keys.enc.publicKey), sigKeyId: meera.signer.sigKeyId }, 'meera is a doctor of city-hospital');
    const stored: Uint8Array[] = [];
    const sealed = await sealRecordFor(chainId, (chunk) => void stored.push(chunk.bytes));
    const recordId = sealed.signedManifest.manifest.recordId;
    // The ciphertext goes up first, verified chunk by chunk against the announced hashes.
    const blob = await ledger.putBlob({ cipherRoot: sealed.summary.cipherRoot, chunkHashes: sealed.summary.chunkHashes }, (async function* () {
      yield* stored;
    })());
    out(`  upload   raj    ${blob.storedSize} bytes of ciphertext in ${blob.chunkCount} chunks, stored as ${blob.cipherRoot.slice(0, 16)}…`);
    const rajEncKeyId = await keyId(raj.keys.enc.publicKey);
    const rajWrap = sealed.wrappedKeys.find((w) => w.keyId === rajEncKeyId)!;
    await submit(raj, 'AddRecord', { manifest: sealed.signedManifest.manifest as unknown as JsonValue, manifestSig: sealed.signedManifest.signature as unknown as JsonValue, wrappedKeys: [rajWrap as unknown as JsonValue] }, `"${sealed.signedManifest.manifest.title}" cipherRoot ${sealed.summary.cipherRoot.slice(0, 16)}…`);
    await submit(raj, 'SetListing', { recordId, listed: true }, 'listed in the directory');
    const seen = ledger.reads.directory('meera', 'raj');
    for (const e of seen.entries) out(`           meera looks up raj's directory: "${e.title}" (${e.mediaType}, ${e.size} bytes, version ${e.version})`);
    const request = await submit(meera, 'RequestAccess', { patient: 'raj', records: [recordId], purpose: 'follow-up of fevers', durationMs: 86_400_000 }, 'purpose: follow-up of fevers');
    const dek = await unwrapDek(rajWrap, raj.keys.enc.privateKey, chainId);
    const forMeera = await wrapDek(dek, meera.keys.enc.publicKey, { chain: chainId, recordId, version: 1 });
    dek.fill(0);
    await submit(raj, 'GrantAccess', { grantee: 'meera', requestId: request.txHash, expiresAt: Date.now() + 86_400_000, scopes: ['read'], keys: [forMeera as unknown as JsonValue] }, `DEK re-wrapped for meera's key ${fingerprint(forMeera.keyId)}`);
    await submit(meera, 'RecordRead', { recordId, version: 1 }, 'read receipt: the node may now release the ciphertext');
    await submit(raj, 'RevokeAccess', { grantee: 'meera', recordIds: [recordId] }, 'revoked');
    await submit(meera, 'RecordRead', { recordId, version: 1 }, 'refused, and the refusal is ledgered');
  } finally {
    await ledger.close();
  }
  const report = await verifyDataDir(dataDir, { trustedChainId: chainId });
  out(`verified from the chain id: ${report.blocks} blocks, ${report.entries} entries, every signature, root, outcome and state write re-checked`);
}
