/** A progress bar on stderr for long transfers; silent when stderr is not a terminal or the job is small. */
import cliProgress from 'cli-progress';

const MIN_BYTES_FOR_BAR = 8 << 20;

export class Progress {
  private readonly bar: cliProgress.SingleBar | undefined;
  private value = 0;

  constructor(label: string, total: number) {
    if (process.stderr.isTTY && total >= MIN_BYTES_FOR_BAR) {
      this.bar = new cliProgress.SingleBar(
        { format: `${label.padEnd(8)} [{bar}] {percentage}% {value}/{total} MiB {speed}`, stream: process.stderr, hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(Math.ceil(total / 2 ** 20), 0, { speed: '' });
    }
  }

  add(bytes: number): void {
    this.value += bytes;
    this.bar?.update(Math.floor(this.value / 2 ** 20));
  }

  done(): void {
    this.bar?.stop();
  }
}
