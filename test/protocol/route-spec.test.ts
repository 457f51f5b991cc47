import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from 'typebox';
import { openApiPath, pathParams, route, urlOf } from '../../src/protocol/route-spec.ts';
import { ROUTES, type RouteSpec } from '../../src/protocol/index.ts';

const params = (properties: Record<string, ReturnType<typeof Type.String>>) => Type.Object(properties, { additionalProperties: false });

test("route() refuses a URL whose :params are not exactly its params schema's properties, and adds REQUEST_INVALID to any route with params or a query", () => {
  const base = { method: 'GET' as const, auth: 'session' as const, tag: 'users' as const, summary: 's', response: { 200: Type.Object({}) }, errors: [] };
  assert.throws(() => route({ ...base, url: '/v1/users/:username' }), TypeError, 'params schema missing');
  assert.throws(() => route({ ...base, url: '/v1/users/:username', params: params({ name: Type.String() }) }), TypeError, 'another name');
  assert.throws(() => route({ ...base, url: '/v1/users', params: params({ username: Type.String() }) }), TypeError, 'a param the URL lacks');
  const ok = route({ ...base, url: '/v1/a/:x/b/:y', params: params({ y: Type.String(), x: Type.String() }) });
  assert.ok(ok.errors.includes('REQUEST_INVALID'));
  assert.ok(route({ ...base, url: '/v1/q', query: Type.Object({}) }).errors.includes('REQUEST_INVALID'));
  for (const [name, r] of Object.entries(ROUTES) as [string, RouteSpec][]) {
    if (r.params || r.query) assert.ok(r.errors.includes('REQUEST_INVALID'), name);
  }
});

test('urlOf fills path parameters percent-encoded and leaves undefined query values out; openApiPath and pathParams read the same pattern', () => {
  const spec = { url: '/v1/records/:recordId/versions/:version' };
  assert.deepEqual(pathParams(spec.url), ['recordId', 'version']);
  assert.equal(openApiPath(spec.url), '/v1/records/{recordId}/versions/{version}');
  assert.equal(urlOf(spec, { recordId: 'a/b?c', version: 2 }), '/v1/records/a%2Fb%3Fc/versions/2');
  assert.equal(urlOf({ url: '/v1/requests' }, {}, { status: 'pending', after: undefined, limit: 5 }), '/v1/requests?status=pending&limit=5');
  assert.equal(urlOf({ url: '/v1/requests' }, {}, { q: 'a&b=c' }), '/v1/requests?q=a%26b%3Dc');
  assert.throws(() => urlOf(spec, { recordId: 'x' }), TypeError);
});
