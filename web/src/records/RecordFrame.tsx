/**
 * A decrypted record in a sandboxed frame (STYLE 14): `sandbox=""` gives the
 * frame an opaque origin and no scripts, forms, popups or top navigation; its
 * document is a blob: URL of the bytes typed by viewAs(), revoked when the
 * frame goes away. The app's CSP allows frames from blob: only.
 */
import { useEffect, useState } from 'react';
import type { ViewAs } from './view-types.ts';

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
