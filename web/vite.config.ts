import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
// HAVEN_DEV_SERVER points the dev proxy at a Haven server on another address.
const server = process.env['HAVEN_DEV_SERVER'] ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root,
  plugins: [svelte()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The server's CSP allows no inline code: keep every asset a separate file.
    assetsInlineLimit: 0,
    // libsodium (sumo) carries its WebAssembly inline, about 550 kB; it loads after sign-in, in its own chunk.
    chunkSizeWarningLimit: 600,
  },
  server: {
    // The client shares contract files with the server (server/realtime/events.ts, server/audit/actions.ts).
    fs: { allow: [fileURLToPath(new URL('..', import.meta.url))] },
    proxy: {
      '/api': { target: server, changeOrigin: false },
      '/socket.io': { target: server, ws: true, changeOrigin: false },
    },
  },
});
