/**
 * The file-system steps that make a write durable (DESIGN §8): a file is
 * fsynced before it is renamed into place, and the directory holding the
 * new name is fsynced after, so a crash leaves either the old state or the
 * whole new file. Shared by the blob store and the upload staging area.
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

export function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/** Whether an error says the path (or a directory on it) does not exist. */
export function isMissing(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export async function fsyncDir(path: string): Promise<void> {
  // Windows cannot open a directory for fsync; its rename is durable as is.
  if (process.platform === 'win32') return;
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Creates `path` if missing; when it was created, fsyncs its parent so the new entry is durable. */
export async function ensureDir(path: string): Promise<void> {
  try {
    await mkdir(path);
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return;
    if (errnoCode(err) !== 'ENOENT') throw err;
    await mkdir(dirname(path), { recursive: true });
    await ensureDir(path);
    return;
  }
  await fsyncDir(dirname(path));
}

/** Writes all of `bytes` at the handle's position, or at `position` when given. */
export async function writeAll(handle: FileHandle, bytes: Uint8Array, position?: number): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const at = position === undefined ? null : position + offset;
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset, at);
    offset += bytesWritten;
  }
}
