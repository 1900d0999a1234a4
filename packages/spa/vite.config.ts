import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

// Built: served by the control plane under /app/ (same origin as the API, behind Caddy's srv0).
// `pnpm dev`: Vite's dev server, which Caddy puts at the same /app/ (see `rockpool dev`). Its HMR
// client then connects to the port the page came from, i.e. through Caddy, at /app/.
export default defineConfig(({ command }) => ({
  base: '/app/',
  plugins: [react()],
  build: { outDir: 'dist', sourcemap: true },
  // In dev, workspace packages (`@rockpool/model`) come from their sources, with hot reload.
  ...(command === 'serve'
    ? { resolve: { conditions: ['rockpool-source', ...defaultClientConditions] } }
    : {}),
}));
