import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'dist-bench/**', 'node_modules/**', 'data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  { files: ['test/**', 'bench/**', 'src/bot/console-*.ts', 'src/main.ts'], rules: { 'no-console': 'off' } },
  // The Mini App's page runs in the browser (Telegram's web view), not in Node.
  { files: ['src/webapp/**/*.js'], languageOptions: { globals: globals.browser, sourceType: 'module' } },
);
