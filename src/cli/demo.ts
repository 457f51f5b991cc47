/**
 * `dhl demo`: DESIGN §1's scenario against a node, narrated as the terminal
 * session each person would type: an admin, patient raj and doctor meera,
 * each with a keystore of their own, running the same commands a user runs
 * (this process calls them in turn; nothing is shared between them but the
 * node). Against `--node URL` the demo needs an admin's keystore
 * (`--admin-home`); without it, it starts an embedded node on a temporary
 * directory and sets it up itself. `--large SIZE` adds a generated
 * imaging-sized file.
 */
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { isDhlError, toHex } from '../client/index.ts';
import { Cli, type Answer } from './context.ts';
import { cliError } from './errors.ts';
import { exitClassOf } from './exit-codes.ts';
import { registerCommand, setupCommand, whoamiCommand } from './commands/account.ts';
import { approveCommand, auditCommand, enrolCommand, lookupCommand, notificationsCommand, requestCommand, requestsCommand, revokeCommand } from './commands/access.ts';
import { downloadCommand, recordsCommand, uploadCommand, verifyRecordCommand } from './commands/records.ts';
import { verifyChainCommand } from './commands/operator.ts';
import { startEmbeddedNode } from './serve.ts';

const SAMPLE = '2026-11-02 fever 39.2C, paracetamol 1 g.\n2026-11-03 fever 38.1C.\n2026-11-04 no fever.\n';

export interface DemoOptions {
  node?: string;
  adminHome?: string;
  /** Bytes of a generated imaging study to add. */
  large?: number;
  keep?: boolean;
  passphraseFile?: string;
}

interface Person {
  name: string;
  cli: Cli;
  home: string;
}

/** Writes `size` bytes of a stand-in imaging study (random, so nothing compresses it away), in 1 MiB pieces. */
async function writeLarge(path: string, size: number): Promise<string> {
  const out = createWriteStream(path);
  const hash = createHash('sha256');
  for (let left = size; left > 0; left -= 1 << 20) {
    const piece = randomBytes(Math.min(left, 1 << 20));
    hash.update(piece);
    if (!out.write(piece)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return hash.digest('hex');
}

const sha256File = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

export async function runDemo(o: DemoOptions, out: (line: string) => void): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'dhl-demo-'));
  let embedded: Awaited<ReturnType<typeof startEmbeddedNode>> | undefined;
  try {
    const secrets = join(work, 'secrets');
    await mkdir(secrets, { mode: 0o700 });
    let node = o.node;
    if (!node) {
      out('Starting an embedded node on a temporary data directory (the same server as `dhl serve`).');
      embedded = await startEmbeddedNode(join(work, 'node-data'));
      node = embedded.url;
    } else if (!o.adminHome) {
      throw cliError('USAGE', { reason: 'against --node, give --admin-home: the keystore of an admin of that node (its passphrase with --passphrase-file or at the prompt)' });
    }
    out(`node ${node}`);
    // Names of their own on a shared node, so that the demo can run again.
    const suffix = o.node ? `-${toHex(randomBytes(2))}` : '';
    const person = (name: string, home?: string): Person => {
      const dir = home ?? join(work, `home-${name}`);
      const file = home ? o.passphraseFile : join(secrets, name);
      if (!home) writeFileSync(file!, `${name} ${toHex(randomBytes(8))} passphrase\n`, { mode: 0o600 });
      return { name, home: dir, cli: new Cli({ node, ...(file ? { passphraseFile: file } : {}) }, { ...process.env, DHL_HOME: dir }, (line) => out(`    ${line}`)) };
    };
    const admin = person('admin', o.adminHome);
    const raj = person(`raj${suffix}`);
    const meera = person(`meera${suffix}`);
    const show = (answer: Answer) => {
      for (const line of answer.text) out(`    ${line}`);
      return answer.json as Record<string, unknown>;
    };
    const step = (who: Person, command: string) => out(`\n  ${who.name}$ DHL_HOME=${who.home === o.adminHome ? who.home : `…/home-${who.name}`} dhl ${command}`);
    const section = (title: string) => out(`\n${title}`);

    section('1. The admin sets the node up; raj registers; the admin enrols doctor meera.');
    if (embedded) {
      step(admin, 'setup <the setup link the node printed> --username admin');
      show(await setupCommand(admin.cli, embedded.setupLink, { username: 'admin', wait: true }));
    }
    step(raj, `register --username ${raj.name}`);
    show(await registerCommand(raj.cli, { username: raj.name }));
    step(meera, `register --username ${meera.name}`);
    show(await registerCommand(meera.cli, { username: meera.name }));
    step(meera, 'whoami   # meera reads her key fingerprints to the admin, who compares them with the ledger\'s');
    const meeraKeys = show(await whoamiCommand(meera.cli)) as { sigKeyId: string; encKeyId: string };
    step(admin, `admin enrol ${meera.name} --expect-fingerprint ${meeraKeys.sigKeyId.slice(0, 40)}`);
    show(await enrolCommand(admin.cli, meera.name, { role: 'doctor', expectFingerprint: meeraKeys.sigKeyId }));

    section('2. Raj uploads his records: encrypted on his machine, ciphertext only to the node, each upload a signed transaction.');
    const fevers = join(work, 'fevers.txt');
    writeFileSync(fevers, SAMPLE);
    step(raj, 'upload fevers.txt --title "Fevers, November" --list');
    const rec = show(await uploadCommand(raj.cli, fevers, { title: 'Fevers, November', list: true })) as { recordId: string };
    const records = [rec.recordId];
    let largeHash: string | undefined;
    let largeId: string | undefined;
    if (o.large) {
      const scan = join(work, 'mri-study.dcm');
      largeHash = await writeLarge(scan, o.large);
      step(raj, `upload mri-study.dcm --title "MRI study, November" --list   # ${(o.large / 2 ** 20).toFixed(0)} MiB, generated`);
      largeId = (show(await uploadCommand(raj.cli, scan, { title: 'MRI study, November', list: true })) as { recordId: string }).recordId;
      records.push(largeId);
    }

    section("3. Meera finds raj's listed records and asks for access, with a purpose and a duration.");
    step(meera, `lookup ${raj.name}`);
    show(await lookupCommand(meera.cli, raj.name));
    step(meera, `request ${raj.name} ${records.map((r) => `--record ${r}`).join(' ')} --purpose "follow-up of fevers" --duration 30d`);
    const req = show(await requestCommand(meera.cli, raj.name, { record: records, purpose: 'follow-up of fevers', duration: 30 * 24 * 3_600_000 })) as { requestId: string };

    section("4. Raj sees the request and approves it: his client re-wraps each data key for meera's key, taken from the ledger with its proof.");
    step(raj, 'requests');
    show(await requestsCommand(raj.cli, {}));
    step(raj, `approve ${req.requestId.slice(0, 16)}… --expect-fingerprint ${meeraKeys.encKeyId.slice(0, 40)}   # meera's enc key, as she read it out`);
    show(await approveCommand(raj.cli, req.requestId, { expectFingerprint: meeraKeys.encKeyId }));

    section('5. Meera verifies the record (author key, manifest signature, inclusion proof), downloads and decrypts it; her read is itself a transaction.');
    step(meera, 'records   # what is shared with her now');
    show(await recordsCommand(meera.cli));
    step(meera, `verify --record ${rec.recordId}`);
    show(await verifyRecordCommand(meera.cli, rec.recordId, {}));
    const got = join(work, 'meera-fevers.txt');
    step(meera, `download ${rec.recordId} --out fevers.txt`);
    show(await downloadCommand(meera.cli, rec.recordId, { out: got }));
    out(`    content: ${JSON.stringify(readFileSync(got, 'utf8'))}`);
    if (largeId) {
      const gotScan = join(work, 'meera-mri-study.dcm');
      step(meera, `download ${largeId} --out mri-study.dcm`);
      show(await downloadCommand(meera.cli, largeId, { out: gotScan }));
      out(`    sha256 ${sha256File(gotScan) === largeHash ? 'identical to raj\'s file' : 'DIFFERENT FROM RAJ\'S FILE'}`);
    }

    section("6. Raj revokes; meera's next read is refused, and the refusal is ledgered; raj's audit shows every event; anyone with the chain verifies it.");
    step(raj, `revoke ${meera.name}`);
    show(await revokeCommand(raj.cli, meera.name, {}));
    step(meera, `download ${rec.recordId} --out again.txt`);
    try {
      await downloadCommand(meera.cli, rec.recordId, { out: join(work, 'again.txt') });
      throw new Error('the read after the revoke was not refused');
    } catch (err) {
      if (!isDhlError(err)) throw err;
      out(`    dhl: ${err.code}: ${err.message}   (exit class: ${exitClassOf(err)})`);
    }
    step(raj, 'notifications');
    show(await notificationsCommand(raj.cli));
    step(raj, 'audit');
    show(await auditCommand(raj.cli, {}));
    step(raj, 'verify   # the whole chain as the node exports it, replayed here from the chain id');
    show(await verifyChainCommand(raj.cli, {}));
    out('\nDone: every step above is a signed transaction in the ledger; nothing the node holds opens a record.');
  } finally {
    await embedded?.close();
    if (!o.keep) await rm(work, { recursive: true, force: true });
    else out(`kept ${work}`);
  }
}
