// Type-aware lint: floating promises and misused promises are errors, because an
// unawaited store call in an auth path is a security bug, not a style issue. The import
// rules keep the layers of docs/architecture.md: every import points down, no cycles.
import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/, lowest first. A module may import from its own layer and the ones
 * below; never from a layer above.
 */
const LAYERS = [
  ['src/errors.ts', 'src/util', 'src/version.ts'],
  ['src/config', 'src/logger.ts'],
  ['src/redis', 'src/metrics'],
  // State and infrastructure: the session store, the accounts database and its tables,
  // the security events (their table and recorder), mail, and the crypto of the factors.
  // None of them knows a flow.
  ['src/store', 'src/group', 'src/persistence', 'src/events', 'src/mail', 'src/crypto'],
  // The token and password building blocks.
  ['src/auth'],
  // The user-facing flows, one folder of operations each (docs/architecture.md).
  ['src/flows'],
  ['src/http'],
  ['src/app.ts'],
  ['src/compose.ts'],
  ['src/server.ts'],
  ['src/cluster'],
  ['src/main.ts', 'src/cli.ts', 'src/commands'],
];

/** The rule takes globs or plain paths, not both: make every entry a glob. */
const glob = (p) => (p.endsWith('.ts') ? `./${p.replace(/\.ts$/, '.[t]s')}` : `./${p}/**`);

const layerZones = LAYERS.slice(0, -1).flatMap((layer, i) =>
  layer.map((target) => ({
    target: glob(target),
    from: LAYERS.slice(i + 1)
      .flat()
      .map(glob),
    message: `${target} is in a lower layer: it must not import from a higher one (docs/architecture.md).`,
  })),
);

/** The user-facing flows (src/flows/<flow>/): each imports only src/flows/shared and below. */
const FLOWS = ['login', 'registration', 'recovery', 'factors', 'sessions', 'settings', 'admin'];

// The session store and the pool never depend on metrics: metrics read them.
const extraZones = [
  {
    target: glob('src/redis'),
    from: [glob('src/metrics')],
    message: 'The pool publishes; the metrics layer reads it.',
  },
  { target: glob('packages'), from: [glob('src')], message: 'Workspace packages stand on their own.' },
  // A flow is a folder of operations; what two flows share lives in flows/shared.
  ...FLOWS.map((flow) => ({
    target: glob(`src/flows/${flow}`),
    from: FLOWS.filter((other) => other !== flow).map((other) => glob(`src/flows/${other}`)),
    message: 'A flow does not import another flow: move what both need to src/flows/shared.',
  })),
  {
    target: glob('src/flows/shared'),
    from: FLOWS.map((flow) => glob(`src/flows/${flow}`)),
    message: 'src/flows/shared serves the flows; it never imports one.',
  },
];

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      'node_modules/**',
      'packages/*/dist/**',
      'var/**',
      'coverage/**',
      'reports/**',
      'bench/results/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test's describe/it return promises the runner itself awaits.
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: ['describe', 'it', 'test', 'suite', 'before', 'after'],
            },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // Fastify handlers and plugins are async by contract even when they do not await.
      '@typescript-eslint/require-await': 'off',
      'no-console': 'off',
    },
  },
  {
    files: ['src/**/*.ts', 'packages/*/src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // Without .ts here the rules never follow an import into a TypeScript file.
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { zones: [...layerZones, ...extraZones] }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        document: 'readonly',
        window: 'readonly',
      },
    },
  },
);
