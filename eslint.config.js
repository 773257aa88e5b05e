/**
 * Lint for the whole repository: ESLint's and typescript-eslint's recommended rules, a few rules
 * that need types (promises that are neither awaited nor handled, awaits of non-promises, throws of
 * non-errors), and the layout rules (@stylistic) that the hand-formatted code already follows, so that
 * `eslint --fix` corrects a slip and never re-wraps a file. Import boundaries and cycles are checked
 * by dependency-cruiser (.dependency-cruiser.cjs). `npm run lint` runs both.
 */
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import stylistic from '@stylistic/eslint-plugin';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Layout the code already follows everywhere (checked; nothing here re-wraps long lines). */
const layout = {
  '@stylistic/semi': ['error', 'always'],
  '@stylistic/semi-spacing': 'error',
  '@stylistic/semi-style': 'error',
  '@stylistic/no-extra-semi': 'error',
  '@stylistic/quotes': ['error', 'single', { avoidEscape: true, allowTemplateLiterals: 'always' }],
  '@stylistic/comma-dangle': ['error', 'always-multiline'],
  '@stylistic/comma-spacing': 'error',
  '@stylistic/comma-style': 'error',
  '@stylistic/no-tabs': 'error',
  '@stylistic/no-mixed-spaces-and-tabs': 'error',
  '@stylistic/no-trailing-spaces': 'error',
  '@stylistic/eol-last': 'error',
  '@stylistic/linebreak-style': ['error', 'unix'],
  '@stylistic/no-multiple-empty-lines': ['error', { max: 2, maxBOF: 0, maxEOF: 1 }],
  '@stylistic/no-multi-spaces': 'error',
  '@stylistic/max-len': ['error', { code: 280, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreComments: true }],
  '@stylistic/brace-style': ['error', '1tbs', { allowSingleLine: true }],
  '@stylistic/block-spacing': 'error',
  '@stylistic/keyword-spacing': 'error',
  '@stylistic/space-before-blocks': 'error',
  '@stylistic/space-before-function-paren': ['error', { anonymous: 'always', named: 'never', asyncArrow: 'always' }],
  '@stylistic/space-infix-ops': 'error',
  '@stylistic/space-unary-ops': 'error',
  '@stylistic/key-spacing': 'error',
  '@stylistic/arrow-parens': ['error', 'always'],
  '@stylistic/arrow-spacing': 'error',
  '@stylistic/computed-property-spacing': 'error',
  '@stylistic/function-call-spacing': 'error',
  '@stylistic/template-curly-spacing': 'error',
  '@stylistic/template-tag-spacing': 'error',
  '@stylistic/rest-spread-spacing': 'error',
  '@stylistic/generator-star-spacing': ['error', { before: false, after: true }],
  '@stylistic/yield-star-spacing': ['error', 'after'],
  '@stylistic/switch-colon-spacing': 'error',
  '@stylistic/no-whitespace-before-property': 'error',
  '@stylistic/dot-location': ['error', 'property'],
  '@stylistic/new-parens': 'error',
  '@stylistic/no-floating-decimal': 'error',
  '@stylistic/nonblock-statement-body-position': 'error',
  '@stylistic/padded-blocks': ['error', 'never'],
  '@stylistic/spaced-comment': ['error', 'always', { markers: ['/'], block: { balanced: true } }],
  '@stylistic/member-delimiter-style': 'error',
  '@stylistic/type-annotation-spacing': 'error',
  '@stylistic/type-generic-spacing': 'error',
  '@stylistic/type-named-tuple-spacing': 'error',
};

export default defineConfig(
  { ignores: ['node_modules/', 'coverage/', 'test-results/', '.meridian/', 'tmp/'] },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  tseslint.configs.recommended,
  { plugins: { '@stylistic': stylistic }, rules: layout },
  {
    rules: {
      // Redaction and field validation match control characters on purpose (written as \x00-\x1f escapes).
      'no-control-regex': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true, argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/prefer-promise-reject-errors': 'error',
      '@typescript-eslint/restrict-template-expressions': 'error',
      '@typescript-eslint/no-for-in-array': 'error',
      '@typescript-eslint/no-implied-eval': 'error',
    },
  },
  { files: ['bin/**/*.js', '*.js', '*.cjs'], languageOptions: { globals: globals.node } },
  { files: ['*.cjs'], languageOptions: { sourceType: 'commonjs' } },
  { files: ['src/api/dashboard/assets/**/*.js'], languageOptions: { globals: globals.browser } },
);
