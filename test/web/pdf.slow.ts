/**
 * Viewing a PDF record (issue 21): pdf.js draws its pages onto a canvas in
 * the app, under the app's CSP, and a JavaScript action in the PDF never
 * runs; a file that is not a PDF shows an error, not a crash.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { Screenshots } from './browser.ts';
import { fillUpload, sendUpload, verifyOwn } from './steps.ts';
import { startWithPatient } from './web-node.ts';

const RAJ = { username: 'raj', passphrase: 'raj fevers staple orbit' };
const JS_MARKER = 'pdf-script-ran-5e21';

/** A PDF literal string: backslash and parentheses escaped (ISO 32000-1 §7.3.4.2). */
const pdfString = (s: string) => `(${s.replace(/[\\()]/g, (c) => `\\${c}`)})`;

/**
 * A PDF written by hand: one page per text, each drawing it in Helvetica, and
 * a JavaScript action run on opening (/OpenAction) and on each page's opening
 * (/AA /O) that, in any reader that ran it, would fetch a URL, post a message
 * and set the title — in the Acrobat API and the DOM's alike; and a link
 * over the whole first page to `linkTo`.
 */
function pdfWithScript(texts: string[], linkTo: string): Buffer {
  const js =
    `try{app.launchURL('/${JS_MARKER}-launch',true)}catch(e){}try{this.getURL('/${JS_MARKER}-get')}catch(e){}` +
    `try{fetch('/${JS_MARKER}-fetch');top.postMessage('${JS_MARKER}','*');top.document.title='${JS_MARKER}'}catch(e){}`;
  const pageIds = texts.map((_, i) => 5 + 2 * i);
  const objects = [
    `<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R /Names << /JavaScript << /Names [(run) 4 0 R] >> >> >>`,
    `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${texts.length} >>`,
    `<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>`,
    `<< /S /JavaScript /JS ${pdfString(js)} >>`,
  ];
  for (const [i, text] of texts.entries()) {
    const stream = `BT /F1 28 Tf 30 120 Td ${pdfString(text)} Tj ET`;
    const link = i === 0 ? ` /Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 400 250] /Border [0 0 0] /A << /S /URI /URI ${pdfString(linkTo)} >> >>]` : '';
    objects.push(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 400 250] /Resources << /Font << /F1 3 0 R >> >> /Contents ${pageIds[i]! + 1} 0 R /AA << /O 4 0 R >>${link} >>`);
    objects.push(`<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`);
  }
  let pdf = '%PDF-1.7\n';
  const offsets: number[] = [];
  for (const [i, body] of objects.entries()) {
    offsets.push(pdf.length);
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
  }
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, 'latin1');
}

/** Pixels of the drawn page that are not white (the page's text). */
function inkedPixels(page: Page): Promise<number> {
  return page.getByTestId('pdf-canvas').evaluate((canvas: HTMLCanvasElement) => {
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let inked = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i]! < 128 && data[i + 1]! < 128 && data[i + 2]! < 128) inked++;
    return inked;
  });
}

async function drawnPage(page: Page, n: number): Promise<void> {
  await page.locator(`[data-testid=pdf-canvas][data-page="${n}"][data-drawn=true]`).waitFor();
}

test('a PDF is drawn by pdf.js in the app with its page count and keyboard-usable paging; its JavaScript actions never run; a broken PDF shows an error; nothing is refused by the CSP', async (t) => {
  const { web, page: raj, problems } = await startWithPatient(t, RAJ);
  const shots = new Screenshots('pdf');
  const messages: string[] = [];
  await raj.exposeFunction('dhlTestSawMessage', (m: string) => messages.push(m));

  const pdf = pdfWithScript(['PDF-MARKER-PAGE-ONE', 'PDF-MARKER-PAGE-TWO'], `${web.url}/${JS_MARKER}-link`);
  assert.ok(pdf.length < 2048, `the PDF is small (${pdf.length} bytes)`);
  await fillUpload(raj, { name: 'discharge.pdf', mimeType: 'application/pdf', buffer: pdf }, 'Discharge summary');
  await sendUpload(raj, 'Discharge summary');
  await verifyOwn(raj, 'Discharge summary');
  await raj.evaluate(() => window.addEventListener('message', (e) => (window as unknown as { dhlTestSawMessage(m: string): void }).dhlTestSawMessage(String(e.data))));
  await raj.getByRole('button', { name: 'Open and view' }).click();

  await drawnPage(raj, 1);
  assert.equal((await raj.getByTestId('pdf-page-count').textContent())!.trim(), 'Page 1 of 2');
  assert.ok((await inkedPixels(raj)) > 0, 'the page is drawn: its text inks the canvas');
  assert.match((await raj.getByTestId('pdf-page-text').textContent())!, /PDF-MARKER-PAGE-ONE/, "the page's text is there for screen readers");
  assert.equal(await raj.getByRole('img', { name: 'Page 1 of 2' }).count(), 1, 'the canvas is labelled');
  assert.ok(await raj.getByRole('button', { name: 'Previous page' }).isDisabled(), 'no page before the first');
  assert.equal(await raj.getByRole('region', { name: 'PDF: Discharge summary' }).locator('a, iframe, embed, object, input').count(), 0, 'no link or element of the PDF is made');
  // A click where the PDF's link lies follows nothing (checked at the end: no request for it, no other page).
  const at = raj.url();
  await raj.getByTestId('pdf-canvas').click();
  await raj.getByRole('region', { name: 'PDF: Discharge summary' }).scrollIntoViewIfNeeded();
  await shots.take(raj, 'pdf-page-1', { viewport: true });

  assert.equal(raj.url(), at, 'the click stayed on the page');
  await raj.getByRole('button', { name: 'Next page' }).click();
  await drawnPage(raj, 2);
  assert.equal((await raj.getByTestId('pdf-page-count').textContent())!.trim(), 'Page 2 of 2');
  assert.match((await raj.getByTestId('pdf-page-text').textContent())!, /PDF-MARKER-PAGE-TWO/);
  assert.ok(await raj.getByRole('button', { name: 'Next page' }).isDisabled(), 'no page after the last');
  // The keyboard alone: focus the page and go back with the arrow key.
  await raj.getByRole('region', { name: 'PDF: Discharge summary' }).focus();
  await raj.keyboard.press('ArrowLeft');
  await drawnPage(raj, 1);
  assert.equal((await raj.getByTestId('pdf-page-count').textContent())!.trim(), 'Page 1 of 2');

  // The same bytes cut short after the header: not a PDF pdf.js can read.
  await fillUpload(raj, { name: 'broken.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R') }, 'Broken scan');
  await sendUpload(raj, 'Broken scan');
  await verifyOwn(raj, 'Broken scan');
  await raj.getByRole('button', { name: 'Open and view' }).click();
  const error = raj.getByTestId('pdf-error');
  await error.waitFor();
  assert.match((await error.textContent())!, /cannot be shown.*not a readable PDF/s);
  assert.equal(await raj.getByTestId('pdf-canvas').count(), 0);
  await raj.getByRole('button', { name: 'Save to disk' }).waitFor();
  await error.scrollIntoViewIfNeeded();
  await shots.take(raj, 'pdf-broken', { viewport: true });

  assert.ok(!(await raj.title()).includes(JS_MARKER), "the PDF's script did not set the title");
  assert.deepEqual(messages, [], 'the PDF posted nothing to the app');
  assert.equal(raj.context().pages().length, 1, 'no window was opened');
  assert.deepEqual(web.proxy.captured.filter((c) => c.url.includes(JS_MARKER)).map((c) => c.url), [], 'the PDF fetched nothing');
  assert.deepEqual(problems, [], 'no uncaught error and nothing refused by the CSP');
  // pdf.js's worker and the standard font the PDF names came from the node's build, nothing from elsewhere.
  const fetched = web.proxy.captured.map((c) => c.url);
  assert.ok(fetched.some((u) => /^\/assets\/pdf\.worker\.min-[\w-]+\.mjs$/.test(u)), 'the worker is the bundled one');
  assert.ok(fetched.some((u) => /^\/pdfjs\/[\d.]+\/standard_fonts\/LiberationSans-Regular\.ttf$/.test(u)), 'Helvetica is drawn with the bundled Liberation Sans');
});
