/**
 * Builds the ledger vectors: a genesis, a short chain of signed transactions
 * in blocks with attestations, proofs over its log, and chain mutations as
 * data (what was changed, the expected error code and height). The state
 * writes here are synthetic (the ledger's formats do not depend on what the
 * contract writes); contract-executed chains are vectors of their own.
 * Deterministic: fixed nonces, times and keys; randomised RSA-PSS signatures
 * are kept from the previous file while they still verify.
 */
import { createHash } from 'node:crypto';
import { sha256, toBase64url, toHex, utf8, decodePem, type JsonValue } from '../../../src/crypto/index.ts';
import {
  buildBlock, chainIdOf, createTx, DEFAULT_GENESIS_PARAMS, genesisBytes, initialStateDigest, MerkleTree, parseTx, signAttestation,
  isAttestationSignatureValid, verifyTxSignature, txSigningBytes, entryLeafInput, blockHeaderBytes, type ChainBlock, type ChainHead,
  type Genesis, type ParsedTx, type SignedAttestation, type SignedHead, type SignedTx, type StateWrite, rootOf, type ChainVerifierHooks,
} from '../../../src/ledger/index.ts';
import { fixtureKey, type FixtureUser } from '../../fixtures/keys.ts';

export const nodeSha256 = (data: Uint8Array): Uint8Array => createHash('sha256').update(data).digest();

export interface LedgerVectors {
  comment: string;
  genesis: Genesis;
  genesisBytesHex: string;
  chainId: string;
  stateDigest0: string;
  txExamples: { name: string; signingBytesHex: string; txHash: string; bodyHash: string }[];
  blocks: (ChainBlock & { blockHash: string; headerBytesHex: string; leafInputsHex: string[]; changesHash: string; writes: StateWrite[] })[];
  proofs: {
    inclusion: { index: number; size: number; leafHash: string; proof: string[]; root: string }[];
    consistency: { size1: number; size2: number; root1: string; root2: string; proof: string[] }[];
  };
  mutations: { name: string; path: (string | number)[]; value: JsonValue; expectedCode: string; expectedHeight: number }[];
  /** formats §8.8: the signed head of every block, whether a ledger extends a head, and heads mutated as data. */
  signedHeads: {
    heads: SignedHead[];
    /** A ledger at `heads[current]` checked against `heads[head]` with `proof`; `expectedCode` null when it extends it. */
    extensions: { name: string; head: number; current: number; proof: string[]; expectedCode: string | null }[];
    mutations: { name: string; head: number; path: (string | number)[]; value: JsonValue; expectedCode: string; expectedField: string }[];
  };
}

const T0 = 1795000000000;
const USERS: FixtureUser[] = ['admin', 'raj', 'meera'];

async function spki(user: FixtureUser, use: 'enc' | 'sig'): Promise<string> {
  return toBase64url(decodePem('public', (await fixtureKey(user, use)).publicPem));
}

async function makeGenesis(): Promise<Genesis> {
  return {
    v: 1,
    kind: 'genesis',
    time: T0,
    salt: toBase64url((await sha256(utf8.encode('dhl test genesis salt'))).subarray(0, 16)),
    params: { ...DEFAULT_GENESIS_PARAMS },
    orgs: [
      {
        org: 'city-hospital',
        admins: [{ username: 'admin', sigSpki: await spki('admin', 'sig'), encSpki: await spki('admin', 'enc') }],
        nodes: [{ nodeId: 'node1', sigSpki: await spki('node1', 'sig') }],
      },
    ],
  };
}

const nonceFor = (label: string) => createHash('sha256').update(`nonce ${label}`).digest('hex').slice(0, 32);

interface TxPlan {
  label: string;
  actor: FixtureUser;
  type: string;
  body: (ids: Record<string, string>) => JsonValue;
  outcome: string;
  time: number;
}

/** Three blocks: registrations; a role and a record; a request, a grant, a read and a rejected read. */
const PLAN: TxPlan[][] = [
  [
    { label: 'reg-admin', actor: 'admin', type: 'RegisterUser', body: (k) => ({ username: 'admin', encSpki: k['admin.encSpki']!, encKeyId: k['admin.enc']!, sigSpki: k['admin.sigSpki']!, sigKeyId: k['admin.sig']! }), outcome: 'OK', time: T0 + 1000 },
    { label: 'reg-raj', actor: 'raj', type: 'RegisterUser', body: (k) => ({ username: 'raj', encSpki: k['raj.encSpki']!, encKeyId: k['raj.enc']!, sigSpki: k['raj.sigSpki']!, sigKeyId: k['raj.sig']! }), outcome: 'OK', time: T0 + 1100 },
    { label: 'reg-meera', actor: 'meera', type: 'RegisterUser', body: (k) => ({ username: 'meera', encSpki: k['meera.encSpki']!, encKeyId: k['meera.enc']!, sigSpki: k['meera.sigSpki']!, sigKeyId: k['meera.sig']! }), outcome: 'OK', time: T0 + 1200 },
  ],
  [
    { label: 'assign-meera', actor: 'admin', type: 'AssignRole', body: (k) => ({ username: 'meera', role: 'doctor', org: 'city-hospital', encKeyId: k['meera.enc']!, sigKeyId: k['meera.sig']! }), outcome: 'OK', time: T0 + 2000 },
    { label: 'list-unknown', actor: 'raj', type: 'SetListing', body: () => ({ recordId: '00'.repeat(16), listed: true }), outcome: 'RECORD_UNKNOWN', time: T0 + 2100 },
  ],
  [
    { label: 'request', actor: 'meera', type: 'RequestAccess', body: () => ({ patient: 'raj', records: 'all', purpose: 'follow-up of fevers', durationMs: 86400000 }), outcome: 'OK', time: T0 + 3000 },
    { label: 'read-denied', actor: 'meera', type: 'RecordRead', body: () => ({ recordId: '11'.repeat(16), version: 1 }), outcome: 'NOT_AUTHORIZED', time: T0 + 3100 },
  ],
];

const BLOCK_TIMES = [T0 + 1500, T0 + 2500, T0 + 3500];

export async function buildLedgerVectors(previous?: LedgerVectors): Promise<LedgerVectors> {
  const hash = nodeSha256;
  const genesis = await makeGenesis();
  const chainId = chainIdOf(hash, genesis);
  const ids: Record<string, string> = {};
  for (const u of USERS) {
    for (const use of ['enc', 'sig'] as const) {
      ids[`${u}.${use}`] = (await fixtureKey(u, use)).keyId;
      ids[`${u}.${use}Spki`] = await spki(u, use);
    }
  }
  const previousTxs = new Map<string, SignedTx>();
  for (const b of previous?.blocks ?? []) for (const e of b.entries) previousTxs.set(canonicalHeader((e.tx as SignedTx).header), e.tx as SignedTx);

  const tree = new MerkleTree(hash);
  let head: ChainHead = {
    height: 0, blockHash: chainId, time: genesis.time, treeSize: 0, treeRoot: toHex(rootOf(hash, [])), stateDigest: initialStateDigest(hash, chainId),
  };
  const blocks: LedgerVectors['blocks'] = [];
  const txExamples: LedgerVectors['txExamples'] = [];
  const node = await fixtureKey('node1', 'sig');
  for (const [b, plan] of PLAN.entries()) {
    const txs: ParsedTx[] = [];
    for (const p of plan) {
      const signer = await fixtureKey(p.actor, 'sig');
      const fresh = await createTx(
        hash,
        { chain: chainId, type: p.type, actor: p.actor, keyId: signer.keyId, body: p.body(ids), notAfter: BLOCK_TIMES[b]! + 3600000, time: p.time, nonce: nonceFor(p.label) },
        signer.privateKey,
      );
      const old = previousTxs.get(canonicalHeader(fresh.header));
      let tx = fresh;
      if (old) {
        const reused = parseTx(hash, old);
        if (await verifyTxSignature(reused, signer.publicKey).then(() => true, () => false)) tx = reused;
      }
      txs.push(tx);
      txExamples.push({ name: p.label, signingBytesHex: toHex(txSigningBytes(tx.header)), txHash: tx.hash, bodyHash: tx.header.bodyHash });
    }
    const entries = txs.map((tx, i) => ({ tx: tx.hash, outcome: plan[i]!.outcome }));
    // Synthetic writes: one per accepted tx plus every replay nonce.
    const writes: StateWrite[] = [];
    for (const [i, tx] of txs.entries()) {
      writes.push([`nonce/${tx.header.actor}/${tx.header.nonce}`, tx.header.notAfter]);
      if (plan[i]!.outcome === 'OK') writes.push([`vector/${tx.header.type}/${tx.header.actor}/${i}`, { tx: tx.hash }]);
    }
    const built = buildBlock(hash, tree, head, { chain: chainId, time: BLOCK_TIMES[b]!, entries, writes });
    const attestation = {
      chain: chainId, height: built.header.height, blockHash: built.blockHash, stateDigest: built.header.stateDigest, nodeId: 'node1', keyId: node.keyId, alg: 'PS256' as const,
    };
    const oldAtt = previous?.blocks[b]?.attestations[0];
    let signedAtt: SignedAttestation;
    if (oldAtt && JSON.stringify(oldAtt.attestation) === JSON.stringify(attestation) && (await isAttestationSignatureValid(oldAtt, node.publicKey))) signedAtt = oldAtt;
    else signedAtt = await signAttestation(attestation, node.privateKey);
    blocks.push({
      header: built.header,
      blockHash: built.blockHash,
      headerBytesHex: toHex(blockHeaderBytes(built.header)),
      entries: txs.map((tx, i) => ({ tx: { header: tx.header, body: tx.body!, sig: tx.sig }, outcome: plan[i]!.outcome })),
      leafInputsHex: entries.map((e) => toHex(entryLeafInput(hash, e))),
      changesHash: built.header.changesHash,
      writes: built.writes,
      attestations: [signedAtt],
    });
    head = built.head;
  }

  const size = tree.size;
  const inclusion = [0, 3, size - 1].map((index) => ({
    index, size, leafHash: toHex(tree.leafHashAt(index)),
    proof: tree.inclusionProof(index, size).map(toHex), root: toHex(tree.root()),
  }));
  const consistency = [[3, size], [5, size], [1, 3]].map(([s1, s2]) => ({
    size1: s1!, size2: s2!, root1: toHex(tree.rootAt(s1!)), root2: toHex(tree.rootAt(s2!)), proof: tree.consistencyProof(s1!, s2!).map(toHex),
  }));

  const mutations: LedgerVectors['mutations'] = [
    { name: 'tx body changed', path: ['blocks', 0, 'entries', 1, 'tx', 'body', 'username'], value: 'rak', expectedCode: 'TX_BODY_HASH_MISMATCH', expectedHeight: 1 },
    { name: 'tx header time changed (signature breaks)', path: ['blocks', 1, 'entries', 0, 'tx', 'header', 'time'], value: T0 + 2001, expectedCode: 'TX_SIGNATURE_INVALID', expectedHeight: 2 },
    { name: 'outcome changed', path: ['blocks', 2, 'entries', 1, 'outcome'], value: 'OK', expectedCode: 'CHAIN_ENTRIES_ROOT_MISMATCH', expectedHeight: 3 },
    { name: 'treeRoot changed', path: ['blocks', 1, 'header', 'treeRoot'], value: '00'.repeat(32), expectedCode: 'CHAIN_TREE_ROOT_MISMATCH', expectedHeight: 2 },
    { name: 'prevHash changed', path: ['blocks', 2, 'header', 'prevHash'], value: 'ff'.repeat(32), expectedCode: 'CHAIN_PREV_HASH_MISMATCH', expectedHeight: 3 },
    { name: 'a write changed', path: ['blocks', 0, 'writes', 0, 1], value: 1, expectedCode: 'CHAIN_CHANGES_HASH_MISMATCH', expectedHeight: 1 },
    { name: 'stateDigest changed', path: ['blocks', 1, 'header', 'stateDigest'], value: 'ab'.repeat(32), expectedCode: 'CHAIN_STATE_DIGEST_MISMATCH', expectedHeight: 2 },
    { name: 'block time moved before the previous block', path: ['blocks', 1, 'header', 'time'], value: T0, expectedCode: 'CHAIN_TIME_REGRESSION', expectedHeight: 2 },
    { name: 'height skipped', path: ['blocks', 1, 'header', 'height'], value: 3, expectedCode: 'CHAIN_HEIGHT_GAP', expectedHeight: 2 },
    { name: 'attestation for another block hash', path: ['blocks', 0, 'attestations', 0, 'attestation', 'blockHash'], value: '00'.repeat(32), expectedCode: 'CHAIN_ATTESTATION_INVALID', expectedHeight: 1 },
    { name: 'tx from another chain', path: ['blocks', 2, 'entries', 0, 'tx', 'header', 'chain'], value: '00'.repeat(32), expectedCode: 'TX_CHAIN_MISMATCH', expectedHeight: 3 },
    { name: 'signature of another tx', path: ['blocks', 0, 'entries', 0, 'tx', 'sig'], value: '', expectedCode: 'TX_MALFORMED', expectedHeight: 1 },
    { name: 'unknown tx field', path: ['blocks', 0, 'entries', 2, 'tx', 'header', 'extra'], value: 1, expectedCode: 'TX_MALFORMED', expectedHeight: 1 },
    { name: 'entry count inflated', path: ['blocks', 2, 'header', 'entryCount'], value: 3, expectedCode: 'BLOCK_MALFORMED', expectedHeight: 3 },
    { name: 'genesis salt changed', path: ['genesis', 'salt'], value: 'AAAA', expectedCode: 'CHAIN_GENESIS_MISMATCH', expectedHeight: 0 },
  ];
  // "signature of another tx": the sig of block 0 entry 1, a valid signature by another key.
  mutations[11]!.value = (blocks[0]!.entries[1]!.tx as SignedTx).sig;
  mutations[11]!.expectedCode = 'TX_SIGNATURE_INVALID';

  const heads: SignedHead[] = blocks.map((b) => ({ header: b.header, attestation: b.attestations[0]! }));
  const proofFrom = (h: number) => tree.consistencyProof(heads[h]!.header.treeSize, size).map(toHex);
  const flipped = proofFrom(0).map((x, i) => (i === 0 ? (x[0] === '0' ? '1' : '0') + x.slice(1) : x));
  const signedHeads: LedgerVectors['signedHeads'] = {
    heads,
    extensions: [
      { name: 'the last head extends the first', head: 0, current: 2, proof: proofFrom(0), expectedCode: null },
      { name: 'the last head extends the second', head: 1, current: 2, proof: proofFrom(1), expectedCode: null },
      { name: 'a head extends itself (empty proof)', head: 2, current: 2, proof: [], expectedCode: null },
      { name: 'a proof hash changed', head: 0, current: 2, proof: flipped, expectedCode: 'HEAD_MISMATCH' },
      { name: 'a proof of the wrong length', head: 0, current: 2, proof: proofFrom(0).slice(1), expectedCode: 'HEAD_MISMATCH' },
      { name: 'the ledger is behind the head (rolled back)', head: 2, current: 0, proof: [], expectedCode: 'HEAD_BEHIND' },
    ],
    mutations: [
      { name: 'header time changed: the attestation is of another block', head: 2, path: ['header', 'time'], value: T0 + 3501, expectedCode: 'HEAD_INVALID', expectedField: 'attestation.attestation.blockHash' },
      { name: 'attestation of another height', head: 1, path: ['attestation', 'attestation', 'height'], value: 3, expectedCode: 'HEAD_INVALID', expectedField: 'attestation.attestation.height' },
      { name: 'attestation by a node the genesis does not name', head: 0, path: ['attestation', 'attestation', 'nodeId'], value: 'node9', expectedCode: 'HEAD_INVALID', expectedField: 'attestation.attestation.nodeId' },
      { name: "signature of another block's attestation", head: 0, path: ['attestation', 'sig'], value: heads[1]!.attestation.sig, expectedCode: 'HEAD_INVALID', expectedField: 'attestation.sig' },
      { name: 'header of another chain', head: 0, path: ['header', 'chain'], value: '00'.repeat(32), expectedCode: 'HEAD_INVALID', expectedField: 'header.chain' },
      { name: 'unknown field', head: 0, path: ['extra'], value: 1, expectedCode: 'HEAD_INVALID', expectedField: 'extra' },
    ],
  };

  return {
    comment: 'Generated by test/vectors/generate.ts with the TEST-ONLY fixture keys; writes are synthetic; see docs/formats.md.',
    genesis,
    genesisBytesHex: toHex(genesisBytes(genesis)),
    chainId,
    stateDigest0: initialStateDigest(hash, chainId),
    txExamples,
    blocks,
    proofs: { inclusion, consistency },
    mutations,
    signedHeads,
  };
}

function canonicalHeader(header: unknown): string {
  return JSON.stringify(header);
}

/** Key resolution for vector chains: the fixture keys by key id. */
export async function fixtureSignerHooks(): Promise<ChainVerifierHooks> {
  const byKeyId = new Map<string, CryptoKey>();
  for (const u of [...USERS, 'node1' as const]) {
    const k = await fixtureKey(u, 'sig');
    byKeyId.set(k.keyId, k.publicKey);
  }
  return { signerKeys: async (txs) => txs.map((tx) => byKeyId.get(tx.header.keyId)) };
}
