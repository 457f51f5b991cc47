/**
 * The Node (V8) flags every process of the product starts with: `dhl serve`
 * and the `dhl` client commands alike, from package.json's scripts, from
 * bin/dhl.js's first line, and wherever a test or a benchmark starts a node
 * or a CLI of its own (from this list). test/cli/node-flags.test.ts keeps the
 * places written out by hand (package.json, bin/dhl.js) in step with it.
 *
 * `--initial-old-space-size=128` (MiB): V8 then never lets the old
 * generation's limit fall below 128 MiB. A transfer keeps a few chunks in
 * flight and allocates about a MiB of ArrayBuffer per MiB of file in each
 * process (WebCrypto's output on the client, the socket's reads on the node);
 * with the default limits a process whose live heap is 30–50 MiB finished a
 * full collection ("GC in old space requested", --trace-gc) every 20–25 MiB
 * of chunks: ~50 per GiB in each process, half of an upload's CPU. With the
 * flag: 14 per GiB (V8's own 64 MiB external-memory limit, which it does not
 * move), CPU per MiB about −45 % uploading and downloading, peak RSS up to
 * +90 MiB in each process and still flat in file size (docs/benchmarks.md).
 *
 * It must be given when the process starts: V8 reads it when it makes the
 * heap, so `v8.setFlagsFromString` later changes nothing, and NODE_OPTIONS
 * does not take it.
 */
export const NODE_FLAGS: readonly string[] = Object.freeze(['--initial-old-space-size=128']);
