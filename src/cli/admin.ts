/**
 * Operator commands over a data directory: `dhl admin init`, `dhl verify`,
 * `dhl export`. (DESIGN §3: operator commands may use node/, from one file.)
 */
import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import {
  canonicalJson, decodePem, DEFAULT_GENESIS_PARAMS, exportPem, fingerprint, keyId, ledgerError, randomBytes, toBase64url, type Genesis, type UserKeyPairs,
} from '../client/index.ts';
import {
  createNodeKey, DB_FILE, exportLines, exportLinesOf, guardStorage, LedgerReader, nodeError, signedHeadOf, initDataDir, rebuildDerivedTables, verifyDataDir, verifyExport,
  type VerifyReport,
} from '../node/index.ts';
import { cliError } from './errors.ts';


export interface InitOptions {
  dataDir: string;
  org: string;
  nodeId: string;
  admin: string;
  /** The first admin's key pairs: the caller made them and seals them in the admin's keystore. */
  adminKeys: UserKeyPairs;
  now: number;
}

/** Creates the node key and the genesis naming the first admin's keys, and writes block 0. */
export async function adminInit(o: InitOptions, out: (line: string) => void): Promise<{ chainId: string }> {
  const node = await createNodeKey(o.dataDir);
  const admin = o.adminKeys;
  const spki = async (k: CryptoKey) => toBase64url(decodePem('public', await exportPem(k)));
  const genesis: Genesis = {
    v: 1,
    kind: 'genesis',
    time: o.now,
    salt: toBase64url(randomBytes(16)),
    params: { ...DEFAULT_GENESIS_PARAMS },
    orgs: [{ org: o.org, admins: [{ username: o.admin, sigSpki: await spki(admin.sig.publicKey), encSpki: await spki(admin.enc.publicKey) }], nodes: [{ nodeId: o.nodeId, sigSpki: node.sigSpki }] }],
  };
  const { chainId } = await initDataDir(o.dataDir, genesis);
  out(`initialised ${o.dataDir}`);
  out(`chain id: ${chainId}   (give this to anyone who verifies the ledger)`);
  out(`node ${o.nodeId} key ${fingerprint(node.keyId)}`);
  out(`admin ${o.admin}: sig ${fingerprint(await keyId(admin.sig.publicKey))}, enc ${fingerprint(await keyId(admin.enc.publicKey))}`);
  return { chainId };
}

/** At most this many ids per list in the printed report (the counts are whole). */
const REPORT_LIST_MAX = 20;
const listed = (ids: readonly string[]) => (ids.length === 0 ? '0' : `${ids.length} (${ids.slice(0, REPORT_LIST_MAX).join(', ')}${ids.length > REPORT_LIST_MAX ? ', …' : ''})`);

export function formatReport(r: VerifyReport): string {
  const state = r.stateKeys === undefined ? `state withheld from block ${r.stateWithheldFrom} (not replayed)` : `${r.stateKeys} state keys`;
  const lines = [`OK: chain ${r.chain}, ${r.blocks} blocks, ${r.entries} log entries, ${state}; head ${r.head.blockHash} (tree root ${r.head.treeRoot})`];
  if (r.extendsHead) lines.push(`extends the signed head of ${r.extendsHead.nodeId} at height ${r.extendsHead.height} (block ${r.extendsHead.blockHash})`);
  const b = r.blobs;
  if (b) {
    lines.push(`blobs: ${b.stored} stored and checked; not yet replicated: ${listed(b.notReplicated.map((n) => `${n.version} ${n.cipherRoot}`))}`);
    lines.push(`orphans (not tampering; uploads expire): recorded ${listed(b.orphanRows)}, unrecorded files ${listed(b.orphanFiles)}, stray entries under blobs/ ${listed(b.strayFiles)}`);
  }
  return lines.join('\n');
}

export async function verifyCommand(o: { dataDir?: string; export?: string; chain?: string; head?: string }): Promise<VerifyReport> {
  const head = o.head === undefined ? {} : { head: readHeadFile(o.head) };
  if (o.export) {
    if (!o.chain) throw cliError('USAGE', { reason: 'verifying an export needs --chain <id>: the chain id you trust, obtained out of band' });
    return verifyExport(exportLinesOf(o.export === '-' ? process.stdin : createReadStream(o.export)), o.chain, head);
  }
  if (!o.dataDir) throw cliError('USAGE', { reason: 'give --data-dir <dir> or --export <file>' });
  return verifyDataDir(o.dataDir, { ...(o.chain ? { trustedChainId: o.chain } : {}), ...head });
}

/** Verifies a chain from its export lines as a node serves them (GET /v1/ledger/export), from the chain id the caller trusts. */
export function verifyExportLines(lines: AsyncIterable<string>, chain: string): Promise<VerifyReport> {
  return verifyExport(lines, chain);
}

/** A signed head saved earlier (`dhl head`): JSON, checked by verify (HEAD_INVALID when it is not one). */
function readHeadFile(file: string): unknown {
  const text = readFileSync(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw ledgerError('HEAD_INVALID', { field: '$', reason: 'not JSON' });
  }
}

/** `dhl head`: the signed head of a data directory's last block (or of block `height`), as one line of canonical JSON. */
export function headCommand(o: { dataDir: string; height?: number }): string {
  const head = signedHeadOf(o.dataDir, o.height === undefined ? {} : { height: o.height });
  if (!head) throw nodeError('NODE_NO_SUCH_BLOCK', { ...(o.height === undefined ? {} : { height: o.height }) });
  return canonicalJson(head);
}

export function exportCommand(o: { dataDir: string; out?: string; withholdBodies?: boolean }): Promise<number> {
  const path = join(o.dataDir, DB_FILE);
  if (!existsSync(path)) return Promise.reject(nodeError('NODE_NOT_INITIALISED', { dataDir: o.dataDir }));
  return guardStorage(path, () => writeExport(path, o));
}

async function writeExport(path: string, o: { out?: string; withholdBodies?: boolean }): Promise<number> {
  const ledger = LedgerReader.open(path);
  const sink = o.out && o.out !== '-' ? createWriteStream(o.out) : process.stdout;
  let lines = 0;
  try {
    for (const line of exportLines(ledger, { withhold: o.withholdBodies === true })) {
      lines++;
      if (!sink.write(line)) await once(sink, 'drain');
    }
  } finally {
    ledger.close();
    if (sink !== process.stdout) {
      (sink as ReturnType<typeof createWriteStream>).end();
      await once(sink, 'finish');
    }
  }
  return lines;
}

export function rebuildCommand(dataDir: string): Promise<VerifyReport> {
  return rebuildDerivedTables(dataDir);
}
