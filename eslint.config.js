// @ts-check
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['node_modules', 'dist', 'data', 'drizzle', 'coverage', 'test/sim/**/public/**'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    // Type-aware rules read the same program `tsc --noEmit` checks (tsconfig.json), so they see every file that runs.
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A job, sync or route that forgets an await finishes before its work does and loses its errors.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // `return promise` inside try lets its rejection skip the catch, and the finally run before it settles.
      '@typescript-eslint/return-await': ['error', 'error-handling-correctness-only'],
      // Whatever is thrown or rejected is an Error, with a message and a stack a person can follow.
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/prefer-promise-reject-errors': 'error',
      // A cast that changes nothing hides the place a real type mismatch would show later.
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      // A status, classification or event kind added later must be handled by every switch over it.
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      '@typescript-eslint/no-misused-spread': 'error',
      '@typescript-eslint/no-for-in-array': 'error',
      '@typescript-eslint/no-array-delete': 'error',
      '@typescript-eslint/no-implied-eval': 'error',
    },
  },
  {
    // SuiteScript 2.1 runs inside NetSuite, where define() is the module loader.
    files: ['netsuite/**/*.js'],
    languageOptions: { globals: { define: 'readonly' } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
);
