// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The import zones of ../shared/DESIGN.md: server/worker/cli -> service -> core.
 * Each zone lists what it may not import and says why.
 */
const zone = (files, patterns) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', { patterns }],
  },
});

const io = [
  'node:fs',
  'node:fs/*',
  'node:net',
  'node:http',
  'node:https',
  'node:child_process',
  'node:worker_threads',
  'node:os',
  'node:process',
  'node:path',
  'fs',
  'path',
  'os',
  'sharp',
  'pg',
  'better-sqlite3',
  'kysely',
  'fastify',
  'bullmq',
  'ioredis',
];

export default tseslint.config(
  { ignores: ['dist/**', 'coverage/**', 'data/**', 'node_modules/**', 'web/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'max-lines': ['error', { max: 450, skipBlankLines: true, skipComments: true }],
    },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
  {
    // Tests read HTTP responses with .json(): their shape is what the test asserts.
    files: ['test/**'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  zone(
    ['src/core/**'],
    [
      {
        group: [
          '**/media/**',
          '**/store/**',
          '**/service/**',
          '**/server/**',
          '**/worker/**',
          '**/cli/**',
          '**/sdk/**',
          '**/config.js',
          '**/app.js',
        ],
        message: 'core/ is pure logic: it imports only core/ (see DESIGN.md "Layers").',
      },
      ...io.map((name) => ({
        group: [name],
        message: 'core/ does no I/O: pass values in (only node:crypto is allowed, for digests).',
      })),
    ],
  ),
  zone(
    ['src/service/**'],
    [
      {
        group: ['**/media/**', '**/store/**'],
        message:
          'service/ talks to media/ and store/ only through the interfaces in service/ports; app.ts wires the adapters.',
      },
      {
        group: ['**/server/**', '**/worker/**', '**/cli/**'],
        message: 'Dependencies point inward: service/ never imports its callers.',
      },
    ],
  ),
  zone(
    ['src/media/**', 'src/store/**'],
    [
      {
        group: ['**/server/**', '**/worker/**', '**/cli/**', '**/sdk/**'],
        message: 'Adapters implement service/ports; they never import the callers of the service.',
      },
    ],
  ),
  zone(
    ['src/sdk/**'],
    [
      {
        group: [
          '**/core/**',
          '**/media/**',
          '**/store/**',
          '**/service/**',
          '**/server/**',
          '**/worker/**',
          '**/cli/**',
          'sharp',
          'pg',
          'better-sqlite3',
          'kysely',
          'fastify',
        ],
        message: 'The SDK is a standalone client with no server dependencies.',
      },
    ],
  ),
  {
    files: ['src/**'],
    ignores: ['src/config.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Only src/config.ts reads process.env.' },
      ],
    },
  },
);
