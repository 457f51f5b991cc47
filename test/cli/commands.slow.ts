/**
 * The record and access commands the process-level scenario does not reach,
 * run in this process against a real node on loopback (the node's real KDF
 * costs), each user with a keystore of their own: list / unlist, withdraw,
 * deny, approve with --scope and --expires, a doctor's contribution
 * (upload --patient), add-version for a standing grantee, notifications,
 * audit of one record, admin revoke-role and admin refusals.
 */
import { before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDhlError } from '../../src/client/index.ts';
import { DEFAULT_KDF_COSTS } from '../../src/api/node-port.ts';
import { Cli, type Answer } from '../../src/cli/context.ts';
import { exitClassOf } from '../../src/cli/exit-codes.ts';
import { registerCommand, setupCommand, whoamiCommand } from '../../src/cli/commands/account.ts';
import {
  approveCommand, auditCommand, closeCommand, enrolCommand, lookupCommand, notificationsCommand, refusalsCommand, requestCommand, requestsCommand, revokeRoleCommand,
} from '../../src/cli/commands/access.ts';
import { downloadCommand, listingCommand, recordsCommand, uploadCommand } from '../../src/cli/commands/records.ts';
import { startTestNode } from '../api/helpers.ts';
import { fileScope, scratch } from './helpers.ts';

const fileContext = fileScope();
let world: Awaited<ReturnType<typeof threeUsers>>;

/** A node set up by admin ines; patient raj and doctor meera registered, meera enrolled by her fingerprint. */
async function threeUsers(t: TestContext) {
  const n = await startTestNode(t, { admins: 1, app: { testOnlyKdfCosts: DEFAULT_KDF_COSTS } });
  const s = scratch(t);
  const cliOf = (user: string) => new Cli({ node: n.url, passphraseFile: s.secret(user, `${user} a passphrase of some length`) }, { DHL_HOME: s.home(user) }, () => {});
  const ines = cliOf('ines');
  const raj = cliOf('raj');
  const meera = cliOf('meera');
  await setupCommand(ines, `${n.url}/setup#token=${n.token}`, { username: 'ines', wait: true });
  await registerCommand(raj, { username: 'raj' });
  await registerCommand(meera, { username: 'meera' });
  const meeraKeys = (await whoamiCommand(meera)).json as { sigKeyId: string };
  await enrolCommand(ines, 'meera', { role: 'doctor', expectFingerprint: meeraKeys.sigKeyId });
  const file = (name: string, text: string) => {
    const path = join(s.dir, name);
    writeFileSync(path, text);
    return path;
  };
  return { n, s, ines, raj, meera, file };
}

before(async () => {
  world = await threeUsers(fileContext);
});

const j = async <T>(answer: Promise<Answer>) => (await answer).json as T;
type Req = { requestId: string; status: string };

test('list and unlist put a record in and out of the directory; withdraw and deny close a request for good, with the status each shows', async () => {
  const { raj, meera, file } = world;
  const rec = await j<{ recordId: string; listed: boolean }>(uploadCommand(raj, file('bp.txt', 'blood pressure 120/80\n'), { title: 'Blood pressure' }));
  assert.equal(rec.listed, false);
  const listed = async () => (await j<{ records: { recordId: string }[] }>(lookupCommand(meera, 'raj'))).records.map((r) => r.recordId);
  assert.ok(!(await listed()).includes(rec.recordId), 'not listed unless asked');
  await listingCommand(raj, rec.recordId, true);
  assert.ok((await listed()).includes(rec.recordId));
  await listingCommand(raj, rec.recordId, false);
  assert.ok(!(await listed()).includes(rec.recordId), 'unlisted');

  const asked = await j<{ requestId: string }>(requestCommand(meera, 'raj', { record: [rec.recordId], purpose: 'blood pressure check' }));
  await closeCommand(meera, asked.requestId, 'doctor');
  const denied = await j<{ requestId: string }>(requestCommand(meera, 'raj', { all: true, purpose: 'second opinion' }));
  await closeCommand(raj, denied.requestId, 'patient');
  const outgoing = await j<{ items: Req[] }>(requestsCommand(meera, { outgoing: true }));
  const statusOf = (id: string) => outgoing.items.find((r) => r.requestId === id)?.status;
  assert.deepEqual([statusOf(asked.requestId), statusOf(denied.requestId)], ['withdrawn', 'denied']);
  await assert.rejects(approveCommand(raj, denied.requestId, { expectFingerprint: '00'.repeat(20) }), (e: unknown) => isDhlError(e, 'USAGE') && /denied, not pending/.test(e.message + JSON.stringify(e.details)));
  await assert.rejects(requestCommand(meera, 'raj', { purpose: 'no records named' }), (e: unknown) => isDhlError(e, 'USAGE'));
});

test('approve --scope read --scope contribute --expires 2h: meera contributes to raj\'s chart (upload --patient), a new version is wrapped for her as a standing grantee; notifications and audit show it; revoke-role voids the grant', async () => {
  const { s, raj, meera, ines, file } = world;
  const fevers = await j<{ recordId: string }>(uploadCommand(raj, file('fevers.txt', 'fever 39.2C\n'), { title: 'Fevers, November', list: true }));
  const meeraKeys = await j<{ encKeyId: string }>(whoamiCommand(meera));
  const req = await j<{ requestId: string }>(requestCommand(meera, 'raj', { record: [fevers.recordId], purpose: 'follow-up', duration: 7 * 24 * 3_600_000 }));
  const before = Date.now();
  const granted = await j<{ scopes: string[]; expiresAt: number; records: string[] }>(
    approveCommand(raj, req.requestId, { expectFingerprint: meeraKeys.encKeyId, scope: ['read', 'contribute'], expires: 2 * 3_600_000 }));
  assert.deepEqual(granted.scopes, ['read', 'contribute']);
  assert.deepEqual(granted.records, [fevers.recordId]);
  assert.ok(granted.expiresAt >= before + 2 * 3_600_000 && granted.expiresAt < before + 3 * 3_600_000, '--expires, not the 7 days asked for');

  // A doctor's contribution: a record in raj's chart, authored by meera, that raj reads.
  const note = await j<{ recordId: string }>(uploadCommand(meera, file('note.txt', 'seen on 2026-11-05: recovering\n'), { title: 'Consultation note', patient: 'raj' }));
  const rajRecords = await j<{ mine: { recordId: string }[] }>(recordsCommand(raj));
  assert.ok(rajRecords.mine.some((r) => r.recordId === note.recordId), "the contribution is in raj's chart");
  const noteCopy = join(s.dir, 'note-raj.txt');
  await downloadCommand(raj, note.recordId, { out: noteCopy });
  assert.equal(readFileSync(noteCopy, 'utf8'), 'seen on 2026-11-05: recovering\n');

  // add-version: wrapped for raj and for meera, whose read grant stands.
  const v2 = await j<{ version: number }>(uploadCommand(raj, file('fevers-2.txt', 'fever 39.2C\nno fever\n'), { title: 'Fevers, November (2)', recordId: fevers.recordId }));
  assert.equal(v2.version, 2);
  const got = join(s.dir, 'fevers-meera.txt');
  const read = await j<{ version: number; ciphertextExcerpt: string }>(downloadCommand(meera, fevers.recordId, { out: got }));
  assert.equal(read.version, 2, 'the latest by default');
  assert.match(read.ciphertextExcerpt, /^[0-9a-f]{2,96}$/);
  assert.equal(readFileSync(got, 'utf8'), 'fever 39.2C\nno fever\n');
  const shared = await j<{ shared: { recordId: string; version: number }[] }>(recordsCommand(meera));
  assert.deepEqual(shared.shared.find((r) => r.recordId === fevers.recordId)?.version, 2);

  const seen = await j<{ items: { kind: string; actor: string }[] }>(notificationsCommand(raj));
  assert.ok(seen.items.some((x) => x.kind === 'request-received' && x.actor === 'meera'));
  assert.ok(seen.items.some((x) => x.kind === 'grant-used' && x.actor === 'meera'));
  const trail = await j<{ items: { tx: { header: { type: string; actor: string } }; outcome: string }[] }>(auditCommand(raj, { record: fevers.recordId }));
  const events = trail.items.map((e) => `${e.tx.header.actor} ${e.tx.header.type} ${e.outcome}`);
  for (const e of ['raj AddRecord OK', 'raj AddRecordVersion OK', 'meera RecordRead OK']) assert.ok(events.includes(e), `${e} in ${events.join(', ')}`);

  // The admin ends meera's doctor role: every grant of that term is void, her next read is refused (and ledgered).
  await revokeRoleCommand(ines, 'meera', { role: 'doctor' });
  const refused = await downloadCommand(meera, fevers.recordId, { out: join(s.dir, 'again.txt') }).then(() => undefined, (e: unknown) => e);
  assert.ok(isDhlError(refused), String(refused));
  assert.equal(exitClassOf(refused), 'denied', `${refused.code}`);
  const after = await j<{ items: { tx: { header: { type: string; actor: string } }; outcome: string }[] }>(auditCommand(raj, { record: fevers.recordId }));
  assert.ok(after.items.some((e) => e.tx.header.actor === 'meera' && e.tx.header.type === 'RecordRead' && e.outcome !== 'OK'), 'the refused read is in the audit');

  // dhl admin refusals: the node's admin sees the refused read among the ledger's refusals; a patient is denied (exit class denied).
  const refusals = await j<{ items: { actor: string; type: string; outcome: string; recordId?: string }[] }>(refusalsCommand(ines, { kind: 'refused-tx' }));
  assert.ok(refusals.items.some((r) => r.actor === 'meera' && r.type === 'RecordRead' && r.outcome === 'GRANT_VOID' && r.recordId === fevers.recordId), JSON.stringify(refusals.items));
  const notAdmin = await refusalsCommand(raj, { kind: 'failed-login' }).then(() => undefined, (e: unknown) => e);
  assert.ok(isDhlError(notAdmin, 'READ_DENIED'), String(notAdmin));
  assert.equal(exitClassOf(notAdmin), 'denied');
});
