/**
 * Viewing records of the types an uploader may choose (issue 21): an HTML
 * record is shown as its source in the sandboxed frame, so its script never
 * runs and nothing of it reaches the app's origin; a PNG shows as an image.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Screenshots } from './browser.ts';
import { fillUpload, recordFrame, sendUpload, verifyOwn } from './steps.ts';
import { startWithPatient } from './web-node.ts';

const RAJ = { username: 'raj', passphrase: 'raj fevers staple orbit' };
const HTML_SCRIPT_MARKER = 'html-script-ran-0c3f';
const HTML = {
  name: 'letter.html',
  mimeType: 'text/html',
  buffer: Buffer.from(
    `<!doctype html><html><body><h1>Referral letter</h1>` +
      `<script>fetch('/${HTML_SCRIPT_MARKER}');parent.postMessage('${HTML_SCRIPT_MARKER}','*');document.title='${HTML_SCRIPT_MARKER}'</script></body></html>`,
  ),
};
/** A 1×1 PNG. */
const PNG = { name: 'dot.png', mimeType: 'image/png', buffer: Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64') };

test('an HTML record is shown as its source in the sandbox: its script never runs and posts or fetches nothing; a PNG shows as an image, under the app’s CSP', async (t) => {
  const { web, page: raj, problems } = await startWithPatient(t, RAJ);
  const shots = new Screenshots('view');
  const messages: string[] = [];
  await raj.exposeFunction('dhlTestSawMessage', (m: string) => messages.push(m));

  await fillUpload(raj, HTML, 'Referral letter');
  await sendUpload(raj, 'Referral letter');
  await verifyOwn(raj, 'Referral letter');
  await raj.evaluate(() => window.addEventListener('message', (e) => (window as unknown as { dhlTestSawMessage(m: string): void }).dhlTestSawMessage(String(e.data))));
  await raj.getByRole('button', { name: 'Open and view' }).click();
  const html = await recordFrame(raj);
  await html.getByText(`fetch('/${HTML_SCRIPT_MARKER}')`, { exact: false }).waitFor();
  assert.equal(await html.evaluate(() => document.contentType), 'text/plain', 'the HTML is shown as text, not as a document');
  assert.equal(await html.evaluate(() => document.title), '', 'its script did not run');
  assert.equal(await raj.getByTestId('record-frame').getAttribute('sandbox'), '');
  await raj.getByTestId('record-frame').scrollIntoViewIfNeeded();
  await shots.take(raj, 'html-as-source', { viewport: true });

  await fillUpload(raj, PNG, 'Dot');
  await sendUpload(raj, 'Dot');
  await verifyOwn(raj, 'Dot');
  await raj.getByRole('button', { name: 'Open and view' }).click();
  const image = await recordFrame(raj);
  await image.waitForFunction(() => document.images[0]?.complete === true);
  assert.equal(await image.evaluate(() => document.images[0]!.naturalWidth), 1, 'the PNG decoded as an image');

  assert.deepEqual(messages, [], 'no record posted anything to the app');
  assert.ok(!web.proxy.captured.some((c) => c.url.includes(HTML_SCRIPT_MARKER)), 'no record fetched anything');
  // A blob: document inherits the app's CSP: Chromium's own image document has its inline styling refused (reported, harmless: the image shows unstyled).
  const imageDocumentStyle = (p: string) => /style-src/.test(p) && /\(at blob:/.test(p);
  assert.ok(problems.some(imageDocumentStyle), "the frame's document is under the app's CSP");
  assert.deepEqual(problems.filter((p) => !imageDocumentStyle(p)), []);
});
