/**
 * How a decrypted record may be shown (STYLE 14, issue 21). Its media type is
 * the uploader's choice, so nothing it names runs in the app's origin: a
 * view is a sandboxed frame (no scripts, an opaque origin) showing a blob:
 * URL typed by this table. Text-like types, HTML included, are shown as plain
 * text (their source); images as themselves — SVG too: in the sandbox its
 * scripts do not run. Chromium refuses PDFs in a sandboxed frame, and its own
 * viewer would open the uploader's document in the app's origin, so a PDF is
 * drawn by pdf.js onto canvases in the page (PdfViewer.tsx): parsed in a
 * worker, no script of the PDF run, no link followed. Everything else is
 * saved as application/octet-stream, never opened by type.
 */
const IMAGES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'image/bmp', 'image/svg+xml']);
const TEXT_LIKE = new Set(['application/json', 'application/xml', 'application/fhir+json', 'application/fhir+xml', 'application/xhtml+xml']);

export type ViewAs = { kind: 'frame'; type: string } | { kind: 'pdf' } | { kind: 'save-only'; reason: string };

export function baseType(mediaType: string): string {
  return mediaType.split(';')[0]!.trim().toLowerCase();
}

export function viewAs(mediaType: string): ViewAs {
  const base = baseType(mediaType);
  if (IMAGES.has(base)) return { kind: 'frame', type: base };
  if (base.startsWith('text/') || TEXT_LIKE.has(base)) return { kind: 'frame', type: 'text/plain;charset=utf-8' };
  if (base === 'application/pdf') return { kind: 'pdf' };
  return { kind: 'save-only', reason: 'This type of file is not shown in the browser: save it to open it with a program you trust.' };
}

/** What a saved file is typed as: never something the browser would open by itself. */
export const SAVE_TYPE = 'application/octet-stream';
