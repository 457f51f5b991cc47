/**
 * "Uploading EHR" (DESIGN §1 step 2): the file is encrypted in this page and
 * only its ciphertext goes to the node, in chunks; the title the patient
 * types (never the file name, which travels sealed inside the envelope) and
 * the type, size and date are the record's public metadata; "list for
 * doctors" puts it in the directory. Progress, cancel, and resume: choosing
 * the same file again after a cancel or a reload continues where the upload
 * stopped (its resume state is in IndexedDB, its data key wrapped for the
 * user's own key). The same form adds a new version of one of the
 * patient's records (/records/:recordId/new-version): sealed under a fresh
 * data key, wrapped for the owner and every doctor whose read grant on the
 * record still stands (src/client/flows: addVersion); and a doctor adds a
 * record to a patient's chart under a contribute grant (ContributePage,
 * src/client/flows: contribute).
 */
import { Alert, Button, Checkbox, FileButton, Group, Paper, Progress, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type DragEvent, type ReactNode } from 'react';
import { Link, useLocation, useParams } from 'react-router';
import { addVersion, setListing, uploadRecord, type ClientContext, type UploadInput, type UploadResume } from '../../../src/client/index.ts';
import { messageOf, codeOf } from '../errors.ts';
import { bytes, date } from '../format.ts';
import { IdbResumeStore, resumeKeyOf } from '../session/browser-stores.ts';
import { ctxOf, readsOf } from '../session/ledger.ts';
import type { Unlocked } from '../session/keyring.ts';
import { ErrorState, Loading } from '../components/States.tsx';
import { fileSource } from './file-source.ts';

const resumes = new IdbResumeStore<UploadResume>();

/** A new visit (the menu's link, also from this page) is a new, empty form. */
export default function UploadPage({ unlocked }: { unlocked: Unlocked }) {
  const key = useLocation().key;
  const { recordId } = useParams();
  return recordId ? <NewVersion key={key} unlocked={unlocked} recordId={recordId} /> : <UploadForm key={key} unlocked={unlocked} target={newRecord(unlocked)} />;
}

type Content = Pick<UploadInput, 'title' | 'mediaType' | 'fileName' | 'content' | 'contentSize' | 'resume' | 'signal'>;
type Sent = Awaited<ReturnType<typeof uploadRecord>>;

/** Where the form's file goes: a new record of one's own, a new version of one, or a record in a patient's chart. */
export interface Target {
  heading: string;
  /** 2 when the form sits under a page's own heading. */
  headingOrder?: 1 | 2;
  intro?: ReactNode;
  initialTitle?: string;
  /** Offers "list for doctors" (one's own new records only). */
  listable: boolean;
  /** Tells this target's resume state apart from another's for the same file. */
  resumeScope: string;
  send(ctx: ClientContext, content: Content, listed: boolean): Promise<Sent>;
  /** Said after "recorded in block N". */
  doneNote(sent: Sent): string;
  /** What to read again once it is sent. */
  refresh: string[][];
}

const newRecord = (unlocked: Unlocked): Target => ({
  heading: 'Upload a record',
  listable: true,
  resumeScope: '',
  async send(ctx, content, listed) {
    const uploaded = await uploadRecord(ctx, content);
    if (listed) await setListing(ctx, uploaded.recordId, true);
    return uploaded;
  },
  doneNote: () => '',
  refresh: [['directory', unlocked.username]],
});

function NewVersion({ unlocked, recordId }: { unlocked: Unlocked; recordId: string }) {
  const record = useQuery({ queryKey: ['record', recordId], queryFn: () => readsOf(unlocked).record(recordId) });
  if (record.isPending) return <Loading label="Loading the record…" />;
  if (record.error) return <ErrorState error={record.error} title="Could not load the record" retry={() => void record.refetch()} />;
  const title = record.data.versions.at(-1)?.manifest.title ?? '';
  const latest = record.data.latestVersion;
  const target: Target = {
    heading: `A new version of “${title}”`,
    intro: `Version ${latest + 1}, sealed under a new key for you and the doctors whose grants on this record still stand. Version ${latest} stays as it is.`,
    initialTitle: title,
    listable: false,
    // The same file may be this record's first version too.
    resumeScope: `:version-of:${recordId}`,
    send: (ctx, content) => addVersion(ctx, readsOf(unlocked), recordId, content),
    doneNote: (sent) => ` as version ${sent.version}`,
    refresh: [['directory', unlocked.username], ['record', recordId]],
  };
  return <UploadForm unlocked={unlocked} target={target} />;
}

export function UploadForm({ unlocked, target }: { unlocked: Unlocked; target: Target }) {
  const [file, setFile] = useState<File | undefined>();
  const [title, setTitle] = useState(target.initialTitle ?? '');
  const [listed, setListed] = useState(false);
  const [done, setDone] = useState(0);
  const [dragging, setDragging] = useState(false);
  const [shown, setShown] = useState(false);
  const abort = useRef<AbortController | undefined>(undefined);
  const queryClient = useQueryClient();
  // Leaving the page stops an upload under way; choosing the file again continues it.
  useEffect(() => () => abort.current?.abort(), []);

  const resumeKey = useQuery({ queryKey: ['resume-key', file?.name, file?.size, file?.lastModified], enabled: file !== undefined, queryFn: () => resumeKeyOf(unlocked.username, file!) });
  const pending = useQuery({ queryKey: ['resume', resumeKey.data], enabled: resumeKey.data !== undefined, queryFn: async () => (await resumes.get(resumeKey.data!)) ?? null });

  const upload = useMutation({
    mutationFn: async () => {
      const controller = new AbortController();
      abort.current = controller;
      const ctx = ctxOf(unlocked);
      const content = {
        title: title.trim(),
        mediaType: file!.type || 'application/octet-stream',
        fileName: file!.name,
        content: fileSource(file!, setDone),
        contentSize: file!.size,
        resume: { store: resumes, key: `${resumeKey.data!}${target.resumeScope}` },
        signal: controller.signal,
      };
      return target.send(ctx, content, target.listable && listed);
    },
    onSuccess: () => {
      for (const queryKey of target.refresh) void queryClient.invalidateQueries({ queryKey });
    },
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['resume'] }),
  });

  const choose = (f: File | null | undefined) => {
    if (!f) return;
    upload.reset();
    setDone(0);
    setFile(f);
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    choose(e.dataTransfer.files[0]);
  };
  const titleError = title.trim() === '' ? 'Give the record a title: it is what you and the doctors you list it for see.' : undefined;
  const cancelled = upload.isError && (codeOf(upload.error) === 'TRANSFER_INTERRUPTED' || abort.current?.signal.aborted);

  if (upload.isSuccess) {
    return (
      <Alert color="teal" title="Uploaded" role="status">
        <Stack gap="xs">
          <Text>
            “{title.trim()}” is encrypted on the node and recorded in block {upload.data.result.height}
            {target.doneNote(upload.data)}
            {listed ? ', and listed for doctors' : ''}.
          </Text>
          <Group>
            <Button component={Link} to="/records" variant="light">
              My records
            </Button>
            <Button
              variant="default"
              onClick={() => {
                upload.reset();
                setFile(undefined);
                setTitle('');
                setListed(false);
              }}
            >
              Upload another
            </Button>
          </Group>
        </Stack>
      </Alert>
    );
  }

  return (
    <Stack>
      <Title order={target.headingOrder ?? 1} size={target.headingOrder === 2 ? 'h3' : 'h2'}>
        {target.heading}
      </Title>
      {target.intro ? (
        <Text size="sm" c="dimmed">
          {target.intro}
        </Text>
      ) : null}
      <Paper withBorder p="md">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setShown(true);
            if (file && !titleError && resumeKey.data) upload.mutate();
          }}
        >
          <Stack>
            <div
              className={dragging ? 'dhl-drop dhl-drop-active' : 'dhl-drop'}
              onDragOver={(e) => {
                e.preventDefault();
                setDragging(true);
              }}
              onDragLeave={() => setDragging(false)}
              onDrop={onDrop}
              data-testid="drop-zone"
            >
              <Stack align="center" gap="xs">
                <Text>Drop a file here (text, PDF, images, imaging studies of any size), or</Text>
                <FileButton onChange={choose}>
                  {(props) => (
                    <Button {...props} variant="light">
                      Choose a file
                    </Button>
                  )}
                </FileButton>
                {file ? (
                  <Text size="sm" data-testid="chosen-file">
                    {file.name} · {bytes(file.size)} · {file.type || 'unknown type'}
                  </Text>
                ) : null}
              </Stack>
            </div>
            {pending.data ? (
              <Alert color="blue" role="status" title="This upload continues">
                An upload of this file started {date(pending.data.startedAt)} and was interrupted: only what the node does not hold yet is sent.
              </Alert>
            ) : null}
            <TextInput
              label="Title"
              description="Shown to you and, if you list the record, to doctors. The file’s name stays encrypted."
              value={title}
              onChange={(e) => setTitle(e.currentTarget.value)}
              required
              error={shown ? titleError : undefined}
              maxLength={200}
            />
            {!target.listable ? null : (
              <Checkbox
                label="List for doctors"
                description="Doctors who look you up by your exact username see its title, type, size and date, and can ask for access. They cannot open it unless you grant it."
                checked={listed}
                onChange={(e) => setListed(e.currentTarget.checked)}
              />
            )}
            {upload.isPending ? (
              <Stack gap={4}>
                <Progress value={file && file.size > 0 ? (100 * done) / file.size : 100} aria-label="upload progress" animated />
                <Text size="sm" role="status" aria-live="polite">
                  {/* Reading runs at most a few chunks ahead of what the node has acknowledged (the sender's window). */}
                  {file && done >= file.size ? 'Encrypted; the last chunks are on their way…' : `Encrypted and sending: ${bytes(done)} of ${bytes(file?.size ?? 0)}`}
                </Text>
              </Stack>
            ) : null}
            <Group>
              <Button type="submit" loading={upload.isPending} disabled={!file}>
                Encrypt and upload
              </Button>
              {upload.isPending ? (
                <Button variant="default" onClick={() => abort.current?.abort()}>
                  Cancel
                </Button>
              ) : null}
            </Group>
            {cancelled ? (
              <Alert color="yellow" role="status" title="Upload stopped">
                Choose the same file again to continue where it stopped.
              </Alert>
            ) : upload.error ? (
              <Alert color="red" role="alert" title="Upload failed">
                {messageOf(upload.error)}
              </Alert>
            ) : null}
          </Stack>
        </form>
      </Paper>
    </Stack>
  );
}
