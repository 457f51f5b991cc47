/** How the CLI writes times and sizes for people (JSON answers keep the numbers). */
export const time = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
export const mib = (n: number): string => (n >= 1 << 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : `${n} bytes`);
