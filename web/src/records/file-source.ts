/**
 * A chosen file as the envelope reads it: its bytes in order, read from the
 * browser's file a piece at a time (never the whole file in memory), with
 * the count of bytes read so far for the progress bar.
 */
export function fileSource(file: File, onRead: (bytesRead: number) => void): () => AsyncIterable<Uint8Array> {
  return () => ({
    async *[Symbol.asyncIterator]() {
      const reader = file.stream().getReader();
      let read = 0;
      onRead(0);
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          read += value.byteLength;
          onRead(read);
          yield value;
        }
      } finally {
        reader.releaseLock();
      }
    },
  });
}
