/**
 * What a client keeps to resume an upload after it was interrupted — the
 * page closed, the CLI killed, the network gone (formats §4.1: a resumed
 * upload re-encrypts with the same DEK and compares each chunk with what the
 * node holds). The DEK is kept only wrapped for the uploader's own enc key
 * (RSA-OAEP with the record's label), never in the clear: a stolen resume
 * file opens nothing without the vault. Persisted by the host (the CLI: a
 * file in its home directory, src/cli/client-state.ts).
 */
import type { WrappedKey } from '../crypto/index.ts';

export interface UploadResume {
  uploadId: string;
  recordId: string;
  version: number;
  chunkSize: number;
  declaredSize: number;
  /** The DEK wrapped for the uploader's own enc key. */
  wrappedDek: WrappedKey;
  startedAt: number;
}

/** Resume states by a key the host chooses (a file's path, size and time; a browser File's name and size). */
export interface ResumeStore {
  get(key: string): Promise<UploadResume | undefined>;
  put(key: string, state: UploadResume): Promise<void>;
  delete(key: string): Promise<void>;
}

export class MemoryResumeStore implements ResumeStore {
  private readonly states = new Map<string, UploadResume>();
  async get(key: string): Promise<UploadResume | undefined> {
    const s = this.states.get(key);
    return s && structuredClone(s);
  }
  async put(key: string, state: UploadResume): Promise<void> {
    this.states.set(key, structuredClone(state));
  }
  async delete(key: string): Promise<void> {
    this.states.delete(key);
  }
}
