import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Served by the control plane under /app/ (same origin as the API, behind Caddy's srv0).
export default defineConfig({
  base: '/app/',
  plugins: [react()],
  build: { outDir: 'dist', sourcemap: true },
});
