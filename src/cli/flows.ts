/**
 * The client context the record and access commands run in (src/client's
 * ClientContext): the session's API client and reads, the file transfer, the
 * chain and its genesis (checked to hash to the chain id the keystore
 * trusts, then kept in the keystore), the keeper of signed heads on disk
 * beside the keystore, and the user's keys, unsealed only for commands that
 * sign or decrypt. Every head an answer carries goes through the keeper.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import {
  consistencyFrom, FileTransfer, HeadKeeper, identityOf, openLocal, provenUser, Reads, sealLocal, toHex, trustedGenesis,
  type ApiClient, type ClientContext, type ResumeStore, type UploadResume,
} from '../client/index.ts';
import { clientStateDir, FileHeadStore, FileResumeStore } from './client-state.ts';
import type { Cli } from './context.ts';
import type { Identity } from './keystore.ts';

/**
 * What the commands that neither sign nor decrypt need of a client context:
 * the reads, the trusted chain and the head keeper. src/client's ledger
 * flows (acceptHead, provenKey, verifyRecord) read only these of a context
 * (and the reader's username); `ctx` is typed as the full one for them, and
 * fullContext adds the keys.
 */
export interface ReadContext {
  cli: Cli;
  api: ApiClient;
  identity: Identity & { node: string; chain: string };
  reads: Reads;
  heads: HeadKeeper;
  ctx: ClientContext;
}

/** The genesis of the trusted chain: kept in the keystore once src/client's trustedGenesis checked it hashes to the chain id. */
async function genesisOf(cli: Cli, identity: Identity & { node: string; chain: string }, reads: Reads): Promise<unknown> {
  if (identity.genesis !== undefined) return identity.genesis;
  const genesis = await trustedGenesis(reads, identity.chain);
  cli.keystore.saveIdentity({ ...identity, genesis, updatedAt: cli.now() });
  return genesis;
}

export async function readContext(cli: Cli): Promise<ReadContext> {
  const identity = cli.registered();
  const api = cli.sessionApi();
  const reads = new Reads(api);
  const genesis = await genesisOf(cli, identity, reads);
  const heads = new HeadKeeper({
    hash: sha256, chainId: identity.chain, genesis, store: new FileHeadStore(clientStateDir(identity.node, cli.keystore.dir)), consistency: consistencyFrom(reads),
  });
  // Who reads (verifyRecord asks: the owner and the author must be served a version's body), without the keys.
  const me = { username: identity.username } as ClientContext['me'];
  const ctx = { api, chain: identity.chain, heads, now: () => cli.now(), me } as ClientContext;
  return { cli, api, identity, reads, heads, ctx };
}

export interface FullContext extends ReadContext {
  ctx: ClientContext;
  /** Upload resume states, sealed under the vault's local key. */
  resume: ResumeStore;
}

/** Everything, the keys unsealed (asks for the passphrase). */
export async function fullContext(cli: Cli): Promise<FullContext> {
  const rc = await readContext(cli);
  const unlocked = await cli.unlock(rc.identity);
  const me = await identityOf(unlocked);
  const ctx: ClientContext = { ...rc.ctx, files: new FileTransfer(rc.api), me };
  const resume = new SealedResumeStore(new FileResumeStore(clientStateDir(rc.identity.node, cli.keystore.dir)), await unlocked.vault.localKey(RESUME_PURPOSE));
  return { ...rc, ctx, resume };
}

const RESUME_PURPOSE = 'upload-resume';

/**
 * Resume states sealed under the vault's local key (formats §7): the file
 * holds neither the record id nor the upload's size, and its name is a hash
 * of the resume key, not the file's path.
 */
export class SealedResumeStore implements ResumeStore {
  constructor(private readonly inner: FileResumeStore, private readonly key: CryptoKey) {}

  private static nameOf(key: string): string {
    return toHex(sha256(new TextEncoder().encode(key)));
  }

  async get(key: string): Promise<UploadResume | undefined> {
    const sealed = await this.inner.get(SealedResumeStore.nameOf(key));
    if (sealed === undefined) return undefined;
    return (await openLocal(this.key, RESUME_PURPOSE, sealed as never)) as unknown as UploadResume;
  }

  async put(key: string, state: UploadResume): Promise<void> {
    // The inner store writes what it is given as JSON: here the sealed form.
    await this.inner.put(SealedResumeStore.nameOf(key), (await sealLocal(this.key, RESUME_PURPOSE, state as never)) as unknown as UploadResume);
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(SealedResumeStore.nameOf(key));
  }
}

/** A user's keys and roles as the ledger proves them (src/client's verifyUserView), under a head the keeper accepted: for display. */
export function provenView(rc: ReadContext, username: string) {
  return provenUser(rc.ctx, rc.reads, username);
}
