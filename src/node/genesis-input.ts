/** The genesis as the contract wants it: key ids computed from the SPKIs. */
import { fromBase64url, keyIdOfSpki } from '../crypto/index.ts';
import type { GenesisInput } from '../contract/index.ts';
import type { Genesis } from '../ledger/index.ts';

export async function genesisInput(genesis: Genesis): Promise<GenesisInput> {
  const id = (spki: string) => keyIdOfSpki(fromBase64url(spki));
  return {
    time: genesis.time,
    orgs: await Promise.all(
      genesis.orgs.map(async (o) => ({
        org: o.org,
        admins: await Promise.all(o.admins.map(async (a) => ({ ...a, sigKeyId: await id(a.sigSpki), encKeyId: await id(a.encSpki) }))),
        nodes: await Promise.all(o.nodes.map(async (n) => ({ nodeId: n.nodeId, sigKeyId: await id(n.sigSpki) }))),
      })),
    ),
  };
}
