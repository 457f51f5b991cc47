/** How a decrypted record may be shown (web/src/records/view-types.ts): nothing the uploader names runs in the app's origin. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SAVE_TYPE, viewAs } from '../../../web/src/records/view-types.ts';

test('images, SVG among them, are framed as themselves; parameters and case do not change the type', () => {
  for (const type of ['image/png', 'image/jpeg', 'image/svg+xml', 'IMAGE/PNG', 'image/svg+xml; charset=utf-8']) {
    const shown = viewAs(type);
    assert.equal(shown.kind, 'frame', type);
    assert.equal(shown.kind === 'frame' && shown.type, type.split(';')[0]!.trim().toLowerCase());
  }
});

test('text-like types, HTML and XHTML included, are framed as plain text (their source), never as a document', () => {
  for (const type of ['text/plain', 'text/html', 'text/html; charset=utf-8', 'application/xhtml+xml', 'application/json', 'application/fhir+json', 'text/csv']) {
    assert.deepEqual(viewAs(type), { kind: 'frame', type: 'text/plain;charset=utf-8' }, type);
  }
});

test('a PDF, whatever the case or parameters, is drawn by pdf.js: never framed, never opened by the browser as a document', () => {
  for (const type of ['application/pdf', 'APPLICATION/PDF', 'application/pdf; name=scan.pdf']) {
    assert.deepEqual(viewAs(type), { kind: 'pdf' }, type);
  }
});

test('every other type is only saved, as a type no browser opens by itself', () => {
  for (const type of ['application/x-pdf', 'application/octet-stream', 'application/dicom', 'application/javascript', 'video/mp4', '']) {
    assert.equal(viewAs(type).kind, 'save-only', type);
  }
  assert.equal(SAVE_TYPE, 'application/octet-stream');
});
