/** Every benchmark `npm run bench -- NAME` runs, by name (loaded only when chosen: each brings its own dependencies). */
export interface Bench {
  run(args: string[]): Promise<unknown>;
}

export const benches: Record<string, () => Promise<Bench>> = {
  crypto: () => import('./crypto.ts'),
  'ledger-formats': () => import('./ledger-formats.ts'),
  ledger: () => import('./ledger.ts'),
  scale: () => import('./scale.ts'),
  reads: () => import('./reads.ts'),
  upload: () => import('./upload.ts'),
  'upload-breakdown': () => import('./upload-breakdown.ts'),
  submit: () => import('./submit.ts'),
  'browser-upload': () => import('./browser-upload.ts'),
};
