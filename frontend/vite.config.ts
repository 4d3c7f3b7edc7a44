/// <reference types="vitest/config" />
import { fileURLToPath, URL } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, loadEnv } from 'vite';

// `make dev`: Vite serves the SPA and proxies the backend paths to Django's runserver,
// so the refresh cookie (Path=/api/auth/, SameSite=Strict) stays same-origin.
// React Router's package exports point every condition at its development build, whose warnings (ENABLE_DEV_WARNINGS, the
// only difference) cost the boot JavaScript about 0.5 kB gzipped; a production build takes the twin it ships beside it
// (remix-run/react-router#14102). The dev server and the tests keep the warnings.
const reactRouterProduction = fileURLToPath(new URL('./node_modules/react-router/dist/production/index.mjs', import.meta.url));

export default defineConfig(({ command, mode }) => {
  const env = loadEnv(mode, process.cwd(), '');
  const backend = env.DJANGO_URL || 'http://127.0.0.1:8000';
  const proxy = Object.fromEntries(
    ['/api', '/admin', '/static'].map((path) => [path, { target: backend, changeOrigin: false }]),
  );
  return {
    plugins: [react()],
    resolve: {
      alias: [
        { find: '@', replacement: fileURLToPath(new URL('./src', import.meta.url)) },
        ...(command === 'build' ? [{ find: /^react-router$/, replacement: reactRouterProduction }] : []),
      ],
    },
    server: { host: '127.0.0.1', port: Number(env.VITE_DEV_PORT || 5173), strictPort: true, proxy },
    build: {
      outDir: 'dist',
      assetsDir: 'assets',
      // No inline <script>/<style> and no data: modules, for the strict CSP (script-src 'self').
      assetsInlineLimit: 0,
      modulePreload: { polyfill: false },
      // The browsers without dynamic viewport units (dvh: Safari before 15.4, Chrome before 108), for whom the
      // stylesheet keeps a 100vh line before each 100dvh one: with Vite's default target, which all have them, the
      // CSS minifier drops those lines as unneeded. It also writes the media queries in the syntax they read.
      cssTarget: ['chrome107', 'edge107', 'firefox100', 'safari15'],
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
