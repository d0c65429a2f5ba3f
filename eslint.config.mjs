// ESLint (flat config): the recommended rules of ESLint and typescript-eslint, plus the
// house habits of STYLE.md that a linter can hold (no console in app code, no stray any).
// No consistent-type-imports: Nest's dependency injection needs the runtime imports that
// decorator metadata refers to, even where TypeScript sees only a type.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Globals of Node or the web that do not exist inside an isolate (the bootstrap defines its own). */
const ISOLATE_ABSENT_GLOBALS = [
  'process',
  'Buffer',
  'require',
  'module',
  'exports',
  'global',
  '__dirname',
  '__filename',
  'setImmediate',
  'clearImmediate',
  'console',
  'setTimeout',
  'setInterval',
  'clearTimeout',
  'clearInterval',
  'queueMicrotask',
  'structuredClone',
  'fetch',
  'Headers',
  'Response',
  'Request',
  'URL',
  'URLSearchParams',
  'TextEncoder',
  'TextDecoder',
  'atob',
  'btoa',
  'crypto',
];
const ISOLATE_MESSAGE =
  'inside the isolate only ECMAScript exists: use the host bridge (ops.ts) or a module of this folder';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'data/**',
      'node_modules/**',
      'reports/**',
      '.stryker-tmp/**',
      'test/support/summary-reporter.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.spec.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The code that runs inside the sandbox's isolates (bundled into one script by scripts/build.mjs):
    // only ECMAScript exists there, so nothing of Node or the web may be named, and nothing
    // outside the folder may be imported (esbuild would bundle it in).
    files: ['src/sandbox/runtime/isolate/**/*.ts'],
    ignores: ['src/sandbox/runtime/isolate/**/*.spec.ts'],
    rules: {
      'no-restricted-globals': ['error', ...ISOLATE_ABSENT_GLOBALS.map((name) => ({ name, message: ISOLATE_MESSAGE }))],
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(?!\\./)', message: 'the isolate bundle imports only from its own folder' }] },
      ],
    },
  },
  {
    files: ['scripts/**/*.mjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
  },
);
