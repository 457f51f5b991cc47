/**
 * A decrypted record on screen. Most types go in a sandboxed frame (STYLE
 * 14): `sandbox=""` gives the frame an opaque origin and no scripts, forms,
 * popups or top navigation; its document is a blob: URL of the bytes typed by
 * viewAs(), revoked when the frame goes away. The app's CSP allows frames
 * from blob: only. A PDF is drawn by pdf.js instead (PdfViewer.tsx, loaded
 * only when one is opened).
 */
import { lazy, Suspense, useEffect, useState } from 'react';
import { Loading } from '../components/States.tsx';
import type { ViewAs } from './view-types.ts';

const PdfViewer = lazy(() => import('./PdfViewer.tsx'));

export function RecordView({ content, view, title }: { content: Blob; view: Exclude<ViewAs, { kind: 'save-only' }>; title: string }) {
  if (view.kind === 'frame') return <RecordFrame content={content} view={view} title={title} />;
  return (
    <Suspense fallback={<Loading label="Loading the PDF viewer…" />}>
      <PdfViewer content={content} title={title} />
    </Suspense>
  );
}

export function RecordFrame({ content, view, title }: { content: Blob; view: Extract<ViewAs, { kind: 'frame' }>; title: string }) {
  const [url, setUrl] = useState<string | undefined>();
  useEffect(() => {
    const u = URL.createObjectURL(new Blob([content], { type: view.type }));
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [content, view.type]);
  if (!url) return null;
  return <iframe className="dhl-record-frame" sandbox="" src={url} title={`Record: ${title}`} referrerPolicy="no-referrer" data-testid="record-frame" />;
}
