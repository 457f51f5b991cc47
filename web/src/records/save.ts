/**
 * Saving a decrypted record to disk without holding a large one in memory
 * (DESIGN §9, STYLE 14). The method is picked by size and what the browser
 * has: the File System Access API writes each decrypted chunk straight into
 * the file the person picks; without it, a large record goes to the
 * origin-private file system (disk-backed) and is handed to the browser's
 * download from there; a small one is collected in memory. The saved file is
 * typed application/octet-stream, so the browser never opens it by type.
 * `localStorage['dhl.saveMethod']` overrides the choice (the browser tests
 * cannot answer a native file picker).
 */
import { SAVE_TYPE } from './view-types.ts';

export type SaveMethod = 'picker' | 'private-fs' | 'memory';

/** Below this, memory is fine (and the quickest). */
export const MEMORY_LIMIT = 32 * 1024 * 1024;
const OVERRIDE_KEY = 'dhl.saveMethod';

type ChunkSink = (chunk: Uint8Array) => Promise<void>;

interface PickerWindow {
  showSaveFilePicker?: (o: { suggestedName: string }) => Promise<{ createWritable(): Promise<WritableStreamLike> }>;
}
interface WritableStreamLike {
  write(data: BufferSource): Promise<void>;
  close(): Promise<void>;
  abort(reason?: unknown): Promise<void>;
}

export function saveMethod(size: number): SaveMethod {
  const forced = localStorage.getItem(OVERRIDE_KEY);
  if (forced === 'picker' || forced === 'private-fs' || forced === 'memory') return forced;
  if (size <= MEMORY_LIMIT) return 'memory';
  if (typeof (window as PickerWindow).showSaveFilePicker === 'function') return 'picker';
  return 'private-fs';
}

/**
 * Saves what `produce` writes. Call it from the click itself: the file picker
 * needs the user's gesture, so it opens before any byte is fetched.
 */
export async function saveToDisk(o: {
  /** Suggested to the file picker before any byte arrives. */
  suggestedName: string;
  /** The name the download gets once the content is in (the original file name comes out of the envelope). */
  fileName: () => string;
  size: number;
  produce: (sink: ChunkSink) => Promise<void>;
}): Promise<SaveMethod | 'cancelled'> {
  const method = saveMethod(o.size);
  if (method === 'picker') {
    let handle;
    try {
      handle = await (window as PickerWindow).showSaveFilePicker!({ suggestedName: o.suggestedName });
    } catch (err) {
      // The person closed the picker: nothing was read, nothing to report.
      if (err instanceof DOMException && err.name === 'AbortError') return 'cancelled';
      throw err;
    }
    await pump(await handle.createWritable(), o.produce);
  } else if (method === 'private-fs') {
    const dir = await navigator.storage.getDirectory();
    await sweepSaved(dir);
    const name = `${SAVED_PREFIX}${Date.now()}-${crypto.randomUUID()}`;
    const handle = await dir.getFileHandle(name, { create: true });
    try {
      await pump((await handle.createWritable()) as unknown as WritableStreamLike, o.produce);
      // A File from the private file system is backed by the disk, not by memory.
      download(await handle.getFile(), o.fileName());
    } finally {
      // The download has its own reference; should the page close first, the next save or page load sweeps it.
      setTimeout(() => void dir.removeEntry(name).catch(() => {}), KEEP_SAVED_MS);
    }
  } else {
    const parts: Uint8Array<ArrayBuffer>[] = [];
    await o.produce(async (chunk) => {
      parts.push(new Uint8Array(chunk));
    });
    download(new Blob(parts, { type: SAVE_TYPE }), o.fileName());
  }
  return method;
}

const SAVED_PREFIX = 'dhl-save-';
/** `dhl-save-<ms since 1970>-<uuid>`: when it was written is in its name. */
const SAVED_NAME = /^dhl-save-(\d+)-/;
/** How long a saved file stays in the private file system for the browser's download to copy it out. */
const KEEP_SAVED_MS = 60_000;

/**
 * Removes the decrypted files earlier saves left in the private file system
 * (their page closed before its timer ran): a shared workstation's disk keeps
 * no record's content. Run at each save and when the app starts.
 */
export async function sweepSaved(dir?: FileSystemDirectoryHandle, now = Date.now()): Promise<void> {
  dir ??= await navigator.storage.getDirectory();
  // TypeScript's DOM lib lacks the handle's async iteration (DOM.AsyncIterable), which every browser with the private file system has.
  for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) {
    const at = Number(SAVED_NAME.exec(name)?.[1]);
    if (at && now - at > KEEP_SAVED_MS) await dir.removeEntry(name).catch(() => {});
  }
}

async function pump(writable: WritableStreamLike, produce: (sink: ChunkSink) => Promise<void>): Promise<void> {
  try {
    await produce((chunk) => writable.write(new Uint8Array(chunk)));
    await writable.close();
  } catch (err) {
    await writable.abort(err).catch(() => {});
    throw err;
  }
}

function download(blob: Blob, fileName: string): void {
  const typed = blob.type === SAVE_TYPE ? blob : new Blob([blob], { type: SAVE_TYPE });
  const url = URL.createObjectURL(typed);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  // The download has started from the URL; the blob is released once the browser is done with it.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
