/**
 * Known-answer vectors for the contract: DESIGN §1's scenario as a chain of
 * blocks, with refusals mixed in, each entry's outcome, each block's sorted
 * writes and changesHash = SHA-256(JCS(writes)) (DESIGN §13), and the final
 * state. Ids are fake but well-formed (signatures are prechecked outside the
 * contract). Deterministic: a re-run makes no diff.
 * Write with `npx tsx test/vectors/contract/write.ts`.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../../src/crypto/canonical.ts';
import { genesisWrites, type BlockContext, type ContractTx, type GenesisInput, type Json, type StateWrite } from '../../../src/contract/index.ts';
import { DAY, ORG_A, ORG_B, Person, World, code, genesisFor, hex32 } from '../../contract/builders.ts';

export interface ContractVectors {
  comment: string;
  genesis: GenesisInput;
  genesisWrites: StateWrite[];
  blocks: { context: BlockContext; entries: { note: string; tx: ContractTx; outcome: string }[]; writes: StateWrite[]; changesHash: string }[];
  finalState: [string, Json][];
}

export function changesHash(writes: readonly StateWrite[]): string {
  return createHash('sha256').update(canonicalJson(writes, { allowNull: true })).digest('hex');
}

export function buildContractVectors(): ContractVectors {
  const [adam, alba, bert, meera, raj, sara] = ['adam', 'alba', 'bert', 'meera', 'raj', 'sara'].map((n) => new Person(n)) as [Person, Person, Person, Person, Person, Person];
  const genesis = genesisFor([{ org: ORG_A, people: [adam, alba] }, { org: ORG_B, people: [bert] }]);
  const w = new World(genesis);
  const notes: string[][] = [];
  const block = (entries: [string, ContractTx][]) => {
    notes.push(entries.map(([note]) => note));
    return w.submitBlock(entries.map(([, tx]) => tx));
  };
  const reg = (p: Person) => w.tx(p, 'RegisterUser', { username: p.username, ...p.keys() });

  block([['admin adam registers (genesis keys)', reg(adam)], ['admin alba registers', reg(alba)], ['admin bert registers', reg(bert)],
    ['raj registers', reg(raj)], ['meera registers', reg(meera)], ['sara registers', reg(sara)]]);
  block([
    ['adam makes meera a doctor of org-a, naming her keys', w.tx(adam, 'AssignRole', { username: 'meera', role: 'doctor', org: ORG_A, encKeyId: meera.encKeyId, sigKeyId: meera.sigKeyId })],
    ['refused: bert is not an admin of org-a', w.tx(bert, 'AssignRole', { username: 'sara', role: 'doctor', org: ORG_A, encKeyId: sara.encKeyId, sigKeyId: sara.sigKeyId })],
  ]);
  const fevers = hex32('vector/fevers');
  const imaging = hex32('vector/imaging');
  block([
    ['raj uploads fevers.txt', w.tx(raj, 'AddRecord', w.recordBody(raj, 'raj', fevers, 1, undefined, { title: 'fevers', mediaType: 'text/plain', size: 1834 }))],
    ['raj uploads an imaging study', w.tx(raj, 'AddRecord', w.recordBody(raj, 'raj', imaging, 1, undefined, { title: 'chest CT', mediaType: 'application/dicom', size: 524_288_000, chunkSize: 1 << 20 }))],
    ['raj lists fevers in the directory', w.tx(raj, 'SetListing', { recordId: fevers, listed: true })],
  ]);
  w.advance(60_000);
  const request = w.tx(meera, 'RequestAccess', { patient: 'raj', records: [fevers], purpose: 'recurring fevers, second opinion', durationMs: 7 * DAY });
  block([
    ['meera requests fevers for a week', request],
    ['refused: a second pending request for the same record', w.tx(meera, 'RequestAccess', { patient: 'raj', records: 'all', purpose: 'everything', durationMs: DAY })],
    ['refused: sara may not read fevers', w.tx(sara, 'RecordRead', { recordId: fevers, version: 1 })],
  ]);
  w.advance(60_000);
  block([['raj grants meera fevers for a week, answering the request', w.tx(raj, 'GrantAccess', w.grantBody(meera, [fevers], { expiresAt: w.time + 7 * DAY, requestId: request.hash }))]]);
  w.advance(60_000);
  const read = w.tx(meera, 'RecordRead', { recordId: fevers, version: 1 });
  block([
    ["meera's read receipt", read],
    ['refused: the same nonce again', w.tx(meera, 'RecordRead', { recordId: fevers, version: 1 }, { nonce: read.header.nonce })],
  ]);
  w.advance(DAY);
  block([
    ['raj revokes meera and intends to re-key', w.tx(raj, 'RevokeAccess', { grantee: 'meera', rekey: true })],
    ['refused: meera reads after the revoke', w.tx(meera, 'RecordRead', { recordId: fevers, version: 1 })],
    ['refused: the re-key may not wrap for meera', w.tx(raj, 'AddRecordVersion', w.recordBody(raj, 'raj', fevers, 2, ['raj', 'meera']))],
    ['raj re-keys fevers as version 2', w.tx(raj, 'AddRecordVersion', w.recordBody(raj, 'raj', fevers, 2, ['raj']))],
  ]);
  w.advance(60_000);
  block([
    ['refused: an expired transaction', w.tx(raj, 'SetListing', { recordId: imaging, listed: true }, { notAfter: w.time - 1 })],
    ['refused: reserved type', w.tx(meera, 'EmergencyAccess', { recordId: imaging, justification: 'unconscious in A&E' })],
    ['adam revokes meera\'s doctor role', w.tx(adam, 'RevokeRole', { username: 'meera', role: 'doctor', org: ORG_A })],
  ]);

  return {
    comment: 'DHL contract vectors: DESIGN §1 scenario. Apply genesisWrites to an empty state, then each block through one overlay; ' +
      'entries give each outcome ("OK" or the rejection code); writes are the block\'s final writes sorted by UTF-8 key; changesHash = SHA-256(JCS(writes)).',
    genesis,
    genesisWrites: genesisWrites(genesis),
    blocks: w.blocks.map((b, i) => ({
      context: b.context,
      entries: b.txs.map((tx, j) => ({ note: notes[i]![j]!, tx, outcome: code(b.results[j]!) })),
      writes: b.writes,
      changesHash: changesHash(b.writes),
    })),
    finalState: w.state.entries(),
  };
}
