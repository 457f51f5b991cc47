/**
 * Attestations (DESIGN §5, §13): each node signs `{chain, height, blockHash,
 * stateDigest, nodeId, keyId, alg}` over "dhl/attest/v1\n" ‖ JCS, beside the
 * block, so honest nodes computing the identical block each add a signature.
 */
import { ALG } from '../crypto/algorithms.ts';
import { fromBase64url, toBase64url } from '../crypto/bytes.ts';
import { taggedBytes, DOMAIN_TAGS } from '../crypto/canonical.ts';
import { signBytes, verifyBytes } from '../crypto/signature.ts';
import { importSpki, keyIdOfSpki } from '../crypto/keys.ts';
import type { Genesis } from './genesis.ts';
import { ledgerError } from './errors.ts';
import { B64URL, exactKeys, HEX64, int, isObject, ORG_OR_NODE_ID, str, type Fail } from './validate.ts';

export interface Attestation {
  chain: string;
  height: number;
  blockHash: string;
  stateDigest: string;
  nodeId: string;
  keyId: string;
  alg: typeof ALG.sign;
}

export interface SignedAttestation {
  attestation: Attestation;
  sig: string;
}

export function parseAttestation(value: unknown): SignedAttestation {
  const fail: Fail = (field) => ledgerError('ATTESTATION_MALFORMED', { field });
  if (!isObject(value)) throw fail('$');
  exactKeys(value, ['attestation', 'sig'], fail);
  const a = value.attestation;
  if (!isObject(a)) throw fail('attestation');
  exactKeys(a, ['chain', 'height', 'blockHash', 'stateDigest', 'nodeId', 'keyId', 'alg'], fail, 'attestation.');
  str(a.chain, HEX64, 'attestation.chain', fail);
  int(a.height, 'attestation.height', fail, 1);
  str(a.blockHash, HEX64, 'attestation.blockHash', fail);
  str(a.stateDigest, HEX64, 'attestation.stateDigest', fail);
  str(a.nodeId, ORG_OR_NODE_ID, 'attestation.nodeId', fail);
  str(a.keyId, HEX64, 'attestation.keyId', fail);
  if (a.alg !== ALG.sign) throw fail('attestation.alg');
  str(value.sig, B64URL, 'sig', fail);
  return { attestation: { ...(a as unknown as Attestation) }, sig: value.sig as string };
}

export function attestationBytes(attestation: Attestation): Uint8Array {
  return taggedBytes(DOMAIN_TAGS.attest, attestation);
}

export async function signAttestation(attestation: Attestation, nodeKey: CryptoKey): Promise<SignedAttestation> {
  return { attestation: { ...attestation }, sig: toBase64url(await signBytes(nodeKey, attestationBytes(attestation))) };
}

export async function isAttestationSignatureValid(signed: SignedAttestation, nodePublicKey: CryptoKey): Promise<boolean> {
  let sig: Uint8Array;
  try {
    sig = fromBase64url(signed.sig);
  } catch {
    return false;
  }
  return verifyBytes(nodePublicKey, sig, attestationBytes(signed.attestation));
}

/** Each genesis node's `sig` key and its id, by node id: the keys attestations are checked under. */
export type NodeKeys = ReadonlyMap<string, { keyId: string; key: CryptoKey }>;

export async function genesisNodeKeys(genesis: Genesis): Promise<NodeKeys> {
  const keys = new Map<string, { keyId: string; key: CryptoKey }>();
  for (const org of genesis.orgs) {
    for (const node of org.nodes) {
      const spki = fromBase64url(node.sigSpki);
      keys.set(node.nodeId, { keyId: await keyIdOfSpki(spki), key: await importSpki('sig', spki) });
    }
  }
  return keys;
}

/**
 * What is wrong with an attestation of the block `expected` describes, or
 * undefined: a node the genesis does not name, another key id than the
 * node's, a field that differs from the block, or a signature that does not
 * verify.
 */
export async function attestationProblem(
  signed: SignedAttestation,
  nodeKeys: NodeKeys,
  expected: Pick<Attestation, 'chain' | 'height' | 'blockHash' | 'stateDigest'>,
): Promise<'node' | 'keyId' | 'chain' | 'height' | 'blockHash' | 'stateDigest' | 'sig' | undefined> {
  const a = signed.attestation;
  const node = nodeKeys.get(a.nodeId);
  if (!node) return 'node';
  if (node.keyId !== a.keyId) return 'keyId';
  for (const field of ['chain', 'height', 'blockHash', 'stateDigest'] as const) if (a[field] !== expected[field]) return field;
  return (await isAttestationSignatureValid(signed, node.key)) ? undefined : 'sig';
}
