/**
 * Access commands: lookup, request, requests, withdraw, approve, deny,
 * revoke, audit, notifications; and the admin's enrol, revoke-role and refusals.
 * Wherever a person decides about someone's key (approve re-wraps a data key
 * for the doctor; enrol vouches for a doctor's keys), the key comes from the
 * ledger with the proof of the transaction that registered it, under a head
 * the keeper accepted, and its fingerprint is shown and confirmed (or
 * compared with --expect-fingerprint).
 */
import { InvalidArgumentError, type Command } from 'commander';
import { createReadStream, createWriteStream, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import {
  allPages, approveRequest, auditTrail, closeRequest, directory, fingerprint, notifications, provenKey, readFromLedger, requestAccess, requests,
  revoke, revokeAndRekeyFromLedger, revokeRole, submitOk, REFUSAL_KINDS, type ByteSource, type RefusalKindName,
} from '../../client/index.ts';
import type { Answer, Cli } from '../context.ts';
import { cliError } from '../errors.ts';
import { duration as durationText, durationShort, mib, time } from '../format.ts';
import { fullContext, provenView, readContext, type FullContext, type ReadContext } from '../flows.ts';
import { confirmOrCancel } from '../prompts.ts';
import type { Action } from './account.ts';

const DAY = 24 * 60 * 60 * 1000;
/** What a request asks for when --duration is not given. */
const DEFAULT_REQUEST_MS = 30 * DAY;

/** 30d, 12h, 90m. A bare number is refused: nobody means "30" as milliseconds, and guessing days would hide a typo. */
export function durationArg(value: string): number {
  const v = value.trim();
  const m = /^([1-9][0-9]{0,6})(d|h|m)$/.exec(v);
  if (!m) throw new InvalidArgumentError(/^[0-9]+$/.test(v) ? `a duration needs its unit: ${v}d, ${v}h or ${v}m` : 'a duration: 30d, 12h or 90m');
  const n = Number(m[1]);
  return m[2] === 'd' ? n * DAY : m[2] === 'h' ? n * 3_600_000 : n * 60_000;
}

/** An expected fingerprint (spaces and case aside) or the whole key id matches the key. */
const matchesKey = (keyId: string, expected: string) => {
  const e = expected.replace(/\s/g, '').toLowerCase();
  return e.length >= 40 && keyId.startsWith(e);
};

/** A person's decision about a key: it matches --expect-fingerprint, or they confirm it at the terminal. */
async function decide(cli: Cli, keyId: string, expected: string | undefined, question: string): Promise<void> {
  if (expected !== undefined) {
    if (!matchesKey(keyId, expected)) throw cliError('FINGERPRINT_MISMATCH', { fingerprint: fingerprint(keyId), expected });
    return;
  }
  await confirmOrCancel(question);
}

function userLines(view: Awaited<ReturnType<typeof provenView>>): string[] {
  const lines = [`${view.username}: keys from the ledger, each with the inclusion proof of its transaction (head of block ${view.head.header.height})`];
  for (const k of view.keys.filter((x) => x.current)) lines.push(`  ${k.use} key ${fingerprint(k.keyId)}  registered in block ${k.registeredBy.entry.height} (entry ${k.registeredBy.entry.seq})`);
  for (const r of view.roles) lines.push(`  ${r.role} of ${r.org}${r.active ? '' : ' (revoked)'}${r.vouched ? '' : ' (keys not vouched)'}${r.assignedBy ? `, assigned in block ${r.assignedBy.entry.height}` : ''}`);
  return lines;
}

export async function lookupCommand(cli: Cli, username: string): Promise<Answer> {
  const rc = await readContext(cli);
  const view = await provenView(rc, username);
  const listed = await directory(rc.reads, username);
  const text = userLines(view);
  text.push(`records ${username} listed (${listed.length}):`);
  for (const e of listed) text.push(`  ${e.recordId}  v${e.version}  ${e.mediaType}  ${mib(e.size)}  ${time(e.createdAt)}  "${e.title}"`);
  return {
    json: { username, keys: view.keys.map((k) => ({ use: k.use, keyId: k.keyId, fingerprint: fingerprint(k.keyId), current: k.current })), roles: view.roles, records: listed },
    text,
  };
}

export async function requestCommand(cli: Cli, patient: string, o: { record?: string[]; all?: boolean; purpose: string; duration?: number }): Promise<Answer> {
  const duration = o.duration ?? DEFAULT_REQUEST_MS;
  if (!o.all && (!o.record || o.record.length === 0)) throw cliError('USAGE', { reason: 'name the records with --record ID (repeatable) or ask for --all' });
  const fc = await fullContext(cli);
  const r = await requestAccess(fc.ctx, { patient, records: o.all ? 'all' : o.record!, purpose: o.purpose, durationMs: duration });
  return {
    json: { requestId: r.txHash, patient, records: o.all ? 'all' : o.record, block: r.height },
    text: [`asked ${patient} for ${o.all ? 'all records' : o.record!.join(', ')} (${durationText(duration)}): request ${r.txHash} in block ${r.height}`],
  };
}

const allRequests = (rc: ReadContext, direction?: 'incoming' | 'outgoing') => requests(rc.reads, direction ? { direction } : {});

export async function requestsCommand(cli: Cli, o: { incoming?: boolean; outgoing?: boolean }): Promise<Answer> {
  const rc = await readContext(cli);
  const items = await allRequests(rc, o.incoming ? 'incoming' : o.outgoing ? 'outgoing' : undefined);
  const me = rc.identity.username;
  const text = [`access requests (${items.length}):`];
  for (const r of items) {
    text.push(`  ${r.requestId}  ${r.status.padEnd(9)} ${r.doctor === me ? `to ${r.patient}` : `from ${r.doctor}`}  ${r.records === 'all' ? 'all records' : r.records.join(', ')}  ${durationShort(r.durationMs)}  ${time(r.createdAt)}`);
    text.push(`      purpose: ${r.purpose}`);
  }
  return { json: { items }, text };
}

async function findRequest(rc: ReadContext, requestId: string) {
  const r = (await allRequests(rc)).find((x) => x.requestId === requestId);
  if (!r) throw cliError('USAGE', { reason: `no request ${requestId} to or from you` });
  return r;
}

export async function closeCommand(cli: Cli, requestId: string, as: 'patient' | 'doctor'): Promise<Answer> {
  const fc = await fullContext(cli);
  const r = await findRequest(fc, requestId);
  const tx = await closeRequest(fc.ctx, r);
  const what = as === 'patient' ? 'denied' : 'withdrew';
  return { json: { requestId, status: as === 'patient' ? 'denied' : 'withdrawn', block: tx.height }, text: [`${what} request ${requestId} (${r.doctor} → ${r.patient}) in block ${tx.height}`] };
}

export async function approveCommand(cli: Cli, requestId: string, o: { expectFingerprint?: string; expires?: number; scope?: string[] }): Promise<Answer> {
  const fc = await fullContext(cli);
  const r = await findRequest(fc, requestId);
  if (r.patient !== fc.identity.username) throw cliError('USAGE', { reason: 'only the patient approves a request' });
  if (r.status !== 'pending') throw cliError('USAGE', { reason: `the request is ${r.status}, not pending` });
  // The doctor's enc key from the ledger, proven, with the active doctor role vouching for it: what the patient decides about.
  const doctor = await provenKey(fc.ctx, fc.reads, r.doctor, 'enc', { role: 'doctor' });
  for (const line of userLines(await provenView(fc, r.doctor))) cli.say(line);
  cli.say(`purpose: ${r.purpose}`);
  const scopes = (o.scope && o.scope.length > 0 ? o.scope : ['read']) as ('read' | 'contribute')[];
  const what = scopes.includes('read') ? (r.records === 'all' ? 'all your records' : `${r.records.length} record(s)`) : 'your chart';
  await decide(cli, doctor.keyId, o.expectFingerprint, `Grant ${r.doctor} (enc key ${doctor.fingerprint}) ${scopes.join(' and ')} access to ${what}?`);
  const expiresAt = cli.now() + (o.expires ?? r.durationMs);
  // Wrapped for exactly the key the patient decided about (a key changed since makes the contract refuse the grant).
  const granted = await approveRequest(fc.ctx, fc.reads, r, { scopes, expiresAt, grantee: doctor });
  const records = granted.keys.map((k) => k.recordId);
  return {
    json: { requestId, grantId: granted.txHash, grantee: r.doctor, encKeyId: doctor.keyId, scopes, records, expiresAt, block: granted.height },
    text: [`granted ${r.doctor} ${scopes.join(' and ')} on ${records.length > 0 ? records.join(', ') : 'your chart'} until ${time(expiresAt)}: the data key re-wrapped here for key ${doctor.fingerprint}; grant ${granted.txHash} in block ${granted.height}`],
  };
}

/** One's own record decrypted into a temporary file and offered again as content (a re-key seals it under a fresh key). */
async function decryptedCopy(fc: FullContext, recordId: string, dir: string) {
  const record = await fc.reads.record(recordId);
  const file = join(dir, `.dhl-rekey-${process.pid}-${recordId.slice(0, 8)}`);
  const out = createWriteStream(file, { mode: 0o600 });
  const read = await readFromLedger(fc.ctx, fc.reads, recordId, record.latestVersion, async (bytes) => {
    if (!out.write(bytes)) await once(out, 'drain');
  });
  out.end();
  await once(out, 'finish');
  const m = read.verified.manifest;
  return {
    file,
    content: {
      title: m.title, mediaType: m.mediaType, fileName: read.opened.fileName, contentSize: statSync(file).size, chunkSize: m.chunkSize,
      content: (): ByteSource => createReadStream(file) as AsyncIterable<Uint8Array> as ByteSource,
    },
  };
}

export async function revokeCommand(cli: Cli, doctor: string, o: { record?: string[]; rekey?: boolean }): Promise<Answer> {
  const fc = await fullContext(cli);
  const named = o.record && o.record.length > 0 ? o.record : undefined;
  if (o.rekey) {
    // Revoke and re-key each record: decrypted here, sealed again under a fresh key as a new version not wrapped for the doctor.
    let ids = named;
    if (!ids) {
      const granted = new Set<string>();
      for await (const g of allPages((after) => fc.reads.grants({ direction: 'issued', status: 'active', ...(after ? { after } : {}) }))) {
        if (g.grantee === doctor) for (const id of g.records) granted.add(id);
      }
      ids = [...granted];
    }
    if (ids.length === 0) throw cliError('USAGE', { reason: `no active grant of yours to ${doctor} to revoke and re-key` });
    const versions = [];
    for (const recordId of ids) {
      const copy = await decryptedCopy(fc, recordId, cli.keystore.ensureDir());
      try {
        const done = await revokeAndRekeyFromLedger(fc.ctx, fc.reads, doctor, recordId, copy.content);
        versions.push({ recordId, version: done.version.version, block: done.version.result.height });
      } finally {
        rmSync(copy.file, { force: true });
      }
    }
    return {
      json: { grantee: doctor, records: ids, rekey: true, versions },
      text: [
        `revoked ${doctor}'s access to ${ids.join(', ')} and re-keyed: ${versions.map((v) => `${v.recordId} v${v.version} (block ${v.block})`).join(', ')}, under fresh keys not wrapped for ${doctor}.`,
        `What revoke cannot undo: whatever ${doctor} already downloaded and decrypted, they may have kept. The old versions' ciphertext stays until it is erased.`,
      ],
    };
  }
  const tx = await revoke(fc.ctx, doctor, named);
  const text = [
    `revoked ${doctor}'s access${named ? ` to ${named.join(', ')}` : ''} in block ${tx.height}: no node releases the ciphertext to ${doctor} again, and no later version is wrapped for them.`,
    `What revoke cannot undo: whatever ${doctor} already downloaded and decrypted, they may have kept.`,
  ];
  text.push(`To also re-encrypt under fresh keys that ${doctor} never gets: dhl revoke ${doctor} --rekey.`);
  return { json: { grantee: doctor, records: named ?? 'all', rekey: false, block: tx.height, txHash: tx.txHash }, text };
}

export async function auditCommand(cli: Cli, o: { record?: string }): Promise<Answer> {
  const rc = await readContext(cli);
  const items = await auditTrail(rc.reads, o.record ? { record: o.record } : { user: rc.identity.username });
  const text = [`audit trail of ${o.record ? `record ${o.record}` : rc.identity.username} (${items.length} entries, newest first):`];
  for (const e of items) {
    const body = (e.tx.body ?? {}) as Record<string, unknown>;
    const manifest = body.manifest as { recordId?: unknown } | undefined;
    if (typeof manifest?.recordId === 'string') body.recordId = manifest.recordId;
    const about = typeof body.recordId === 'string' ? ` record ${body.recordId}` : typeof body.grantee === 'string' ? ` grantee ${body.grantee}` : typeof body.patient === 'string' ? ` patient ${body.patient}` : '';
    text.push(`  block ${String(e.height).padStart(4)}  ${time(e.time)}  ${e.tx.header.actor.padEnd(10)} ${e.tx.header.type.padEnd(16)} ${e.outcome.padEnd(18)}${about}${e.grantId ? ` under grant ${e.grantId.slice(0, 16)}…` : ''}`);
  }
  return { json: { items }, text };
}

export async function notificationsCommand(cli: Cli): Promise<Answer> {
  const rc = await readContext(cli);
  const page = await notifications(rc.reads);
  const text = [`notifications (${page.items.length}):`];
  for (const n of page.items) text.push(`  ${time(n.time)}  ${n.kind.padEnd(16)} ${n.actor} (key ${n.actorFingerprint})  ${n.outcome}${n.recordId ? ` record ${n.recordId}` : ''}`);
  if (page.failedLogins.count > 0) text.push(`${page.failedLogins.count} failed login(s) since your last login`);
  return { json: page, text };
}

function refusalKindArg(value: string): RefusalKindName {
  if (!(REFUSAL_KINDS as readonly string[]).includes(value)) throw new InvalidArgumentError(REFUSAL_KINDS.join(', '));
  return value as RefusalKindName;
}

/** `dhl admin refusals`: one page of the node's refused actions of one kind, newest first (for the admins of the node's organisation). */
export async function refusalsCommand(cli: Cli, o: { kind: RefusalKindName; after?: string; limit?: number }): Promise<Answer> {
  const rc = await readContext(cli);
  const page = await rc.reads.refusals(o.kind, { ...(o.after ? { after: o.after } : {}), ...(o.limit ? { limit: o.limit } : {}) });
  const text = [`${o.kind} (${page.items.length}${page.next ? ', more with --after ' + page.next : ''}):`];
  for (const r of page.items) {
    if (r.kind === 'refused-tx') text.push(`  ${time(r.time)}  ${r.actor} (key ${r.actorFingerprint})  ${r.type.padEnd(16)} ${r.outcome}${r.recordId ? ` record ${r.recordId}` : ''}`);
    else if (r.kind === 'rate-limit') text.push(`  ${time(r.time)}  ${r.client.padEnd(16)} ${r.route}${r.username ? ` (${r.username})` : ''}`);
    else text.push(`  ${time(r.time)}  ${r.username.padEnd(16)} wrong ${r.slot}`);
  }
  return { json: page, text };
}

async function myAdminOrg(rc: ReadContext, org?: string): Promise<string> {
  if (org) return org;
  const me = await provenView(rc, rc.identity.username);
  const admin = me.roles.find((r) => r.role === 'admin' && r.active && r.vouched);
  if (!admin) throw cliError('USAGE', { reason: 'you hold no active admin role: give --org, or ask an admin' });
  return admin.org;
}

export async function enrolCommand(cli: Cli, username: string, o: { role: 'doctor' | 'admin'; org?: string; expectFingerprint?: string }): Promise<Answer> {
  const fc = await fullContext(cli);
  const org = await myAdminOrg(fc, o.org);
  const sig = await provenKey(fc.ctx, fc.reads, username, 'sig');
  const enc = await provenKey(fc.ctx, fc.reads, username, 'enc');
  for (const line of userLines(await provenView(fc, username))) cli.say(line);
  await decide(cli, sig.keyId, o.expectFingerprint, `Vouch for ${username}'s keys (sig ${sig.fingerprint}, enc ${enc.fingerprint}) as ${o.role} of ${org}? Compare with the fingerprints ${username} shows (dhl whoami).`);
  const tx = await submitOk(fc.ctx, 'AssignRole', { username, role: o.role, org, sigKeyId: sig.keyId, encKeyId: enc.keyId });
  return { json: { username, role: o.role, org, sigKeyId: sig.keyId, encKeyId: enc.keyId, block: tx.height }, text: [`${username} is ${o.role} of ${org}, keys sig ${sig.fingerprint} (AssignRole in block ${tx.height})`] };
}

export async function revokeRoleCommand(cli: Cli, username: string, o: { role: 'doctor' | 'admin'; org?: string }): Promise<Answer> {
  const fc = await fullContext(cli);
  const org = await myAdminOrg(fc, o.org);
  const tx = await revokeRole(fc.ctx, fc.reads, { username, role: o.role, org });
  return {
    json: { username, role: o.role, org, block: tx.height },
    text: [`${username} is no longer ${o.role} of ${org} (block ${tx.height}): every grant issued to them in that term is void for good`],
  };
}

const collect = (value: string, previous: string[] = []) => [...previous, value];
function limitArg(value: string): number {
  const n = Number(value);
  if (!/^[1-9][0-9]{0,2}$/.test(value) || n > 200) throw new InvalidArgumentError('a number from 1 to 200');
  return n;
}
function roleArg(value: string): 'doctor' | 'admin' {
  if (value !== 'doctor' && value !== 'admin') throw new InvalidArgumentError('doctor or admin');
  return value;
}
function scopeArg(value: string, previous: string[] = []): string[] {
  if (value !== 'read' && value !== 'contribute') throw new InvalidArgumentError('read or contribute');
  return [...previous, value];
}

export function addAccessCommands(program: Command, action: Action): void {
  program.command('lookup').description("a user's keys and roles from the ledger, each with its proof, and the records they listed").argument('<user>', 'exact username')
    .action(action((cli, user: string) => lookupCommand(cli, user)));

  program.command('request').description("ask a patient for access (as a doctor)").argument('<patient>', 'the patient')
    .option('--record <id>', 'a record (repeatable)', collect)
    .option('--all', 'all of the patient\'s records')
    .requiredOption('--purpose <text>', 'why you ask')
    .option('--duration <d>', 'how long you ask for: 30d, 12h (default 30d)', durationArg)
    .action(action((cli, patient: string, o: { record?: string[]; all?: boolean; purpose: string; duration?: number }) => requestCommand(cli, patient, o)));

  program.command('requests').description('access requests to you (as a patient) and by you (as a doctor), with their status')
    .option('--incoming', 'only requests to you').option('--outgoing', 'only requests by you')
    .action(action((cli, o: { incoming?: boolean; outgoing?: boolean }) => requestsCommand(cli, o)));

  program.command('withdraw').description('withdraw a pending request of yours (as a doctor)').argument('<request>', 'request id')
    .action(action((cli, id: string) => closeCommand(cli, id, 'doctor')));
  program.command('deny').description('deny a pending request to you (as a patient)').argument('<request>', 'request id')
    .action(action((cli, id: string) => closeCommand(cli, id, 'patient')));

  program.command('approve').description("grant a request: shows the doctor's key fingerprint from the ledger with its proof, asks to confirm, re-wraps each record's data key for that key")
    .argument('<request>', 'request id')
    .option('--expect-fingerprint <fp>', "the doctor's enc key fingerprint, compared instead of asking (scripts)")
    .option('--expires <d>', 'how long the grant lasts (default: what the doctor asked for)', durationArg)
    .option('--scope <scope>', 'read or contribute (repeatable; default read)', scopeArg)
    .action(action((cli, id: string, o: { expectFingerprint?: string; expires?: number; scope?: string[] }) => approveCommand(cli, id, o)));

  program.command('revoke').description("revoke a doctor's access (what it cannot undo is said plainly)").argument('<doctor>', 'the grantee')
    .option('--record <id>', 'only this record (repeatable; default all)', collect)
    .option('--rekey', 'also re-encrypt each record here under a fresh data key, as a new version not wrapped for them')
    .action(action((cli, doctor: string, o: { record?: string[]; rekey?: boolean }) => revokeCommand(cli, doctor, o)));

  program.command('audit').description('who did what with your data, when, under which grant: every event, refused ones included')
    .option('--record <id>', 'the trail of one record')
    .action(action((cli, o: { record?: string }) => auditCommand(cli, o)));

  program.command('notifications').description('requests that arrived, grants used, reads refused (ids and key fingerprints only)')
    .action(action((cli) => notificationsCommand(cli)));

  const admin = program.commands.find((c) => c.name() === 'admin') ?? program.command('admin').description('admin and operator commands');
  admin.command('enrol').description("vouch for a user's keys in a role (default doctor): the fingerprint from the ledger is shown and confirmed")
    .argument('<user>', 'the user')
    .option('--role <role>', 'doctor or admin', roleArg, 'doctor')
    .option('--org <org>', 'default: your own')
    .option('--expect-fingerprint <fp>', "the user's sig key fingerprint, compared instead of asking (scripts)")
    .action(action((cli, user: string, o: { role: 'doctor' | 'admin'; org?: string; expectFingerprint?: string }) => enrolCommand(cli, user, o)));
  admin.command('refusals').description("refused actions across this node, newest first: transactions the ledger refused, rate-limit trips, failed logins per account (ids, names, codes; never content)")
    .option('--kind <kind>', REFUSAL_KINDS.join(', '), refusalKindArg, 'refused-tx')
    .option('--after <cursor>', "the previous page's next")
    .option('--limit <n>', 'items (1 to 200)', limitArg)
    .action(action((cli, o: { kind: RefusalKindName; after?: string; limit?: number }) => refusalsCommand(cli, o)));
  admin.command('revoke-role').description("end a user's role: grants issued to them in that term are void for good").argument('<user>', 'the user')
    .option('--role <role>', 'doctor or admin', roleArg, 'doctor')
    .option('--org <org>', 'default: your own')
    .action(action((cli, user: string, o: { role: 'doctor' | 'admin'; org?: string }) => revokeRoleCommand(cli, user, o)));
}
