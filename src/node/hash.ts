/** The node's synchronous SHA-256 (DESIGN §3: pure modules take it as an argument; the browser passes @noble/hashes). */
import { hash } from 'node:crypto';

export const sha256 = (data: Uint8Array): Uint8Array => hash('sha256', data, 'buffer');
