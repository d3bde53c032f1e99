// The import rules `npm run lint` checks with dependency-cruiser (docs/development.md#layout).
//
// The function (lambda/) is layered: a folder imports only itself and the folders below it,
// so a reader can start at handler.ts and go down without meeting a circle. The published
// clients stand alone, and nothing deployed imports the tooling around it.

/** lambda/'s folders, top to bottom (DESIGN.md). handler.ts and wiring.ts sit above them all. */
const LAYERS = ['entry', 'telemetry', 'protocol', 'config', 'table', 'issuer', 'credentials', 'core'];

/** One rule per folder: it may not import a folder above it, nor the two top-level files. */
const layering = LAYERS.map((folder, index) => {
  const above = LAYERS.slice(0, index);
  return {
    name: `lambda-${folder}-imports-only-below`,
    comment:
      `lambda/${folder}/ sits below ${above.length > 0 ? above.map((f) => `${f}/`).join(', ') + ', ' : ''}` +
      'handler.ts and wiring.ts: it must not import them (move the shared piece down, or the caller up).',
    severity: 'error',
    from: { path: `^lambda/${folder}/` },
    to: { path: `^lambda/(${[...above, 'handler', 'wiring'].join('|')})(/|\\.ts$)` },
  };
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import circle: the modules on it cannot be read (or tested) one without the other.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'lambda-top-level-is-handler-and-wiring',
      comment: 'lambda/ holds handler.ts and wiring.ts at its top; everything else lives in a folder by concern.',
      severity: 'error',
      from: { path: '^lambda/[^/]+\\.ts$', pathNot: '^lambda/(handler|wiring)\\.ts$' },
      to: {},
    },
    {
      name: 'lambda-top-level-is-handler-and-wiring-too',
      comment: 'The same rule seen from the importer: a module at the top of lambda/ other than handler.ts and wiring.ts.',
      severity: 'error',
      from: {},
      to: { path: '^lambda/[^/]+\\.ts$', pathNot: '^lambda/(handler|wiring)\\.ts$' },
    },
    {
      name: 'lambda-imports-no-tooling',
      comment: 'The deployed function bundles lambda/ alone: it may not import the construct, the clients, scripts, the benchmark or tests.',
      severity: 'error',
      from: { path: '^lambda/' },
      to: { path: '^(infra|client|scripts|bench|test|bin)/' },
    },
    {
      name: 'lambda-has-no-barrels',
      comment: 'lambda/ is bundled, not published: import the module itself, not an index.ts.',
      severity: 'error',
      from: { path: '^lambda/' },
      to: { path: '^lambda/(index|.*/index)\\.ts$' },
    },
    {
      name: 'client-stands-alone',
      comment: "The published clients keep their own copies of the function's rules (a test keeps them equal), so their types stand alone.",
      severity: 'error',
      from: { path: '^client/' },
      to: { path: '^(lambda|infra|scripts|bench|test)/' },
    },
    {
      name: 'infra-imports-no-tooling',
      comment: 'The construct is published: it may read lambda/ for shared rules, never scripts, the benchmark or tests.',
      severity: 'error',
      from: { path: '^infra/' },
      to: { path: '^(scripts|bench|test|client)/' },
    },
    ...layering,
    {
      name: 'no-orphans',
      comment: 'A module nothing imports and that imports nothing is dead code, or a test without its subject.',
      severity: 'error',
      from: {
        orphan: true,
        pathNot: ['\\.d\\.ts$', '(^|/)\\.[^/]+\\.(c|m)?js$', '\\.config\\.(c|m)?js$', '^test/.+\\.test\\.ts$', '^test/package/fixtures/'],
      },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|cdk\\.out|coverage|\\.local|\\.runtime|bench/\\.build)/' },
    // Type-only imports count: a circle of types is still a circle for the reader.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
  },
};
