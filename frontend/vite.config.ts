/// <reference types="vitest/config" />
import { fileURLToPath, URL } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, loadEnv } from 'vite';

// `make dev`: Vite serves the SPA and proxies the backend paths to Django's runserver,
// so the refresh cookie (Path=/api/auth/, SameSite=Strict) stays same-origin.
export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, process.cwd(), '');
  const backend = env.DJANGO_URL || 'http://127.0.0.1:8000';
  const proxy = Object.fromEntries(
    ['/api', '/admin', '/static'].map((path) => [path, { target: backend, changeOrigin: false }]),
  );
  return {
    plugins: [react()],
    resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
    server: { host: '127.0.0.1', port: Number(env.VITE_DEV_PORT || 5173), strictPort: true, proxy },
    build: {
      outDir: 'dist',
      assetsDir: 'assets',
      // No inline <script>/<style> and no data: modules, for the strict CSP (script-src 'self').
      assetsInlineLimit: 0,
      modulePreload: { polyfill: false },
      sourcemap: false,
    },
    test: {
      environment: 'jsdom',
      globals: true,
      setupFiles: ['./src/testing/setup.ts'],
      css: false,
      restoreMocks: true,
      testTimeout: 20_000,
      // Node's fetch needs absolute URLs; MSW answers them (src/testing/server.ts).
      env: { VITE_API_BASE_URL: 'http://localhost:3000/api' },
    },
  };
});
