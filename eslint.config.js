// Lint rules, including the architecture's import boundaries: a wrong arrow fails CI, not a review.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * Imports each folder may not use, as regular expressions over the import specifier.
 * The rules are explained in docs/ARCHITECTURE.md ("Import rules").
 */
export const boundaries = {
  // The renderer runs in a sandboxed page: it talks to the engine only through the contract.
  renderer: String.raw`(^|/)(main|preload|simulator)(/|$)|^node:|^(electron|better-sqlite3|ws)$`,
  // shared is the contract, importable from every side: it imports nothing but itself and zod.
  shared: String.raw`^(?!zod$|\./)`,
  // The preload may use only electron's renderer modules and shared names (zod stays out of it).
  preload: String.raw`(^|/)(main|renderer|simulator)(/|$)|^node:|^zod$`,
  // The engine never reaches into the UI.
  main: String.raw`(^|/)(renderer|preload)(/|$)`,
  // The simulator is a separate program: codecs (protocol.ts, plist.ts), errors and shared only.
  simulator: String.raw`(^|/)(renderer|preload)(/|$)|(^|/)main/(cli|app|server)(/|$)|/main/engine$|client$`,
};

const restrict = (regex) => ({
  'no-restricted-imports': [
    'error',
    { patterns: [{ regex, message: 'This import crosses an architecture boundary (docs/ARCHITECTURE.md).' }] },
  ],
});

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'resources/**', 'coverage/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: restrict(boundaries.renderer),
  },
  { files: ['src/shared/**/*.ts'], rules: restrict(boundaries.shared) },
  { files: ['src/preload/**/*.ts'], rules: restrict(boundaries.preload) },
  { files: ['src/main/**/*.ts'], rules: restrict(boundaries.main) },
  { files: ['src/simulator/**/*.ts'], rules: restrict(boundaries.simulator) },
);
