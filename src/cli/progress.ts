/** A progress bar on stderr for long transfers, with rate and time left; silent when stderr is not a terminal or the job is small. */
import cliProgress from 'cli-progress';

const MIN_BYTES_FOR_BAR = 8 << 20;
const MiB = 2 ** 20;

export class Progress {
  private readonly bar: cliProgress.SingleBar | undefined;
  private value = 0;
  private started = Date.now();

  constructor(label: string, total: number) {
    if (process.stderr.isTTY && total >= MIN_BYTES_FOR_BAR) {
      this.bar = new cliProgress.SingleBar(
        { format: `${label.padEnd(8)} [{bar}] {percentage}% {value}/{total} MiB  {rate} MiB/s  ETA {eta_formatted}`, stream: process.stderr, hideCursor: true, etaBuffer: 50 },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(Math.ceil(total / MiB), 0, { rate: '0.0' });
    }
  }

  add(bytes: number): void {
    this.value += bytes;
    const seconds = Math.max(0.001, (Date.now() - this.started) / 1000);
    this.bar?.update(Math.floor(this.value / MiB), { rate: (this.value / MiB / seconds).toFixed(1) });
  }

  /** Back to the start (a resumed upload reads its file again from the beginning). */
  reset(): void {
    this.value = 0;
    this.started = Date.now();
    this.bar?.update(0, { rate: '0.0' });
  }

  done(): void {
    this.bar?.stop();
  }
}
