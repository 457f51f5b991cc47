/**
 * The web app's build (issue 21): a static SPA in web/dist that the node
 * serves at `/` under its CSP. Nothing may be inline (no inline script or
 * style, no data: assets) and nothing is fetched from elsewhere: the built
 * files are all the page loads besides the API.
 */
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
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
