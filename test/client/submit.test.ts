/** src/client/flows/context.ts submitSigned: the answer to a submission must prove the transaction sent. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDhlError } from '../../src/crypto/index.ts';
import type { ApiClient } from '../../src/client/api-client.ts';
import { submit, type ClientContext } from '../../src/client/flows/context.ts';
import { startWorld } from './world.ts';

const listing = (ctx: ClientContext, n: number) => submit(ctx, 'SetListing', { recordId: n.toString(16).padStart(32, '0'), listed: true });

test("a node that answers a submission with the proof of another accepted transaction (a valid head and inclusion proof, not this one's) is refused: ANSWER_INVALID", async (t) => {
  const { raj } = await startWorld(t);
  const earlier = await listing(raj.ctx, 1);
  const real = raj.ctx.api;
  // The transaction reaches the node; the answer the client gets is the earlier one's, which verifies on its own.
  const lying = Object.create(real) as ApiClient;
  lying.call = (async (route: string, args: unknown) => {
    const answer = await (real.call as (r: string, a: unknown) => Promise<unknown>)(route, args);
    return route === 'submitTx' ? earlier : answer;
  }) as ApiClient['call'];
  await assert.rejects(listing({ ...raj.ctx, api: lying }, 2), (err) => isDhlError(err, 'ANSWER_INVALID'));
  // The honest answer to the same kind of submission passes.
  assert.equal((await listing(raj.ctx, 3)).outcome, 'RECORD_NOT_FOUND');
});
