/**
 * Import boundaries of src/ (the shape in the design notes). The core (policy/, plan/, engine/,
 * gates/, sim/ and ports.ts) imports no Node built-in and nothing from runtime/, adapters/, cli/ or
 * api/; cli/ and api/ import no adapter (runtime/ is the one composition root); no import cycles.
 * Tests beside the core may read fixture files (node:fs); a core test that reaches into runtime/ or
 * an adapter is a warning, not an error. Run by `npm run lint:boundaries`, part of `npm run lint`.
 */
const CORE_DIRS = '(policy|plan|engine|gates|sim)';
const CORE = `^src/${CORE_DIRS}/|^src/ports\\.ts$`;
const TEST_FILE = '\\.test\\.ts$|\\.test-helper\\.ts$';
const CORE_TEST = `^src/${CORE_DIRS}/.*(\\.test\\.ts|\\.test-helper\\.ts)$`;
const OUTSIDE_THE_CORE = '^src/(runtime|adapters|cli|api)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-no-node-builtins',
      comment: 'The core imports no node:* module: files, the network, time and randomness come in through ports and values.',
      severity: 'error',
      from: { path: CORE, pathNot: TEST_FILE },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'core-no-runtime-adapters-edges',
      comment: 'The core imports nothing from runtime/, adapters/, cli/ or api/: they depend on the core, never the other way.',
      severity: 'error',
      from: { path: CORE, pathNot: TEST_FILE },
      to: { path: OUTSIDE_THE_CORE },
    },
    {
      name: 'core-tests-reach-outside-the-core',
      comment: 'A test beside core code that needs runtime/ or an adapter tests more than the core; it belongs beside what it needs.',
      severity: 'warn',
      from: { path: CORE_TEST },
      to: { path: OUTSIDE_THE_CORE },
    },
    {
      name: 'edges-no-adapters',
      comment: 'cli/ and api/ import no adapter: runtime/ builds the service (store, ports, controller, HTTP app) from options.',
      severity: 'error',
      from: { path: '^src/(cli|api)/' },
      to: { path: '^src/adapters/' },
    },
    {
      name: 'no-cycles',
      comment: 'No import cycles: in a cycle the order modules load in matters, and no one module owns the concept.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-type-only-cycles',
      comment: 'A cycle closed by an `import type` is erased when compiled, so it cannot break loading; it still ties the modules together.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, via: { dependencyTypes: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
