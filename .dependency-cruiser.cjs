/**
 * The layering of src/ (ARCHITECTURE.md), checked by `npm run check:imports`, which the
 * test command runs: lower layers never import higher ones, and there is no cycle.
 *   errors, redis/address  <  redis, spec, topology  <  plan  <  ops  <  controller
 *   <  manifests, platform, workload  <  cli
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'an import cycle', from: {}, to: { circular: true } },
    {
      name: 'plan-is-pure',
      severity: 'error',
      comment: 'plan/ imports only plan, topology, spec, errors and the address parser (no I/O)',
      from: { path: '^src/plan/' },
      to: { path: '^src/', pathNot: ['^src/(plan|topology|spec)/', '^src/errors\\.ts$', '^src/redis/address\\.ts$'] },
    },
    {
      name: 'topology-and-ops-below-controller',
      severity: 'error',
      from: { path: '^src/(topology|ops|redis|spec)/' },
      to: { path: '^src/(controller|platform|cli|workload|manifests)/' },
    },
    {
      name: 'topology-below-plan-and-ops',
      severity: 'error',
      from: { path: '^src/(topology|redis|spec)/' },
      to: { path: '^src/(plan|ops)/' },
    },
    {
      name: 'controller-below-platforms',
      severity: 'error',
      comment: 'the controller sees members only through its interfaces',
      from: { path: '^src/controller/' },
      to: { path: '^src/(platform|cli|workload|manifests)/' },
    },
    {
      name: 'nothing-imports-cli',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
