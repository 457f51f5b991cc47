/**
 * `npm run bench -- browser-upload [--sizes-mib 64,256] [--runs N] [--profile]`
 *
 * A file uploaded through the web app in Chromium (issue 22): the node runs
 * in a process of its own as `dhl serve` runs it, serving the built web app;
 * raj, a registered patient, logs in in headless Chromium, and Playwright
 * sets a file on disk on the upload page's real file input and clicks
 * "Encrypt and upload". The page's own code does the rest (web/src/records:
 * the file read a piece at a time, sealed and hashed, sent in stored chunks,
 * the AddRecord submitted): the time runs from that click to the page saying
 * the record is on the node and in a block. The reference in the same run:
 * the client library's upload of the same file in Node, as the CLI does it
 * (src/client uploadRecord, the file read from disk, the CLI's transport,
 * the same node, the same chunking). Ratio = browser MB/s ÷ Node MB/s
 * (target ≥ 0.5). Beside them, for context, a bare fsynced write of the same
 * size as the upload bench makes it. The page's time is taken by the page's
 * own clock (the click event's dispatch to the success message in the
 * document); `playwrightMs` beside it is the same span seen from this
 * process, Playwright's round trips included.
 *
 * Memory, per size: the page's JavaScript heap (CDP Runtime.getHeapUsage,
 * used size + backing-store size, sampled every 100 ms during the upload,
 * after a forced GC before it, and again after a GC once it is done: what
 * stays) and the renderer process's RSS (sampled from /proc, and its VmHWM
 * since a reset just before the click). Each upload runs in a page of its
 * own (a fresh context and renderer, raj logged in again), so every size
 * starts from the same memory. The claim it checks: memory does not grow
 * with file size. With `--profile`, a CPU profile of the page over the same
 * span, summarised by function and script. CPU time of every Chromium
 * process and of the node is reported per MiB beside the Node reference's.
 * JSON on stdout.
 */
import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { ensureWebBuild, WEB_DIST } from '../scripts/build-web.ts';
import { uploadRecord, type ByteSource } from '../src/client/index.ts';
import { launchBrowser } from '../test/web/browser.ts';
import { fillUpload, logIn, sendUpload } from '../test/web/steps.ts';
import { cpuMsOf, RAJ, startBenchNode } from './http-node.ts';
import { bareWrite, contentPiece, withPeakRss } from './upload.ts';
import { listOption, log, machine, option, round } from './util.ts';

const MiB = 2 ** 20;
const SAMPLE_MS = 100;
/** A 256 MiB upload on a loaded machine takes minutes, not Playwright's usual seconds. */
const UPLOAD_TIMEOUT_MS = 30 * 60_000;

export interface BrowserUploadOptions {
  sizesMiB: number[];
  runs: number;
  /** Records a CPU profile of the page during each browser upload and reports where its time went (slows the page a little). */
  profile: boolean;
}

export function parseArgs(args: string[]): BrowserUploadOptions {
  const valued = new Set(['--sizes-mib', '--runs']);
  for (let i = 0; i < args.length; i += valued.has(args[i]!) ? 2 : 1) {
    if (!valued.has(args[i]!) && args[i] !== '--profile') throw new Error(`browser-upload: unknown option ${args[i]} (options: --sizes-mib 64,256 --runs N --profile)`);
  }
  const runs = option(args, 'runs', 1);
  if (!Number.isInteger(runs)) throw new Error('--runs needs a whole number');
  return { sizesMiB: listOption(args, 'sizes-mib', [64, 256]), runs, profile: args.includes('--profile') };
}

/** The file a person would choose: `size` bytes on disk (the browser reads it from there, not over CDP). */
async function writeContent(path: string, size: number, piece: Uint8Array): Promise<void> {
  const handle = await open(path, 'wx', 0o600);
  try {
    for (let offset = 0; offset < size; offset += piece.length) await handle.write(piece, 0, Math.min(piece.length, size - offset));
  } finally {
    await handle.close();
  }
}

/** Chromium's processes: its process group (it was started detached, so the group is the browser's pid). With `type`, those with `--type=TYPE` on their command line. */
function browserPids(browserPid: number, type?: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const group = Number(readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1]!.split(' ')[2]);
      if (group === browserPid && (!type || readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(`--type=${type}`))) pids.push(Number(name));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** CPU time so far of each of the browser's processes (ms, every thread), by pid. */
function browserCpu(browserPid: number): Map<number, number> {
  const times = new Map<number, number>();
  for (const pid of browserPids(browserPid)) {
    try {
      times.set(pid, cpuMsOf(pid));
    } catch {
      // Gone meanwhile.
    }
  }
  return times;
}

/** A Chromium process's kind: its `--type=` (renderer, utility, gpu-process, zygote…), or "browser" for the main one. */
function processType(pid: number): string {
  try {
    // Chromium rewrites its children's command lines into one space-separated string.
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return /--utility-sub-type=(\S+)/.exec(cmdline)?.[1] ?? /--type=(\S+)/.exec(cmdline)?.[1] ?? 'browser';
  } catch {
    return 'gone';
  }
}

/** CPU the browser's processes used between two readings (a process started meanwhile counts from zero), in all and by kind of process. */
function cpuSince(before: Map<number, number>, after: Map<number, number>): { ms: number; byProcess: Record<string, number> } {
  let ms = 0;
  const byProcess: Record<string, number> = {};
  for (const [pid, t] of after) {
    const used = t - (before.get(pid) ?? 0);
    ms += used;
    const type = processType(pid);
    byProcess[type] = (byProcess[type] ?? 0) + used;
  }
  return { ms, byProcess };
}

/** VmRSS and VmHWM of a process, in bytes (0 once it is gone). */
function memoryOf(pid: number): { rss: number; hwm: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}

/** Resets a process's VmHWM to its current RSS (proc(5), clear_refs "5"), so the peak is this upload's. */
async function resetPeak(pid: number): Promise<void> {
  await writeFile(`/proc/${pid}/clear_refs`, '5').catch(() => undefined);
}

async function heapBytes(cdp: CDPSession): Promise<number> {
  const usage = await cdp.send('Runtime.getHeapUsage');
  return usage.usedSize + usage.backingStorageSize;
}

/** What the page's own clock marks: the click's dispatch and the moment the success message is in the document. */
interface PageMarks {
  clicked?: number;
  done?: number;
}

/**
 * Marks, in the page, the click that starts the upload and the moment the
 * page says it is done (`text` appears): Playwright's own round trips (its
 * actionability checks before the click, its polling for the text after)
 * take seconds on a loaded machine and are not the page's time.
 */
async function markPage(page: Page, text: string, profile: boolean): Promise<void> {
  await page.evaluate(
    ({ doneText, profile }) => {
      const marks: PageMarks = {};
      (window as unknown as { dhlBenchMarks: PageMarks }).dhlBenchMarks = marks;
      // With --profile, the CPU profile spans exactly the same: console.profile is the Profiler domain's own start and stop.
      // (Inline functions only: tsx names a function it sees assigned, with a helper the page does not have.)
      document.addEventListener(
        'click',
        () => {
          marks.clicked = performance.now();
          if (profile) console.profile('dhl-upload');
        },
        { capture: true, once: true },
      );
      // textContent, not innerText: no layout forced on each of the progress bar's mutations.
      const observer = new MutationObserver(() => {
        if (!document.body.textContent?.includes(doneText)) return;
        marks.done = performance.now();
        if (profile) console.profileEnd('dhl-upload');
        observer.disconnect();
      });
      observer.observe(document.body, { childList: true, subtree: true, characterData: true });
    },
    { doneText: text, profile },
  );
}

async function pageMarks(page: Page): Promise<Required<PageMarks>> {
  const marks = await page.evaluate(() => (window as unknown as { dhlBenchMarks: PageMarks }).dhlBenchMarks);
  if (marks.clicked === undefined || marks.done === undefined) throw new Error(`the page did not mark the upload's click and end: ${JSON.stringify(marks)}`);
  return marks as Required<PageMarks>;
}

/**
 * One upload through the page: the form filled (the file set on the real
 * input, a title), a GC, then the click timed until the page says it is
 * done, with the heap and every renderer's RSS sampled meanwhile. The
 * page's renderer is the one whose RSS peaked highest.
 */
async function pageUpload(page: Page, cdp: CDPSession, browserPid: number, nodePid: number, path: string, title: string, profile: boolean) {
  await fillUpload(page, path, title);
  await cdp.send('HeapProfiler.collectGarbage');
  const heapBefore = await heapBytes(cdp);
  const renderers = browserPids(browserPid, 'renderer');
  for (const pid of renderers) await resetPeak(pid);
  const rssBefore = new Map(renderers.map((pid) => [pid, memoryOf(pid).rss]));
  const rssPeak = new Map(rssBefore);
  let heapPeak = heapBefore;
  let sampling: Promise<void> | undefined;
  const sample = () => {
    for (const pid of renderers) rssPeak.set(pid, Math.max(rssPeak.get(pid)!, memoryOf(pid).rss));
    // One CDP call in flight at a time: a slow answer skips a tick rather than queueing them.
    sampling ??= heapBytes(cdp).then(
      (bytes) => void (heapPeak = Math.max(heapPeak, bytes)),
      () => undefined,
    ).finally(() => (sampling = undefined));
  };
  let cpuProfile: ReturnType<typeof profileBreakdown> | undefined;
  const onProfile = (e: { profile: Parameters<typeof profileBreakdown>[0] }) => void (cpuProfile = profileBreakdown(e.profile));
  if (profile) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 1000 });
    cdp.on('Profiler.consoleProfileFinished', onProfile);
  }
  await markPage(page, `“${title}” is encrypted on the node`, profile);
  const timer = setInterval(sample, SAMPLE_MS);
  const cpuBefore = browserCpu(browserPid);
  const nodeCpuBefore = cpuMsOf(nodePid);
  const start = performance.now();
  try {
    await sendUpload(page, title);
  } finally {
    clearInterval(timer);
  }
  const playwrightMs = performance.now() - start;
  const browserCpuUsed = cpuSince(cpuBefore, browserCpu(browserPid));
  const nodeCpuMs = cpuMsOf(nodePid) - nodeCpuBefore;
  const marks = await pageMarks(page);
  if (profile) {
    // The profile arrives as an event once the page has stopped it.
    for (let i = 0; i < 100 && !cpuProfile; i++) await new Promise((r) => setTimeout(r, 100));
    cdp.off('Profiler.consoleProfileFinished', onProfile);
    await cdp.send('Profiler.disable');
  }
  await sampling;
  sample();
  await sampling;
  const pid = [...rssPeak.entries()].sort((a, b) => b[1] - a[1])[0]![0];
  // What stays once the upload's garbage is collected: a retained buffer would show here, not only in the peak.
  await cdp.send('HeapProfiler.collectGarbage');
  const heapAfterGc = await heapBytes(cdp);
  return {
    ms: marks.done - marks.clicked,
    playwrightMs: round(playwrightMs, 0),
    // Over Playwright's span (a little longer than the page's): every Chromium process (renderer, browser, network service…) and the node.
    browserCpuMs: browserCpuUsed.ms,
    browserCpuMsByProcess: browserCpuUsed.byProcess,
    nodeCpuMs,
    heapBeforeMiB: round(heapBefore / MiB, 1),
    heapPeakMiB: round(heapPeak / MiB, 1),
    heapAfterGcMiB: round(heapAfterGc / MiB, 1),
    rendererRssBeforeMiB: round(rssBefore.get(pid)! / MiB, 0),
    rendererRssAfterGcMiB: round(memoryOf(pid).rss / MiB, 0),
    rendererPeakRssMiB: round(rssPeak.get(pid)! / MiB, 0),
    rendererHwmMiB: round(memoryOf(pid).hwm / MiB, 0),
    renderers: renderers.length,
    ...(cpuProfile ? { profile: cpuProfile } : {}),
  };
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

/**
 * Where a CPU profile's time went: self time per function and per script
 * (sample intervals charged to the node each sample landed on), the largest
 * first; "(idle)" is the page waiting (for the network, the node, a timer).
 */
export function profileBreakdown(profile: { nodes: ProfileNode[]; samples?: number[]; timeDeltas?: number[] }, top = 15) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const fns = new Map<string, number>();
  const scripts = new Map<string, number>();
  let total = 0;
  const samples = profile.samples ?? [];
  for (let i = 0; i < samples.length; i++) {
    const us = profile.timeDeltas?.[i + 1] ?? 0;
    const frame = byId.get(samples[i]!)!.callFrame;
    const script = frame.url ? frame.url.replace(/^.*\//, '').replace(/\?.*$/, '') : frame.functionName;
    const fn = frame.url ? `${frame.functionName || '(anonymous)'} ${script}:${frame.lineNumber + 1}` : frame.functionName;
    fns.set(fn, (fns.get(fn) ?? 0) + us);
    scripts.set(script, (scripts.get(script) ?? 0) + us);
    total += us;
  }
  const list = (m: Map<string, number>) =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, us]) => ({ name, ms: round(us / 1000, 0), share: round(us / total, 3) }));
  return { totalMs: round(total / 1000, 0), byFunction: list(fns), byScript: list(scripts) };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export async function run(args: string[]) {
  const o = parseArgs(args);
  await ensureWebBuild({ log });
  const bench = await startBenchNode({}, { nodeProcess: true, web: { root: WEB_DIST } });
  const dir = await mkdtemp(join(tmpdir(), 'dhl-bench-browser-'));
  // No DevTools network agent in the page (test/web/browser.ts): it would keep every chunk's body while the page lives.
  const browser = await launchBrowser({ networkEvents: false });
  const results = [];
  const chromium = browser.browser.version();
  try {
    const piece = contentPiece();
    for (const sizeMiB of o.sizesMiB) {
      const size = Math.round(sizeMiB * MiB);
      const path = join(dir, `scan-${sizeMiB}.bin`);
      await writeContent(path, size, piece);
      const runs = [];
      for (let i = 0; i < o.runs; i++) {
        log(`browser-upload: ${sizeMiB} MiB, run ${i + 1} of ${o.runs}`);
        const bareMs = await bareWrite(bench.dataDir, size, piece);
        // The CLI's way (src/cli/commands/records.ts): the file read from disk in 1 MiB pieces into uploadRecord.
        const content = (): ByteSource => createReadStream(path, { highWaterMark: MiB }) as AsyncIterable<Uint8Array> as ByteSource;
        const inNode = await withPeakRss(bench.pid, () =>
          uploadRecord(bench.raj, { title: `node ${sizeMiB} MiB ${i}`, mediaType: 'application/octet-stream', fileName: 'scan.bin', content, contentSize: size }),
        );
        // Each upload in a page of its own (a new context: a new renderer), so every size starts from the same memory.
        const context = await browser.context(RAJ.username);
        let inPage;
        try {
          context.setDefaultTimeout(UPLOAD_TIMEOUT_MS);
          const page = await context.newPage();
          await logIn(page, bench.url, RAJ);
          inPage = await pageUpload(page, await context.newCDPSession(page), browser.pid, bench.pid, path, `browser ${sizeMiB} MiB ${i}`, o.profile);
        } finally {
          await context.close();
        }
        const mbps = (ms: number) => round(size / 1e6 / (ms / 1000), 1);
        // CPU of every process on the path (client side and node) per MiB: what a busy machine moves least.
        const perMiB = (ms: number) => round(ms / (size / MiB), 1);
        runs.push({
          browser: { ...inPage, ms: round(inPage.ms, 0), mbPerSec: mbps(inPage.ms), cpuMsPerMiB: perMiB(inPage.browserCpuMs + inPage.nodeCpuMs), nodeCpuMsPerMiB: perMiB(inPage.nodeCpuMs) },
          node: {
            ms: round(inNode.ms, 0), mbPerSec: mbps(inNode.ms), cpuMsPerMiB: perMiB(inNode.cpuMs), nodeCpuMsPerMiB: perMiB(inNode.nodeCpuMs!),
            clientPeakRssMiB: inNode.peakRssMiB, nodePeakRssMiB: inNode.nodePeakRssMiB, block: inNode.value.result.height,
          },
          bareWrite: { ms: round(bareMs, 0), mbPerSec: mbps(bareMs) },
          ratio: round(inNode.ms / inPage.ms, 3),
        });
      }
      await rm(path);
      results.push({
        sizeMiB,
        median: {
          ratio: median(runs.map((r) => r.ratio)),
          browserMbPerSec: median(runs.map((r) => r.browser.mbPerSec)),
          nodeMbPerSec: median(runs.map((r) => r.node.mbPerSec)),
          bareWriteMbPerSec: median(runs.map((r) => r.bareWrite.mbPerSec)),
          browserCpuMsPerMiB: median(runs.map((r) => r.browser.cpuMsPerMiB)),
          nodeCpuMsPerMiB: median(runs.map((r) => r.node.cpuMsPerMiB)),
          heapPeakMiB: median(runs.map((r) => r.browser.heapPeakMiB)),
          rendererPeakRssMiB: median(runs.map((r) => r.browser.rendererPeakRssMiB)),
        },
        runs,
      });
    }
    if (browser.problems.length > 0) throw new Error(`the page had problems: ${browser.problems.join('; ')}`);
  } finally {
    await browser.close();
    await bench.close();
    await rm(dir, { recursive: true, force: true });
  }
  return {
    bench: 'browser-upload', machine: machine(), chromium, loadAverage: loadavg().map((l) => round(l, 1)),
    chunkSizeMiB: 1, parallelChunks: bench.raj.files.parallel, sampleMs: SAMPLE_MS, target: 0.5, results,
  };
}
