/**
 * Record commands: upload, add-version, records, list / unlist, download,
 * verify (one record). Content is sealed and opened here (src/client's
 * flows); the node sees stored chunks and signed transactions only. Before a
 * download writes anything, the manifest's signature is checked under the
 * author's key taken from the ledger with its proof, and the transaction
 * that added the version under a head the keeper accepted; the output is a
 * temporary file renamed only once the last chunk has authenticated.
 */
import { createReadStream, createWriteStream, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import {
  addVersion, allPages, clientError, contribute, directory, isDhlError, readFromLedger, setListing, submit, toHex, uploadRecord, verifyRecord, type ByteSource,
  type VerifiedVersion,
} from '../../client/index.ts';
import type { Answer, Cli } from '../context.ts';
import { cliError } from '../errors.ts';
import { time, mib } from '../format.ts';
import { fullContext, readContext, type FullContext, type ReadContext } from '../flows.ts';
import { Progress } from '../progress.ts';
import type { Action } from './account.ts';

const MEDIA_TYPES: Readonly<Record<string, string>> = Object.freeze({
  '.txt': 'text/plain', '.pdf': 'application/pdf', '.json': 'application/json', '.xml': 'application/xml', '.dcm': 'application/dicom',
  '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.csv': 'text/csv', '.html': 'text/html',
});


/** Ctrl-C aborts the transfer (its resume state is kept); a second Ctrl-C ends the process at once. */
function interruptible(cli: Cli): { signal: AbortSignal; done(): void } {
  const controller = new AbortController();
  const onSigint = () => {
    cli.say('interrupted: stopping the transfer…');
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onSigint);
  return { signal: controller.signal, done: () => process.removeListener('SIGINT', onSigint) };
}

/** The file's content from its start, counted into the progress bar (a resume reads it again). */
function fileSource(path: string, progress: Progress): () => ByteSource {
  return () => {
    progress.reset();
    return (async function* () {
      for await (const piece of createReadStream(path, { highWaterMark: 1 << 20 })) {
        progress.add((piece as Buffer).length);
        yield piece as Buffer;
      }
    })();
  };
}

interface UploadFlags {
  title: string;
  list?: boolean;
  patient?: string;
  mediaType?: string;
  chunkSize?: number;
}

export async function uploadCommand(cli: Cli, file: string, o: UploadFlags & { recordId?: string }): Promise<Answer> {
  const path = resolve(file);
  let size: number;
  try {
    size = statSync(path).size;
  } catch (cause) {
    throw cliError('USAGE', { reason: `cannot read ${file}` }, cause);
  }
  const fc = await fullContext(cli);
  const patient = o.patient ?? fc.identity.username;
  const key = `upload\n${path}\n${patient}\n${o.recordId ?? 'new'}`;
  const before = await fc.resume.get(key);
  if (before) cli.say(`resuming the interrupted upload of ${basename(path)} (${mib(size)})`);
  const progress = new Progress('upload', size);
  const stop = interruptible(cli);
  const content = {
    title: o.title, mediaType: o.mediaType ?? MEDIA_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream', fileName: basename(path),
    content: fileSource(path, progress), contentSize: size, ...(o.chunkSize ? { chunkSize: o.chunkSize } : {}),
    resume: { store: fc.resume, key }, signal: stop.signal,
  };
  let uploaded;
  try {
    // A new version is wrapped for every standing grantee; a contribution for the patient; a new record of one's own for oneself.
    uploaded = o.recordId
      ? await addVersion(fc.ctx, fc.reads, o.recordId, content)
      : patient !== fc.identity.username
        ? await contribute(fc.ctx, fc.reads, patient, content)
        : await uploadRecord(fc.ctx, content);
  } catch (err) {
    if (stop.signal.aborted) throw cliError('CANCELLED', { reason: 'interrupted: run the same command again to resume' }, err);
    throw err;
  } finally {
    stop.done();
    progress.done();
  }
  const startedOver = before !== undefined && before.uploadId !== uploaded.uploadId;
  if (startedOver) cli.say('the file changed since the interrupted upload: started over under a fresh data key');
  const m = uploaded.sealed.signedManifest.manifest;
  let listed = false;
  if (o.list) {
    await setListing(fc.ctx, m.recordId, true);
    listed = true;
  }
  return {
    json: { recordId: m.recordId, version: m.version, title: m.title, size: m.size, cipherRoot: m.cipherRoot, block: uploaded.result.height, txHash: uploaded.result.txHash, listed, resumed: before !== undefined, startedOver },
    text: [
      `${m.version === 1 ? 'uploaded' : `version ${m.version} of`} "${m.title}" (${mib(m.size)}, ${m.mediaType}) as record ${m.recordId}`,
      `  ${uploaded.sealed.summary.chunkHashes.length} stored chunks, cipherRoot ${m.cipherRoot}`,
      `  ${m.version === 1 ? 'AddRecord' : 'AddRecordVersion'} in block ${uploaded.result.height} (tx ${uploaded.result.txHash})${listed ? '; listed in the directory' : ''}`,
    ],
  };
}

export async function listingCommand(cli: Cli, recordId: string, listed: boolean): Promise<Answer> {
  const fc = await fullContext(cli);
  const r = await setListing(fc.ctx, recordId, listed);
  return { json: { recordId, listed, block: r.height }, text: [`record ${recordId} ${listed ? 'listed in' : 'removed from'} the directory (block ${r.height})`] };
}

export async function recordsCommand(cli: Cli): Promise<Answer> {
  const rc = await readContext(cli);
  const me = rc.identity.username;
  const mine = await directory(rc.reads, me);
  const sharedIds = new Set<string>();
  for await (const g of allPages((after) => rc.reads.grants({ direction: 'received', status: 'active', ...(after ? { after } : {}) }))) {
    for (const r of g.records) sharedIds.add(r);
  }
  const shared = [];
  for (const id of sharedIds) {
    const r = await rc.reads.record(id);
    const latest = r.versions.find((v) => v.version === r.latestVersion) ?? r.versions[r.versions.length - 1]!;
    shared.push({ recordId: id, owner: r.patient, title: latest.manifest.title, mediaType: latest.manifest.mediaType, size: latest.manifest.size, version: r.latestVersion, versions: r.versions.length });
  }
  const text = [`records of ${me} (${mine.length}):`];
  for (const e of mine) text.push(`  ${e.recordId}  v${e.version}  ${e.listed ? 'listed  ' : 'unlisted'}  ${mib(e.size).padStart(10)}  ${time(e.createdAt)}  "${e.title}"`);
  text.push(`shared with ${me} (${shared.length}):`);
  for (const e of shared) text.push(`  ${e.recordId}  v${e.version}  from ${e.owner}  ${mib(e.size).padStart(10)}  "${e.title}"`);
  return { json: { mine, shared }, text };
}

/** src/client's verifyRecord of a version (default the latest): manifest signature under the author's ledger key, inclusion proof, block hash. */
async function verified(rc: ReadContext, recordId: string, version?: number): Promise<VerifiedVersion & { latest: number }> {
  const latest = (await rc.reads.record(recordId)).latestVersion;
  return { ...(await verifyRecord(rc.ctx, rc.reads, recordId, version ?? latest)), latest };
}

function provenLines(v: VerifiedVersion & { latest?: number }): string[] {
  const m = v.manifest;
  return [
    `"${m.title}"  record ${m.recordId} version ${m.version}${v.latest ? ` of ${v.latest}` : ''}, patient ${m.patient}, ${m.mediaType}, ${mib(m.size)}`,
    `  author ${m.author}, key ${v.author.fingerprint} (from the ledger, with its proof)`,
    `  manifest signature (RSA-PSS): valid; cipherRoot ${m.cipherRoot}`,
    `  ${m.version === 1 ? 'AddRecord' : 'AddRecordVersion'} ${v.txHash} in block ${v.height} (${v.blockHash}): inclusion proof valid under the head of block ${v.head.header.height}`,
  ];
}

export async function verifyRecordCommand(cli: Cli, recordId: string, o: { version?: number }): Promise<Answer> {
  const rc = await readContext(cli);
  const v = await verified(rc, recordId, o.version);
  return {
    json: { recordId, version: v.version, manifest: v.manifest, authorKeyId: v.author.keyId, authorFingerprint: v.author.fingerprint, txHash: v.txHash, block: v.height, blockHash: v.blockHash, verified: true },
    text: ['OK:', ...provenLines(v)],
  };
}

/** A name from inside the envelope, made safe for the working directory: its last part only. */
function safeName(fileName: string): string {
  const name = basename(fileName.replace(/\\/g, '/'));
  return name === '' || name === '.' || name === '..' ? 'record.bin' : name;
}

/**
 * A reader the node no longer shows the record to (a revoked grant) still
 * makes the attempt a ledgered one (DESIGN §1 step 6: the refusal is an
 * audit event): the RecordRead is submitted, and its refusal reported.
 */
async function refusedRead(fc: FullContext, recordId: string, version: number, cause: unknown): Promise<never> {
  const receipt = await submit(fc.ctx, 'RecordRead', { recordId, version });
  if (receipt.outcome === 'OK') throw cause;
  throw clientError('READ_REFUSED', { recordId, version, outcome: receipt.outcome, block: receipt.height });
}

/**
 * Where a download goes: standard output (`-`); into a directory (`--out`
 * naming one, or none given: the current one) under the file name sealed in
 * the envelope, known only once decrypted; or to the file `--out` names. The
 * temporary file lies in that same directory, so the last step is a rename.
 * What can be refused before anything is fetched (and a read ledgered) is.
 */
function downloadTarget(out: string | undefined, force: boolean): { dir: string; file?: string } | undefined {
  if (out === '-') return undefined;
  const target = resolve(out ?? '.');
  if (existsSync(target) && statSync(target).isDirectory()) return { dir: target };
  const dir = dirname(target);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw cliError('USAGE', { reason: `no such directory: ${dir}` });
  if (existsSync(target) && !force) throw cliError('USAGE', { reason: `${target} exists: give --force to replace it, or --out` });
  return { dir, file: target };
}

export async function downloadCommand(cli: Cli, recordId: string, o: { version?: number; out?: string; force?: boolean }): Promise<Answer> {
  const target = downloadTarget(o.out, o.force === true);
  const fc = await fullContext(cli);
  const record = await fc.reads.record(recordId).catch((err: unknown) =>
    isDhlError(err, 'RESOURCE_NOT_FOUND') || isDhlError(err, 'READ_DENIED') ? refusedRead(fc, recordId, o.version ?? 1, err) : Promise.reject(err));
  const version = o.version ?? record.latestVersion;
  const size = record.versions.find((x) => x.version === version)?.manifest.size ?? 0;
  const toStdout = target === undefined;
  const tmp = target && join(target.dir, `.dhl-download-${process.pid}-${recordId.slice(0, 8)}.part`);
  const sink = tmp ? createWriteStream(tmp, { mode: 0o600 }) : process.stdout;
  const progress = new Progress('download', size);
  const stop = interruptible(cli);
  let result;
  try {
    // Verify first (manifest signature, inclusion proof, block hash), then the ledgered read, the download, decryption.
    result = await readFromLedger(fc.ctx, fc.reads, recordId, version, async (content) => {
      progress.add(content.length);
      if (!sink.write(content)) await once(sink, 'drain');
    }, { signal: stop.signal }).catch((err: unknown) =>
      // The version is hidden from this reader, or not wrapped for them (revoked and re-keyed): the attempt is ledgered all the same.
      isDhlError(err, 'RESOURCE_NOT_FOUND') || isDhlError(err, 'READ_DENIED') ? refusedRead(fc, recordId, version, err) : Promise.reject(err));
    for (const line of provenLines(result.verified)) cli.say(line);
    if (sink !== process.stdout) {
      sink.end();
      await once(sink, 'finish');
    }
  } catch (err) {
    if (tmp) rmSync(tmp, { force: true });
    if (stop.signal.aborted) throw cliError('CANCELLED', { reason: 'interrupted: nothing was written' }, err);
    throw err;
  } finally {
    stop.done();
    progress.done();
  }
  let written = '-';
  if (tmp && target) {
    // Renamed only now: the last chunk authenticated and the stored bytes built the manifest's cipherRoot.
    written = target.file ?? join(target.dir, safeName(result.opened.fileName));
    if (existsSync(written) && !o.force) {
      rmSync(tmp, { force: true });
      throw cliError('USAGE', { reason: `${written} exists: give --force to replace it, or --out` });
    }
    renameSync(tmp, written);
  }
  return {
    json: { recordId, version, fileName: result.opened.fileName, size: result.opened.contentSize, out: written, ciphertextExcerpt: toHex(result.excerpt), receipt: { txHash: result.receipt.txHash, block: result.receipt.height } },
    text: toStdout ? [] : [
      `decrypted "${result.opened.fileName}" (${mib(result.opened.contentSize)}) to ${written}`,
      `  the ciphertext the node stored begins ${toHex(result.excerpt)}…`,
      `  every chunk authenticated; the stored bytes build the manifest's cipherRoot; your read is RecordRead ${result.receipt.txHash} in block ${result.receipt.height}`,
    ],
  };
}

function chunkSizeArg(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 64 || n > 2 ** 24 || (n & (n - 1)) !== 0) throw new InvalidArgumentError('must be a power of two from 64 to 16777216');
  return n;
}

export function versionArg(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a version number (1 or more)');
  return n;
}

export function addRecordCommands(program: Command, action: Action): void {
  program
    .command('upload')
    .description('encrypt a file here and upload it as a new record (any size, constant memory; Ctrl-C, then the same command resumes)')
    .argument('<file>', 'the file')
    .requiredOption('--title <title>', 'the title others see (the file name stays inside the envelope)')
    .option('--list', 'list the record in the doctors\' directory')
    .option('--patient <user>', "a doctor's contribution to this patient's chart (needs their contribute grant)")
    .option('--media-type <type>', 'default: from the file name\'s extension')
    .option('--chunk-size <bytes>', 'envelope chunk size, a power of two (default 1 MiB)', chunkSizeArg)
    .action(action((cli, file: string, o: UploadFlags) => uploadCommand(cli, file, o)));

  program
    .command('add-version')
    .description('upload a new version of a record, wrapped for you and every standing grantee')
    .argument('<record>', 'record id')
    .argument('<file>', 'the file')
    .requiredOption('--title <title>', 'the title of the new version')
    .option('--patient <user>', "the record's patient, when you contribute as a doctor")
    .option('--media-type <type>', 'default: from the file name\'s extension')
    .option('--chunk-size <bytes>', 'envelope chunk size', chunkSizeArg)
    .action(action((cli, recordId: string, file: string, o: UploadFlags) => uploadCommand(cli, file, { ...o, recordId })));

  program
    .command('records')
    .description('your records (listed or not, with versions) and the records shared with you')
    .action(action((cli) => recordsCommand(cli)));

  program.command('list').description('list a record of yours in the doctors\' directory').argument('<record>', 'record id')
    .action(action((cli, recordId: string) => listingCommand(cli, recordId, true)));
  program.command('unlist').description('remove a record of yours from the directory').argument('<record>', 'record id')
    .action(action((cli, recordId: string) => listingCommand(cli, recordId, false)));

  program
    .command('download')
    .description('check the manifest signature and the inclusion proof, ledger your read, download and decrypt (to a temporary file renamed once the last chunk authenticates)')
    .argument('<record>', 'record id')
    .option('--version <n>', 'default: the latest', versionArg)
    .option('--out <path>', "a file, a directory, or '-' for stdout (default: the original file name, in the current directory)")
    .option('--force', 'replace an existing file')
    .action(action((cli, recordId: string, o: { version?: number; out?: string; force?: boolean }) => downloadCommand(cli, recordId, o)));
}
