// @ts-check
/**
 * The architecture's layers as a check (`npm run lint:layers`): a module imports only its own layer or lower ones, and
 * no imports run in a circle. Layers, lowest first:
 *   base         src/config, src/log.ts, src/time-zone.ts, src/storable-text.ts, src/connection-check.ts, src/resilience
 *   data         src/db, src/models
 *   runtime      src/jobs, src/api (the server kit), src/feature.ts (the plugin contract), src/browser, src/status
 *                (the status page: run history and ledger tables read through src/models), src/metrics,
 *                src/shared-resources.ts (clients several features share)
 *   connectors   src/connectors/<system>: pure clients, on base only
 *   domain       src/ledger, src/customers
 *   flows        src/scrapers, src/sync: each flow folder stands alone; src/alerts (reads domain and run state)
 *   composition  src/features.ts, src/worker.ts, src/cli.ts and its commands (src/cli/)
 */

const base =
  '^src/(config/|log\\.ts$|time-zone\\.ts$|storable-text\\.ts$|connection-check\\.ts$|resilience/)';
const data = '^src/(db|models)/';
const runtime = '^src/(jobs/|api/|browser/|status/|metrics/|feature\\.ts$|shared-resources\\.ts$)';
const connectors = '^src/connectors/';
const domain = '^src/(ledger|customers)/';
const flows = '^src/(scrapers|sync|alerts)/';
const composition = '^src/((features|worker|cli)\\.ts$|cli/)';
const layered = [base, data, runtime, connectors, domain, flows, composition];

/**
 * @param {string} name the layer's name
 * @param {string} layer
 * @param {string[]} below the layers it may import besides its own
 * @returns {import('dependency-cruiser').IForbiddenRuleType}
 */
const onlyDownwards = (name, layer, below) => ({
  name: `${name}-imports-downwards-only`,
  severity: 'error',
  comment: `A ${name} module may import only its own layer or the layers below it.`,
  from: { path: layer },
  to: { path: '^src/', pathNot: [layer, ...below] },
});

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'An import cycle has no bottom: neither side can be understood, tested or moved without the other.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-circular-folders',
      severity: 'error',
      comment: 'Folders form layers too: two folders that import each other are one tangled concept.',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
    onlyDownwards('base', base, []),
    onlyDownwards('data', data, [base]),
    onlyDownwards('runtime', runtime, [base, data]),
    onlyDownwards('domain', domain, [base, data, runtime]),
    onlyDownwards('flows', flows, [base, data, runtime, connectors, domain]),
    {
      name: 'connector-imports-base-only',
      severity: 'error',
      comment:
        'A connector is a pure client of one system: it may import only base (config, log, time zones, resilience), ' +
        'its own folder and files shared by all connectors (directly in src/connectors/), never the database, the ' +
        'runtime, a domain folder, a flow or another connector.',
      from: { path: '^src/connectors/([^/]+)/' },
      to: { path: '^src/', pathNot: [base, '^src/connectors/$1/', '^src/connectors/[^/]+$'] },
    },
    {
      name: 'shared-connector-code-imports-base-only',
      severity: 'error',
      comment:
        'Files directly in src/connectors/ are shared by every connector, so they stand on base alone.',
      from: { path: '^src/connectors/[^/]+$' },
      to: { path: '^src/', pathNot: [base, '^src/connectors/[^/]+$'] },
    },
    {
      name: 'flow-folders-stand-alone',
      severity: 'error',
      comment:
        'A flow folder (src/sync/<flow>, src/scrapers/<portal>) must not import another flow folder; what two flows ' +
        "share lives directly in src/scrapers/ or src/sync/ (the portals' crawl driver in src/scrapers/crawl/), or lower down.",
      from: { path: '^src/(scrapers|sync)/([^/]+)/', pathNot: '^src/scrapers/crawl/' },
      to: { path: '^src/(scrapers|sync)/[^/]+/', pathNot: ['^src/$1/$2/', '^src/scrapers/crawl/'] },
    },
    {
      name: 'shared-flow-code-knows-no-flow',
      severity: 'error',
      comment:
        'Files directly in src/scrapers/ or src/sync/, and the crawl driver, are shared by the flows, so they must not import one.',
      from: { path: ['^src/(scrapers|sync)/[^/]+$', '^src/scrapers/crawl/'] },
      to: { path: '^src/(scrapers|sync)/[^/]+/', pathNot: '^src/scrapers/crawl/' },
    },
    {
      name: 'module-outside-the-layers',
      severity: 'error',
      comment:
        'Every module under src/ belongs to a layer; a new top-level file or folder must be placed in ' +
        '.dependency-cruiser.js first.',
      from: { path: '^src/', pathNot: layered },
      to: {},
    },
    {
      name: 'import-of-module-outside-the-layers',
      severity: 'error',
      comment:
        'Every module under src/ belongs to a layer; a new top-level file or folder must be placed in ' +
        '.dependency-cruiser.js first.',
      from: {},
      to: { path: '^src/', pathNot: layered },
    },
    {
      name: 'src-never-imports-tests',
      severity: 'error',
      comment: 'The worker ships without test/; nothing under src/ may depend on it.',
      from: { path: '^src/' },
      to: { path: '^test/' },
    },
    {
      name: 'simulators-stand-apart',
      severity: 'error',
      comment:
        'A simulator behaves like the real system as documented, not like our code: it must not import src/, or ' +
        'it agrees with our bugs. Allowed: pure descriptions of the remote both sides must share (the OPMS table ' +
        'names, which tenants configure).',
      from: { path: '^test/sim/' },
      to: { path: '^src/', pathNot: '^src/connectors/opms/settings\\.ts$' },
    },
    {
      name: 'src-not-to-dev-dependency',
      severity: 'error',
      comment: 'The production image installs without devDependencies (npm ci --omit=dev).',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-undeclared-package',
      severity: 'error',
      comment:
        'A package imported but not in package.json works only while another package happens to bring it.',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown', 'unknown'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a type that crosses the layers upwards couples them just as much.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Resolve packages the way Node resolves this ESM project's imports, so ESM-only packages are found too.
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'node', 'default'],
      mainFields: ['module', 'main'],
    },
  },
};
