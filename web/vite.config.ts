/**
 * The web app's build (issue 21): a static SPA in web/dist that the node
 * serves at `/` under its CSP. Nothing may be inline (no inline script or
 * style, no data: assets) and nothing is fetched from elsewhere: the built
 * files are all the page loads besides the API.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * pdf.js's data files, fetched by its worker from the node (PdfViewer.tsx):
 * the standard fonts a PDF may name without embedding, and the image
 * decoders (WebAssembly, with their plain-JS fallbacks). Under pdfjs/<version>/,
 * as the viewer asks. QuickJS — pdf.js's sandbox for a PDF's JavaScript —
 * is left out: no script of a PDF runs here.
 */
function pdfjsAssets(): Plugin {
  const root = dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  return {
    name: 'dhl-pdfjs-assets',
    apply: 'build',
    generateBundle() {
      for (const dir of ['standard_fonts', 'wasm']) {
        for (const name of readdirSync(join(root, dir)).sort()) {
          if (!/quickjs/i.test(name)) this.emitFile({ type: 'asset', fileName: `pdfjs/${version}/${dir}/${name}`, source: readFileSync(join(root, dir, name)) });
        }
      }
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react(), pdfjsAssets()],
  // No public/ folder and no env files: the build is the source and package-lock only.
  publicDir: false,
  envDir: false,
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2023',
    // The CSP has no data: for scripts or fonts: every asset is its own file.
    assetsInlineLimit: 0,
    // The polyfill would be an inline script; every browser we support has modulepreload.
    modulePreload: { polyfill: false },
    sourcemap: false,
    chunkSizeWarningLimit: 2048,
  },
});
