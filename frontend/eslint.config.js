// @ts-check
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const FEATURES = ['auth', 'tasks', 'dashboard', 'account', 'email', 'security'];
// zod must be configured (jitless, for the CSP) before any schema is built: src/lib/zod.ts.
const ZOD = { name: 'zod', message: "Import { z } from '@/lib/zod' (configured for the CSP).", allowTypeImports: true };

// Nothing about the session is stored in the browser: tokens live in memory only. UI preferences
// (the theme) are one exception, through src/lib/preferences.ts and its fixed keys; this tab's own
// storage (an emailed link's token while its page is open, whose `next` page) the other, through
// src/lib/tab-storage.ts and its fixed keys.
const storage = (name, message) => [
  { selector: `MemberExpression[property.name='${name}']`, message },
  { selector: `Identifier[name='${name}']:not(MemberExpression > .property)`, message },
];
const LOCAL_STORAGE = storage('localStorage', 'Tokens live in memory only; UI preferences go through src/lib/preferences.ts.');
const SESSION_STORAGE = storage('sessionStorage', 'Tokens live in memory only.');

// Every request goes through src/lib/api-client.ts, the one module allowed the browser's network APIs: the access
// token, the refresh on a 401, the retries, the offline check and errors that read as sentences come with it.
const API_CLIENT = 'Send requests through src/lib/api-client.ts (apiRequest, apiResponse): the token, the refresh and the error handling come with it.';
const NETWORK_APIS = ['fetch', 'XMLHttpRequest', 'WebSocket', 'EventSource'];
// The globals are refused by no-restricted-globals (below, outside tests); `navigator.sendBeacon` is no global.
const NETWORK_SYNTAX = [{ selector: "MemberExpression[property.name='sendBeacon']", message: API_CLIENT }];

// Applies everywhere; blocks that add selectors repeat these (a later config replaces a rule's options).
const BASE_SYNTAX = [...LOCAL_STORAGE, ...SESSION_STORAGE, ...NETWORK_SYNTAX];

/** `import('@/features/x/...')` and friends: no-restricted-imports does not see dynamic imports. */
function dynamicImportsOf(/** @type {string[]} */ prefixes, /** @type {string} */ message) {
  const alternatives = prefixes.map((prefix) => prefix.replace(/[/@]/g, (c) => `\\${c}`)).join('|');
  return { selector: `ImportExpression[source.value=/^(${alternatives})/]`, message };
}

/**
 * Import boundaries (bulletproof-react; docs/architecture.md, "Frontend"): shared code → features → app.
 * A feature never imports another feature; shared folders never import features or app.
 * Relative imports that climb out of a folder are refused too, so the alias cannot be bypassed.
 */
function restrict(/** @type {string[]} */ group, /** @type {string} */ message) {
  const prefixes = group.map((pattern) => pattern.replace(/\*$/, ''));
  return {
    'no-restricted-syntax': ['error', ...BASE_SYNTAX, ...(prefixes.length ? [dynamicImportsOf(prefixes, message)] : [])],
    'no-restricted-imports': [
      'error',
      {
        paths: [ZOD],
        patterns: [...(group.length ? [{ group, message }] : []), { group: ['../*', 'src/*'], message: 'Use the @/ alias.' }],
      },
    ],
  };
}

const featureBoundaries = FEATURES.map((feature) => ({
  files: [`src/features/${feature}/**/*.{ts,tsx}`],
  rules: restrict(
    [...FEATURES.filter((other) => other !== feature).map((other) => `@/features/${other}*`), '@/app*'],
    `Features never import each other or the app: move shared code to src/lib or src/components.`,
  ),
}));

export default tseslint.config(
  { ignores: ['dist', 'coverage', 'node_modules'] },
  {
    files: ['**/*.{ts,tsx}'],
    extends: [js.configs.recommended, ...tseslint.configs.strict],
    languageOptions: { ecmaVersion: 2022, globals: globals.browser },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', ...BASE_SYNTAX],
    },
  },
  { files: ['src/**/*.{ts,tsx}'], rules: restrict([], '') },
  ...featureBoundaries,
  {
    files: ['src/{lib,components,config,types}/**/*.{ts,tsx}'],
    rules: restrict(['@/features*', '@/app*'], 'Shared code never imports features or the app.'),
  },
  { files: ['src/lib/zod.ts'], rules: { 'no-restricted-imports': 'off', 'no-restricted-syntax': ['error', ...BASE_SYNTAX] } },
  {
    files: ['src/lib/preferences.ts'],
    rules: {
      'no-restricted-syntax': ['error', ...SESSION_STORAGE, ...NETWORK_SYNTAX, dynamicImportsOf(['@/features', '@/app'], 'Shared code never imports features or the app.')],
    },
  },
  {
    files: ['src/lib/tab-storage.ts'],
    rules: {
      'no-restricted-syntax': ['error', ...LOCAL_STORAGE, ...NETWORK_SYNTAX, dynamicImportsOf(['@/features', '@/app'], 'Shared code never imports features or the app.')],
    },
  },
  // Not in tests: one may use fetch itself, e.g. to spy on what reaches the network (MSW answers it).
  {
    files: ['src/**/*.{ts,tsx}'],
    ignores: ['src/**/*.test.{ts,tsx}', 'src/testing/**'],
    rules: { 'no-restricted-globals': ['error', ...NETWORK_APIS.map((name) => ({ name, message: API_CLIENT }))] },
  },
  {
    files: ['src/lib/api-client.ts'],
    rules: {
      'no-restricted-globals': 'off',
      'no-restricted-syntax': ['error', ...LOCAL_STORAGE, ...SESSION_STORAGE, dynamicImportsOf(['@/features', '@/app'], 'Shared code never imports features or the app.')],
    },
  },
  {
    files: ['src/**/*.test.{ts,tsx}', 'src/testing/**'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    files: ['*.{js,ts}', 'scripts/**/*.mjs'],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
  },
);
