/**
 * A doctor adds a record to a patient's chart (DESIGN §1, a contribute
 * grant): the patients whose active grants to this doctor include
 * "contribute", then the upload form; the file is sealed in this page for
 * the patient's encryption key as the ledger proves it, and the doctor's own
 * (src/client/flows: contribute). The record is the patient's.
 */
import { Select, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { allPages, contribute } from '../../../../src/client/index.ts';
import { Empty, ErrorState, Loading } from '../../components/States.tsx';
import { UploadForm, type Target } from '../../records/UploadPage.tsx';
import type { Unlocked } from '../../session/keyring.ts';
import { readsOf } from '../../session/ledger.ts';

/** Patients who granted this doctor "contribute", still active. */
async function contributable(unlocked: Unlocked): Promise<string[]> {
  const patients = new Set<string>();
  const reads = readsOf(unlocked);
  for await (const g of allPages((after) => reads.grants({ direction: 'received', status: 'active', after }))) {
    if (g.scopes.includes('contribute')) patients.add(g.grantor);
  }
  return [...patients].sort();
}

export default function ContributePage({ unlocked }: { unlocked: Unlocked }) {
  const patients = useQuery({ queryKey: ['grants', 'received', 'contribute'], queryFn: () => contributable(unlocked) });
  const [patient, setPatient] = useState<string | null>(null);
  const target = (p: string): Target => ({
    heading: `Add a record to ${p}’s chart`,
    headingOrder: 2,
    intro: `Sealed in this browser for ${p}’s encryption key, as the ledger proves it, and yours. The record is ${p}’s: they see it in their records and decide who else may open it.`,
    listable: false,
    resumeScope: `:chart-of:${p}`,
    send: (ctx, content) => contribute(ctx, readsOf(unlocked), p, content),
    doneNote: () => ` in ${p}’s chart`,
    refresh: [['grants']],
  });
  return (
    <Stack>
      <Title order={1} size="h2">
        Add to a patient’s chart
      </Title>
      {patients.isPending ? <Loading label="Loading the patients who let you add records…" /> : null}
      {patients.error ? <ErrorState error={patients.error} title="Could not load your grants" retry={() => void patients.refetch()} /> : null}
      {patients.data && patients.data.length === 0 ? <Empty>No patient has let you add records to their chart. A patient grants “add records to my chart” when approving your request.</Empty> : null}
      {patients.data && patients.data.length > 0 ? (
        <>
          <Text size="sm">You may add records to the charts of the patients below, while their grant lasts.</Text>
          <Select label="Patient" placeholder="Choose a patient" data={patients.data} value={patient} onChange={setPatient} maw={360} />
        </>
      ) : null}
      {patient ? <UploadForm key={patient} unlocked={unlocked} target={target(patient)} /> : null}
    </Stack>
  );
}
