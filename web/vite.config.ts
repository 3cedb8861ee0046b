// Builds the dashboard (web/) into dist/web, which `petrel serve` serves at / (src/api/static.ts).
// Preact's automatic JSX runtime; no CDN, every asset is bundled and content-hashed.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: here('../dist/web'), emptyOutDir: true, assetsDir: 'assets', sourcemap: true, chunkSizeWarningLimit: 300 },
});
