/**
 * The admin's pages of issue 22 in real Chromium: ines sets up the node and
 * enrols meera; sees her among the organisation's users with her key's
 * fingerprint; opens node status (the head's size and block hash, its
 * signature and the consistency with the head the browser kept, passing) and
 * the explorer (the block holding meera's AssignRole, its hash, the entry's
 * inclusion proof passing under the current head); revokes meera's role with
 * the fingerprint shown and confirmed; meera's next read under the grant ines
 * gave her (void now) and her next request are refused. Every value the pages show is
 * compared with one this test computes from the API itself. Screenshots under
 * test-artifacts/web/admin/, at desktop and phone width.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  ApiClient, approveRequest, fingerprint, isDhlError, readFromLedger, register, requestAccess, submit, uploadRecord, utf8, type OpenedClient,
} from '../../src/client/index.ts';
import { blockHash, consistencyProofLength, inclusionProofLength, parseBlockHeader, parseTx } from '../../src/ledger/index.ts';
import type { Page } from 'playwright-core';
import { HEAD_CHECK_STALE_MS } from '../../web/src/pages/ledger/use-head-check.ts';
import { checkedSteps } from './axe.ts';
import { Screenshots, startBrowser } from './browser.ts';
import { field, open, setUpNode } from './steps.ts';
import { loginInNode, startWebNode } from './web-node.ts';

const ADMIN = { username: 'ines', passphrase: 'ines correct horse battery' };
const MEERA = { username: 'meera', passphrase: 'meera lantern quartz river' };
const NOTE = 'Blood pressure 120/80. CONTENTMARKER-admin-note\n';

/** The head as the API serves it, with its block hash computed here from the header. */
async function apiHead(client: OpenedClient) {
  const head = await client.reads.head();
  return { treeSize: head.header.treeSize, height: head.header.height, blockHash: blockHash(sha256, parseBlockHeader(head.header)) };
}

/** The request src/client's trustedGenesis makes: the export's header line alone, past every block. */
const isGenesisRequest = (url: string) => {
  const u = new URL(url);
  return u.pathname === '/v1/ledger/export' && Number(u.searchParams.get('fromHeight')) > 1e12;
};

async function noSidewaysScroll(page: Page, where: string): Promise<void> {
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), `${where}: no sideways scrolling of the page at phone width`);
}

test('an admin enrols a doctor, sees her among the organisation’s users, checks node status and finds her AssignRole in the explorer with a passing inclusion proof, revokes her role with the fingerprint shown and confirmed, and her next read and request are refused; at phone width too', async (t) => {
  const web = await startWebNode(t);
  const { context, problems } = await startBrowser(t);
  const step = checkedSteps(new Screenshots('admin'));
  const admin = await (await context('admin')).newPage();
  const genesisAsked: string[] = [];
  admin.on('request', (r) => void (isGenesisRequest(r.url()) && genesisAsked.push(new URL(admin.url()).pathname)));
  await setUpNode(admin, web.setupLink(), ADMIN);
  const genesisAtLogin = genesisAsked.length;
  assert.equal(genesisAtLogin, 1, `the session's client asked for the genesis once, when it opened (${genesisAsked.join(', ')})`);
  await register(new ApiClient({ baseUrl: web.node.url }), { ...MEERA, now: Date.now() });
  const meera = await loginInNode(web, MEERA);
  const ines = await loginInNode(web, ADMIN);
  const meeraSig = fingerprint(meera.ctx.me.sig.keyId);

  // Enrol meera (the enrol page of part 1).
  await open(admin, 'Enrol doctors');
  await field(admin, "Doctor's username").fill(MEERA.username);
  await admin.getByRole('button', { name: 'Look up' }).click();
  await admin.getByLabel(/I compared these fingerprints/).check();
  await admin.getByRole('button', { name: `Enrol ${MEERA.username} as a doctor` }).click();
  await admin.getByText(`${MEERA.username} is a doctor at clinic`).waitFor();

  // The organisation's users: meera with her role's key, ines herself.
  await open(admin, 'Organisation users');
  const meeraRow = admin.getByRole('row').filter({ has: admin.locator(`[data-member="${MEERA.username}"]`) });
  await meeraRow.getByLabel(`${MEERA.username} doctor signing key fingerprint`).waitFor();
  assert.equal(await meeraRow.getByLabel(`${MEERA.username} doctor signing key fingerprint`).textContent(), meeraSig, 'the fingerprint of the key meera holds');
  await admin.locator(`[data-member="${ADMIN.username}"]`).waitFor();
  await step(admin, 'admin-org-users');

  // Blocks the browser has not seen: as a doctor, meera asks ines (a patient too) for her records; ines grants; meera reads.
  const text = utf8.encode(NOTE);
  const note = await uploadRecord(ines.ctx, { title: 'Check-up', mediaType: 'text/plain', fileName: 'note.txt', content: () => [text], contentSize: text.length });
  const asked = await requestAccess(meera.ctx, { patient: ADMIN.username, records: 'all', purpose: 'Follow-up', durationMs: 86_400_000 });
  await approveRequest(ines.ctx, ines.reads, { requestId: asked.requestId, doctor: MEERA.username, records: 'all', durationMs: 86_400_000 });
  const read = async () => {
    const parts: Uint8Array[] = [];
    await readFromLedger(meera.ctx, meera.reads, note.recordId, 1, (c) => void parts.push(Uint8Array.from(c)));
    return Buffer.concat(parts).toString();
  };
  assert.equal(await read(), NOTE, 'meera reads under the grant while she is a doctor');

  // Node status: the head this test reads from the API, its signature and the consistency proof passing.
  const headAsked: string[] = [];
  const countHeads = (r: { url(): string }) => void (new URL(r.url()).pathname === '/v1/ledger/head' && headAsked.push(new URL(admin.url()).pathname));
  admin.on('request', countHeads);
  const explorerSince = Date.now();
  await open(admin, 'Node status');
  const head = admin.getByTestId('head');
  await head.waitFor();
  const expected = await apiHead(ines);
  assert.equal(await head.getAttribute('data-tree-size'), String(expected.treeSize), 'the head’s tree size');
  assert.equal(await head.getAttribute('data-block-hash'), expected.blockHash, 'the head’s block hash, computed here from its header');
  await head.getByText(expected.blockHash).waitFor();
  const signatures = admin.getByRole('table', { name: 'head signatures' });
  assert.equal(await signatures.locator('[data-check="pass"]').count(), 1, 'the one node’s signature passes');
  assert.equal(await signatures.locator('[data-check="fail"]').count(), 0);
  await signatures.getByText('clinic').waitFor();
  const consistency = admin.getByTestId('consistency');
  const from = Number(await consistency.getAttribute('data-from'));
  assert.equal(await consistency.getAttribute('data-to'), String(expected.treeSize), 'the consistency proof ends at the head');
  assert.ok(from > 0 && from < expected.treeSize, `the browser kept an older head (tree size ${from}) than the current one (${expected.treeSize})`);
  assert.equal(await consistency.getAttribute('data-proof-length'), String(consistencyProofLength(from, expected.treeSize)), 'the proof the page checked has the length RFC 9162 gives for these sizes');
  assert.equal(await admin.locator('[data-what="consistency proof"]').getAttribute('data-check'), 'pass');
  await step(admin, 'admin-node-status');

  // The explorer: meera's AssignRole in its block, as the API says, and its inclusion proof under the current head.
  const assignedBy = (await meera.reads.user(MEERA.username)).roles.find((r) => r.role === 'doctor')!.assignedBy!;
  const { height, seq } = assignedBy.entry;
  const apiBlock = await ines.reads.block(height);
  const txHash = parseTx(sha256, assignedBy.entry.tx).hash;
  await open(admin, 'Ledger');
  await admin.getByRole('table', { name: 'blocks' }).waitFor();
  await step(admin, 'admin-explorer');
  await admin.getByRole('link', { name: `Block ${height}`, exact: true }).click();
  const block = admin.getByTestId('block');
  await block.waitFor();
  assert.equal(await block.getAttribute('data-block-hash'), blockHash(sha256, parseBlockHeader(apiBlock.header)), 'the block’s hash, computed here');
  assert.equal(await block.locator('[data-what="block hash"]').getAttribute('data-check'), 'pass');
  assert.equal(await block.locator('[data-what="entries root"]').getAttribute('data-check'), 'pass');
  const entry = admin.locator(`tr[data-seq="${seq}"]`);
  assert.equal(await entry.getAttribute('data-tx-type'), 'AssignRole');
  assert.equal(await entry.getAttribute('data-tx-hash'), txHash, 'the AssignRole’s transaction hash, computed here');
  await entry.getByText('accepted').waitFor();
  await entry.getByRole('button', { name: `Check proof of entry ${seq}` }).click();
  const proof = admin.getByTestId(`inclusion-${seq}`);
  await proof.waitFor();
  const now = await apiHead(ines);
  assert.equal(await proof.getAttribute('data-check'), 'pass', 'the inclusion proof passes');
  assert.equal(await proof.getAttribute('data-tree-size'), String(now.treeSize), 'under the current head');
  await proof.getByText(`${inclusionProofLength(seq, now.treeSize)} hash(es)`).waitFor();
  await step(admin, 'admin-block-assign-role');
  // A second block, the newest: its hash checks under the same genesis, and the head checked on the status page still stands.
  await admin.getByRole('link', { name: 'Back to the blocks' }).click();
  await admin.getByRole('link', { name: `Block ${now.height}`, exact: true }).click();
  await admin.locator(`[data-testid="block"][data-height="${now.height}"] [data-what="block hash"][data-check="pass"]`).waitFor();
  assert.deepEqual(genesisAsked.slice(genesisAtLogin), [], 'node status, the explorer and two blocks asked the node for the genesis no more: the session keeps the one it checked');
  // The head checked on the status page stands for the explorer and both blocks (none is past it) until it is HEAD_CHECK_STALE_MS old.
  const mayAsk = 1 + Math.floor((Date.now() - explorerSince) / HEAD_CHECK_STALE_MS);
  assert.equal(headAsked[0], '/status');
  assert.ok(headAsked.length <= mayAsk, `the head was checked again only once it was stale, not per page (${headAsked.join(', ')}; at most ${mayAsk})`);
  // A block past that head (ines lists her note from Node): its page checks the new head first, and proves the entry under it.
  const listed = await submit(ines.ctx, 'SetListing', { recordId: note.recordId, listed: true });
  await admin.getByRole('link', { name: 'Back to the blocks' }).click();
  await admin.getByRole('link', { name: `Block ${listed.height}`, exact: true }).click();
  await admin.getByRole('button', { name: `Check proof of entry ${listed.seq}` }).click();
  const newer = admin.getByTestId(`inclusion-${listed.seq}`);
  await newer.waitFor();
  assert.equal(await newer.getAttribute('data-check'), 'pass', 'the new entry’s inclusion proof passes');
  assert.equal(await newer.getAttribute('data-tree-size'), String(listed.treeSize), 'under the head that holds it');
  admin.off('request', countHeads);

  // Revoke meera's role: the fingerprint shown, confirmed, then the RevokeRole.
  await open(admin, 'Organisation users');
  await admin.getByRole('button', { name: `Review revoking ${MEERA.username}’s doctor role` }).click();
  const shown = admin.getByLabel(`${MEERA.username} key to revoke fingerprint`);
  await shown.waitFor();
  assert.equal(await shown.textContent(), meeraSig, 'the fingerprint shown before revoking is meera’s');
  await admin.getByText(/void for good/).waitFor();
  const revokeButton = admin.getByRole('button', { name: `Revoke ${MEERA.username}’s doctor role`, exact: true });
  assert.equal(await revokeButton.isDisabled(), true, 'nothing is revoked before the fingerprint is confirmed');
  await step(admin, 'admin-revoke-confirm');
  await admin.getByLabel(/This is the fingerprint of the meera/).check();
  await revokeButton.click();
  await admin.getByText(`${MEERA.username} is no longer doctor of clinic: RevokeRole recorded in block`).waitFor();
  await meeraRow.locator('[data-status="revoked"]').waitFor();
  await step(admin, 'admin-revoked');

  // Meera's next actions are refused: a read under ines's grant (void for good), and a new request (she is no doctor).
  // The node no longer serves her the record at all (it answers as for one that does not exist), because ines's grant is void.
  await assert.rejects(read(), (err: unknown) => isDhlError(err, 'RESOURCE_NOT_FOUND'), 'the read under the voided grant is refused');
  assert.deepEqual((await ines.reads.grants({ direction: 'issued' })).items.map((g) => g.status), ['void'], 'the grant ines gave meera is void');
  await assert.rejects(
    requestAccess(meera.ctx, { patient: ADMIN.username, records: 'all', purpose: 'Again', durationMs: 86_400_000 }),
    (err: unknown) => isDhlError(err, 'TX_REJECTED') && err.details.outcome === 'DOCTOR_REQUIRED',
    'a request by the revoked doctor is refused',
  );

  // The main pages at phone width.
  await admin.setViewportSize({ width: 390, height: 844 });
  await open(admin, 'Organisation users');
  await meeraRow.locator('[data-status="revoked"]').waitFor();
  await noSidewaysScroll(admin, 'organisation users');
  await step(admin, 'phone-admin-org-users');
  await open(admin, 'Node status');
  await admin.getByTestId('head').waitFor();
  await noSidewaysScroll(admin, 'node status');
  await step(admin, 'phone-admin-node-status');
  await open(admin, 'Ledger');
  await admin.getByRole('table', { name: 'blocks' }).waitFor();
  await noSidewaysScroll(admin, 'explorer');
  await step(admin, 'phone-admin-explorer');
  await admin.getByRole('link', { name: `Block ${height}`, exact: true }).click();
  await admin.getByTestId('block').waitFor();
  await noSidewaysScroll(admin, 'block');
  await step(admin, 'phone-admin-block');

  assert.equal(genesisAsked.length, genesisAtLogin, 'the genesis was asked for once in the whole session');
  assert.deepEqual(problems, [], 'no uncaught error and no CSP violation in any page');
});
