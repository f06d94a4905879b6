// ESLint for the web demo (`make lint`, `npm run lint`): the recommended rules, plus the ones
// that catch real mistakes in this code (unused variables, == instead of ===, var, shadowed
// promises left floating). Page modules run in the browser, engine_worker.js in a classic
// worker with TensorFlow.js's global `tf`, the tests in Node.
import js from '@eslint/js';
import globals from 'globals';

export default [
  { ignores: ['node_modules/**'] },
  js.configs.recommended,
  {
    files: ['js/**/*.js'],
    languageOptions: { sourceType: 'module', globals: { ...globals.browser } },
    rules: {
      eqeqeq: ['error', 'always'],
      'no-var': 'error',
      'prefer-const': 'error',
      'no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-shadow': 'error',
    },
  },
  {
    files: ['js/engine_worker.js', 'js/projection_worker.js', 'js/file-check.js'],
    languageOptions: {
      sourceType: 'script',
      // projection_worker.js also exports its functions to Node's tests through `module`.
      globals: { ...globals.worker, ...globals.browser, tf: 'readonly', module: 'writable',
        Buffer: 'readonly' },
    },
  },
  {
    files: ['test/**/*.js', 'eslint.config.js'],
    languageOptions: { sourceType: 'module', globals: { ...globals.node } },
  },
];
