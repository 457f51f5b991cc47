/**
 * A decrypted PDF record drawn by pdf.js onto a canvas in the app (issue 21).
 * Chromium shows no PDF in a sandboxed frame, and its own viewer unsandboxed
 * would put the uploader's document in the app's origin; pdf.js instead
 * parses the bytes in a worker (bundled here, served by the node: nothing is
 * fetched from elsewhere) and draws each page as pixels. Nothing of the PDF
 * becomes a document, a script or a link: pdf.js's scripting (its JavaScript
 * sandbox) is never loaded, no annotation layer is made (so no link of the PDF
 * is clickable), XFA forms stay off, and pdf.js 6 evaluates no strings as
 * code (PostScript functions run interpreted or as WebAssembly, which the
 * CSP's 'wasm-unsafe-eval' already allows for Argon2id). A page's text is
 * given to screen readers as plain text beside its picture.
 */
import { Alert, Button, Group, Stack, Text, VisuallyHidden } from '@mantine/core';
import { AnnotationMode, GlobalWorkerOptions, getDocument, version, type PDFDocumentProxy, type RenderTask } from 'pdfjs-dist';
import workerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url';
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { Loading } from '../components/States.tsx';

GlobalWorkerOptions.workerSrc = workerUrl;
/** Where the build puts pdf.js's data files (vite.config.ts, pdfjsAssets): under its version, so they never change under a name. */
const PDFJS_ASSETS = `/pdfjs/${version}/`;

/** CSS pixels per PDF point: a US Letter page is about 800 px wide. */
const SCALE = 1.3;

type Loaded = { state: 'loading' } | { state: 'open'; pdf: PDFDocumentProxy } | { state: 'failed'; error: unknown };

export default function PdfViewer({ content, title }: { content: Blob; title: string }) {
  const [doc, setDoc] = useState<Loaded>({ state: 'loading' });
  const [pageNumber, setPageNumber] = useState(1);
  useEffect(() => {
    let gone = false;
    let destroy: (() => Promise<void>) | undefined;
    setDoc({ state: 'loading' });
    setPageNumber(1);
    void (async () => {
      try {
        // pdf.js takes the buffer over (it moves to the worker): a copy of its own.
        const data = new Uint8Array(await content.arrayBuffer());
        if (gone) return;
        const task = getDocument({
          data,
          enableXfa: false,
          // The 14 standard fonts and the image decoders (JPEG 2000, JBIG2: scans) come from the build (vite.config.ts):
          // a PDF that names Helvetica without embedding it looks the same on every workstation.
          useSystemFonts: false,
          standardFontDataUrl: `${PDFJS_ASSETS}standard_fonts/`,
          wasmUrl: `${PDFJS_ASSETS}wasm/`,
          // Errors only: pdf.js's warnings name a damaged file's structures in the console; a failure shows in the page.
          verbosity: 0,
        });
        destroy = () => task.destroy();
        const pdf = await task.promise;
        if (!gone) setDoc({ state: 'open', pdf });
      } catch (error) {
        if (!gone) setDoc({ state: 'failed', error });
      }
    })();
    return () => {
      gone = true;
      void destroy?.();
    };
  }, [content]);

  if (doc.state === 'loading') return <Loading label="Reading the PDF…" />;
  if (doc.state === 'failed') {
    return (
      <Alert color="red" role="alert" title="This PDF cannot be shown" data-testid="pdf-error">
        {pdfProblem(doc.error)} Save it to disk to try another reader — and open it only if you trust who wrote it.
      </Alert>
    );
  }
  const count = doc.pdf.numPages;
  const go = (n: number) => setPageNumber(Math.min(count, Math.max(1, n)));
  const onKey = (e: KeyboardEvent) => {
    const to = { ArrowRight: pageNumber + 1, PageDown: pageNumber + 1, ArrowLeft: pageNumber - 1, PageUp: pageNumber - 1, Home: 1, End: count }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    go(to);
  };
  return (
    <Stack gap="xs">
      <Group gap="sm" role="toolbar" aria-label="PDF pages">
        <Button size="xs" variant="default" onClick={() => go(pageNumber - 1)} disabled={pageNumber <= 1}>
          Previous page
        </Button>
        <Text size="sm" aria-live="polite" data-testid="pdf-page-count">
          Page {pageNumber} of {count}
        </Text>
        <Button size="xs" variant="default" onClick={() => go(pageNumber + 1)} disabled={pageNumber >= count}>
          Next page
        </Button>
      </Group>
      <div className="dhl-pdf-page" role="region" aria-label={`PDF: ${title}`} aria-keyshortcuts="ArrowLeft ArrowRight PageUp PageDown Home End" tabIndex={0} onKeyDown={onKey}>
        <PdfPage pdf={doc.pdf} number={pageNumber} count={count} />
      </div>
    </Stack>
  );
}

/** One page drawn at SCALE (sharp on high-density screens); a newer page cancels the drawing of the one before. */
function PdfPage({ pdf, number, count }: { pdf: PDFDocumentProxy; number: number; count: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [text, setText] = useState<string | undefined>();
  const [failed, setFailed] = useState<unknown>();
  useEffect(() => {
    let gone = false;
    let task: RenderTask | undefined;
    setText(undefined);
    setFailed(undefined);
    void (async () => {
      try {
        const page = await pdf.getPage(number);
        const target = canvas.current;
        if (gone || !target) return;
        const viewport = page.getViewport({ scale: SCALE });
        const ratio = window.devicePixelRatio || 1;
        target.width = Math.floor(viewport.width * ratio);
        target.height = Math.floor(viewport.height * ratio);
        // CSSOM properties, not a style attribute: the CSP (style-src 'self') allows these.
        target.style.width = `${Math.floor(viewport.width)}px`;
        target.style.aspectRatio = `${target.width} / ${target.height}`;
        task = page.render({
          canvas: target,
          viewport,
          ...(ratio !== 1 ? { transform: [ratio, 0, 0, ratio, 0, 0] } : {}),
          // Annotations' appearances (form fields included) are drawn as pixels; no element of them is made.
          annotationMode: AnnotationMode.ENABLE,
        });
        await task.promise;
        const content = await page.getTextContent();
        if (!gone) setText(content.items.map((item) => ('str' in item ? item.str : '')).join(' ').replace(/\s+/g, ' ').trim());
      } catch (err) {
        if (!gone && !(err instanceof Error && err.name === 'RenderingCancelledException')) setFailed(err);
      }
    })();
    return () => {
      gone = true;
      task?.cancel();
    };
  }, [pdf, number]);
  return (
    <>
      <canvas ref={canvas} className="dhl-pdf-canvas" role="img" aria-label={`Page ${number} of ${count}`} data-testid="pdf-canvas" data-page={number} data-drawn={text !== undefined} />
      {text !== undefined ? <VisuallyHidden data-testid="pdf-page-text">{text ? `Text of page ${number}: ${text}` : `Page ${number} has no text.`}</VisuallyHidden> : null}
      {failed ? (
        <Alert color="red" role="alert" title={`Page ${number} cannot be drawn`} data-testid="pdf-error">
          {pdfProblem(failed)}
        </Alert>
      ) : null}
    </>
  );
}

/** pdf.js's failures in plain words; its exceptions are named, their messages name structures, never content. */
function pdfProblem(err: unknown): string {
  const name = err instanceof Error ? err.name : '';
  const detail = err instanceof Error && err.message ? ` (${err.message.replace(/\.$/, '')})` : '';
  if (name === 'InvalidPDFException') return `The file is not a readable PDF${detail}.`;
  if (name === 'PasswordException') return 'The PDF is protected with a password, which this viewer does not ask for.';
  return `The PDF could not be read${detail}.`;
}
