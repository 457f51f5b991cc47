/**
 * A node's data directory: the ledger database (DB_FILE), the node's key pair
 * (NODE_KEY_FILE, private, mode 0600; and its public half) and the blob store.
 * Creating one writes the genesis as block 0; opening one finds which genesis
 * node this key is.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePem, exportPem, generateKeyPair, importPem, keyId as keyIdOf, toBase64url } from '../crypto/index.ts';
import { genesisWrites } from '../contract/index.ts';
import { chainIdOf, parseGenesis, type Genesis, type SignedHead } from '../ledger/index.ts';
import { nodeError } from './errors.ts';
import { genesisInput } from './genesis-input.ts';
import { sha256 } from './hash.ts';
import { createLedgerDatabase, LedgerReader, storageError } from './store/index.ts';

export const DB_FILE = 'ledger.sqlite';
export const NODE_KEY_FILE = 'node-key.pem';
export const NODE_PUBLIC_KEY_FILE = 'node-key.public.pem';

export interface NodeKey {
  nodeId: string;
  keyId: string;
  privateKey: CryptoKey;
}

/** Writes the genesis (block 0) into a new data directory. */
export async function initDataDir(dataDir: string, genesis: Genesis): Promise<{ chainId: string }> {
  mkdirSync(dataDir, { recursive: true });
  const dbPath = join(dataDir, DB_FILE);
  if (existsSync(dbPath)) throw nodeError('NODE_ALREADY_INITIALISED', { dataDir });
  const parsed = parseGenesis(genesis);
  const chainId = chainIdOf(sha256, parsed);
  createLedgerDatabase(dbPath, parsed, chainId, genesisWrites(await genesisInput(parsed)));
  return { chainId };
}

/** Makes a node key pair for a new organisation node: the public half goes into the genesis. */
export async function createNodeKey(dataDir: string): Promise<{ sigSpki: string; keyId: string }> {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, NODE_KEY_FILE);
  if (existsSync(path)) throw nodeError('NODE_ALREADY_INITIALISED', { file: NODE_KEY_FILE });
  const pair = await generateKeyPair('sig');
  writeFileSync(path, await exportPem(pair.privateKey), { mode: 0o600 });
  writeFileSync(join(dataDir, NODE_PUBLIC_KEY_FILE), await exportPem(pair.publicKey));
  return { sigSpki: toBase64url(decodePem('public', await exportPem(pair.publicKey))), keyId: await keyIdOf(pair.publicKey) };
}

/** The node's key pair, and which node of the genesis it is. */
export async function loadNodeKey(dataDir: string, genesis: Genesis): Promise<NodeKey> {
  const privateKey = await importPem('sig', readFileSync(join(dataDir, NODE_KEY_FILE), 'utf8'));
  const keyId = await keyIdOf(await importPem('sig', readFileSync(join(dataDir, NODE_PUBLIC_KEY_FILE), 'utf8')));
  const nodeId = ownNodeId(dataDir, genesis);
  if (!nodeId) throw nodeError('NODE_NOT_INITIALISED', { reason: 'node key not in genesis' });
  return { nodeId, keyId, privateKey };
}

/** The genesis node id of the data directory's own node key (its public half), if the genesis names it. */
export function ownNodeId(dataDir: string, genesis: Genesis): string | undefined {
  const path = join(dataDir, NODE_PUBLIC_KEY_FILE);
  if (!existsSync(path)) return undefined;
  const spki = toBase64url(decodePem('public', readFileSync(path, 'utf8')));
  return genesis.orgs.flatMap((o) => o.nodes).find((n) => n.sigSpki === spki)?.nodeId;
}

/**
 * The signed head (formats §8.8) of a data directory's last block, or of
 * block `height`: its header with the attestation of the directory's own
 * node (any attestation when the directory has no node key). Undefined
 * before the first block. For operators (`dhl head`); a running node answers
 * with LedgerNode.signedHead().
 */
export function signedHeadOf(dataDir: string, options: { height?: number } = {}): SignedHead | undefined {
  const path = join(dataDir, DB_FILE);
  if (!existsSync(path)) throw nodeError('NODE_NOT_INITIALISED', { dataDir });
  try {
    const ledger = LedgerReader.open(path);
    try {
      const nodeId = ownNodeId(dataDir, ledger.genesis());
      return ledger.signedHead({ ...options, ...(nodeId === undefined ? {} : { nodeId }) });
    } finally {
      ledger.close();
    }
  } catch (err) {
    throw storageError(err, path);
  }
}
