import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules', 'dist', 'data', 'drizzle', 'test/sim/**/public/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
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
