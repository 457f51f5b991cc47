/**
 * "Digital Signature Verification" (DESIGN §1 step 5): the record's title,
 * owner, author and the author's key fingerprint with the transactions that
 * prove the key is theirs, the block and its hash, and each check shown
 * passing or failing. Opening it is itself a ledgered read (RecordRead):
 * the ciphertext is downloaded, checked against the manifest's cipherRoot
 * and decrypted here; a ciphertext excerpt is shown, and the content viewed
 * (a sandboxed frame, or pdf.js for a PDF) or saved to disk.
 */
import { Alert, Badge, Button, Code, Group, List, Paper, Stack, Table, Text, ThemeIcon, Title } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { readFromLedger, toHex, verifyRecord } from '../../../src/client/index.ts';
import { Fingerprint } from '../components/Fingerprint.tsx';
import { ErrorState, Loading } from '../components/States.tsx';
import { UserKeys } from '../components/UserKeys.tsx';
import { messageOf } from '../errors.ts';
import { bytes, date } from '../format.ts';
import type { Unlocked } from '../session/keyring.ts';
import { ctxOf, readsOf } from '../session/ledger.ts';
import { useUser } from '../session/use-me.ts';
import { checksOf, type Check } from './checks.ts';
import { RecordView } from './RecordFrame.tsx';
import { saveToDisk } from './save.ts';
import { viewAs } from './view-types.ts';

const EXCERPT_BYTES = 48;

export default function VerifyPage({ unlocked }: { unlocked: Unlocked }) {
  const { recordId = '' } = useParams();
  const ctx = ctxOf(unlocked);
  const reads = readsOf(unlocked);
  const record = useQuery({ queryKey: ['record', recordId], queryFn: () => reads.record(recordId) });
  const latest = record.data?.latestVersion;
  const verified = useQuery({
    queryKey: ['verify', recordId, latest],
    enabled: latest !== undefined,
    retry: false,
    // Every visit checks anew: a result kept from an earlier visit would show checks this answer never passed.
    gcTime: 0,
    queryFn: async () => {
      const before = (await ctx.heads.latest())?.header.treeSize;
      try {
        const v = await verifyRecord(ctx, reads, recordId, latest!);
        const size = v.head.header.treeSize;
        return {
          v,
          checks: checksOf({
            head: before === undefined
              ? `the first head this browser keeps for this ledger (tree size ${size}), signed by a node of the genesis`
              : `signed by a node of the genesis, and the ledger of ${size} entries extends the one of ${before} this browser kept (consistency proof, RFC 9162 §2.1.4)`,
            inclusion: `the AddRecord is entry of block ${v.height}, accepted, in the tree of ${size} entries (RFC 9162 §2.1.3)`,
            'author-key': `${v.author.username}'s signing key in the ledger, proven under the head`,
            'manifest-signature': `RSA-PSS over the manifest (title, type, size, cipherRoot, …) verifies under ${v.author.username}'s key`,
            block: `block ${v.height} holds the entry; its hash is computed here`,
          }),
        };
      } catch (err) {
        return { checks: checksOf({}, { err }) };
      }
    },
  });

  if (record.isPending) return <Loading label="Loading the record…" />;
  if (record.error) return <ErrorState error={record.error} title="Could not load the record" retry={() => void record.refetch()} />;
  if (verified.isPending) return <Loading label="Checking the record's proofs…" />;
  if (verified.error) return <ErrorState error={verified.error} title="Could not check the record" retry={() => void verified.refetch()} />;

  const { checks } = verified.data;
  const v = 'v' in verified.data ? verified.data.v : undefined;
  const m = v?.manifest ?? record.data.versions.at(-1)?.manifest;
  const allOk = checks.every((c) => c.state === 'passes');
  return (
    <Stack>
      <Title order={1} size="h2">
        Verify “{m?.title}”
      </Title>
      <Alert color={allOk ? 'teal' : 'red'} title={allOk ? 'Every check passed' : 'A check failed: do not rely on this record'} role={allOk ? 'status' : 'alert'} data-testid="verify-summary">
        {allOk ? 'The ledger proves who wrote this record and when, and the content is bound to the signed manifest.' : 'See which check failed below. Nothing was opened.'}
      </Alert>
      {m ? (
        <Paper withBorder p="md">
          <Table aria-label="the record" variant="vertical">
            <Table.Tbody>
              <Row label="Title">{m.title}</Row>
              <Row label="Owner">{m.patient}</Row>
              <Row label="Author">{m.author}</Row>
              <Row label="Author's key fingerprint">
                {v ? (
                  <Fingerprint keyId={v.author.keyId} label="author's signing key" />
                ) : (
                  <>
                    <Fingerprint keyId={m.authorKeyId} label="claimed signing key" /> <Text span size="sm" c="red">not proven</Text>
                  </>
                )}
              </Row>
              <Row label="Type, size">
                {m.mediaType}, {bytes(m.size)}
              </Row>
              <Row label="Created">{date(m.createdAt)}</Row>
              <Row label="Version">
                {m.version} of {record.data.latestVersion}
              </Row>
              {v ? (
                <Row label="Block">
                  {v.height}: <Code data-testid="block-hash">{v.blockHash}</Code>
                </Row>
              ) : null}
              <Row label="Ciphertext root">
                <Code>{m.cipherRoot}</Code>
              </Row>
            </Table.Tbody>
          </Table>
        </Paper>
      ) : null}
      <Paper withBorder p="md">
        <Title order={2} size="h4" mb="sm">
          Checks
        </Title>
        <List spacing="sm" listStyleType="none" aria-label="checks">
          {checks.map((c) => (
            <CheckItem key={c.id} check={c} />
          ))}
        </List>
      </Paper>
      {m ? <AuthorProof unlocked={unlocked} author={m.author} /> : null}
      {v && allOk ? <OpenRecord unlocked={unlocked} recordId={recordId} version={v.version} title={v.manifest.title} owner={v.manifest.patient} mediaType={v.manifest.mediaType} size={v.manifest.size} /> : null}
    </Stack>
  );
}

function AuthorProof({ unlocked, author }: { unlocked: Unlocked; author: string }) {
  const view = useUser(unlocked, author);
  return (
    <Paper withBorder p="md">
      <Title order={2} size="h4" mb="sm">
        Why the key is {author}’s
      </Title>
      {view.isPending ? <Loading label="Loading the proofs…" /> : null}
      {view.error ? <ErrorState error={view.error} title={`Could not prove ${author}'s keys`} /> : null}
      {view.data ? <UserKeys view={view.data} /> : null}
    </Paper>
  );
}

function OpenRecord(o: { unlocked: Unlocked; recordId: string; version: number; title: string; owner: string; mediaType: string; size: number }) {
  const ctx = ctxOf(o.unlocked);
  const reads = readsOf(o.unlocked);
  const view = viewAs(o.mediaType);
  const excerptOf = async () => {
    // The stored bytes after the envelope's header (a 4-byte length, then the header): the start of the first sealed chunk.
    const parts: Uint8Array[] = [];
    let have = 0;
    for await (const piece of ctx.files.ciphertext(o.recordId, o.version, { rangeBytes: 4096 })) {
      parts.push(piece);
      have += piece.length;
      if (have >= 4096 || have >= o.size) break;
    }
    const all = new Uint8Array(have);
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    const headerEnd = 4 + new DataView(all.buffer).getUint32(0);
    return toHex(all.subarray(headerEnd, headerEnd + EXCERPT_BYTES));
  };
  const open = useMutation({
    mutationFn: async () => {
      const parts: Uint8Array<ArrayBuffer>[] = [];
      const read = await readFromLedger(ctx, reads, o.recordId, o.version, (chunk) => {
        parts.push(new Uint8Array(chunk));
      });
      return { content: new Blob(parts), receipt: read.receipt, excerpt: await excerptOf() };
    },
  });
  const save = useMutation({
    mutationFn: async () => {
      let read: Awaited<ReturnType<typeof readFromLedger>> | undefined;
      const method = await saveToDisk({
        suggestedName: o.title,
        fileName: () => read?.opened.fileName || o.title,
        size: o.size,
        produce: async (sink) => {
          read = await readFromLedger(ctx, reads, o.recordId, o.version, sink);
        },
      });
      if (method === 'cancelled') return null;
      const receipt = read!.receipt;
      return { method, receipt, excerpt: await excerptOf() };
    },
  });
  const done = open.data ?? save.data;
  return (
    <Paper withBorder p="md">
      <Stack>
        <Title order={2} size="h4">
          Open the record
        </Title>
        <Text size="sm">
          Opening it records your read in the ledger: {o.owner === o.unlocked.username ? 'your audit trail shows it' : `${o.owner} sees who read it and when`}. It is decrypted in this browser
          only.
        </Text>
        <Group>
          {view.kind !== 'save-only' ? (
            <Button onClick={() => open.mutate()} loading={open.isPending} disabled={save.isPending}>
              Open and view
            </Button>
          ) : null}
          <Button variant={view.kind !== 'save-only' ? 'default' : 'filled'} onClick={() => save.mutate()} loading={save.isPending} disabled={open.isPending}>
            Save to disk
          </Button>
        </Group>
        {view.kind === 'save-only' ? <Text size="sm">{view.reason}</Text> : null}
        {open.error || save.error ? (
          <Alert color="red" role="alert" title="Not opened">
            {messageOf(open.error ?? save.error)}
          </Alert>
        ) : null}
        {done ? (
          <Text size="sm" data-testid="read-receipt">
            Your read is recorded in block {done.receipt.height}. Ciphertext excerpt (after the envelope header): <Code data-testid="ciphertext-excerpt">{done.excerpt}</Code>
          </Text>
        ) : null}
        {save.data ? <Text size="sm">Saved ({save.data.method === 'memory' ? 'through the browser’s downloads' : save.data.method === 'picker' ? 'to the file you chose' : 'through the browser’s downloads, from disk'}).</Text> : null}
        {open.data && view.kind !== 'save-only' ? <RecordView content={open.data.content} view={view} title={o.title} /> : null}
      </Stack>
    </Paper>
  );
}

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <Table.Tr>
      <Table.Th scope="row" w={220}>
        {label}
      </Table.Th>
      <Table.Td>{children}</Table.Td>
    </Table.Tr>
  );
}

function CheckItem({ check }: { check: Check }) {
  const color = check.state === 'passes' ? 'teal' : check.state === 'fails' ? 'red' : 'gray';
  return (
    <List.Item data-check={check.id} data-state={check.state}>
      <Group gap="sm" wrap="nowrap" align="flex-start">
        <ThemeIcon color={color} size="sm" radius="xl" aria-hidden>
          {check.state === 'passes' ? '✓' : check.state === 'fails' ? '✗' : '–'}
        </ThemeIcon>
        <div>
          <Group gap="xs">
            <Text fw={600}>{check.name}</Text>
            <Badge color={color} variant="light">
              {check.state}
            </Badge>
          </Group>
          <Text size="sm">{check.detail}</Text>
        </div>
      </Group>
    </List.Item>
  );
}
