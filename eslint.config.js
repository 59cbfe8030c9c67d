// Lint rules: typescript-eslint's recommended set on our sources; generated and vendored files are ignored.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// The source tree's layers in the order the data flows. A module may import from its own layer and the ones before
// it, never from one after it: DSP knows nothing of the model, the pipeline nothing of the CLI. The last three are the
// platform shells.
const LAYERS = ['audio', 'dsp', 'model', 'optim', 'quality', 'report', 'pipeline', 'node', 'cli', 'web'];
// What only one platform's shells may import: the core (every layer before the shells) runs unchanged in both.
const NODE_ONLY = '^(node:|onnxruntime-node$|(fs|path|os|worker_threads|child_process)$)';
const BROWSER_ONLY = '^onnxruntime-web$';

/** The no-restricted-imports rule for the files of one layer. */
function layerRule(layer) {
  const index = LAYERS.indexOf(layer);
  const shell = index >= LAYERS.indexOf('node');
  // The web shell, last, binds onnxruntime-web and the browser's APIs: it imports neither the Node library nor the CLI.
  const forbidden = layer === 'web' ? ['node', 'cli'] : LAYERS.slice(index + 1);
  const patterns = [];
  if (forbidden.length > 0) {
    patterns.push({
      regex: `^\\.\\./(${forbidden.join('|')})/`,
      message: layer === 'web'
        ? 'src/web is the browser shell: it imports neither src/node nor src/cli; move what they share into the core.'
        : `src/${layer} comes before ${forbidden.map((other) => `src/${other}`).join(', ')} in the data flow (LAYERS, eslint.config.js): move the shared code down a layer instead.`,
    });
  }
  if (!shell) {
    const message = `src/${layer} is core code that runs in Node and the browser alike: platform APIs and an onnxruntime binding belong in src/node or src/web.`;
    patterns.push({ regex: NODE_ONLY, message }, { regex: BROWSER_ONLY, message });
  } else if (layer === 'web') {
    patterns.push({ regex: NODE_ONLY, message: 'src/web runs in the browser: Node APIs and onnxruntime-node belong in src/node.' });
  } else {
    patterns.push({ regex: BROWSER_ONLY, message: `src/${layer} runs in Node, on onnxruntime-node: onnxruntime-web belongs in src/web.` });
  }
  return { files: [`src/${layer}/**/*.ts`], rules: { 'no-restricted-imports': ['error', { patterns }] } };
}

export default tseslint.config(
  { ignores: ['dist/**', 'dist-whole/**', 'node_modules/**', 'out/**', 'web/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...LAYERS.map(layerRule),
  // The page's own scripts (web/) run in the browser too: they build on the core and src/web only.
  {
    files: ['web/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { regex: '^\\.\\./src/(node|cli)/', message: 'The web page builds on the core and src/web: src/node and src/cli are the Node shells.' },
        { regex: NODE_ONLY, message: 'The web page runs in the browser: Node APIs and onnxruntime-node belong in src/node.' },
      ] }],
    },
  },
);
