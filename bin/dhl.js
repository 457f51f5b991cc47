#!/usr/bin/env -S node --initial-old-space-size=128
// The `dhl` command: runs the TypeScript CLI through tsx's loader, on the flags of src/cli/node-flags.ts.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
