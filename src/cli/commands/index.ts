import type { Command } from 'commander';

type Registrar = (program: Command) => void;

/** Each command module and the commands it registers, in help order; one line per module. */
const MODULES: Array<[commands: string[], load: () => Promise<Registrar>]> = [
  [['create'], async () => (await import('./create.js')).registerCreate],
  [['status', 'check'], async () => (await import('./cluster-views.js')).registerClusterViews],
  [['fix'], async () => (await import('./fix.js')).registerFix],
  [['reshard'], async () => (await import('./reshard.js')).registerReshard],
  [['rebalance'], async () => (await import('./rebalance.js')).registerRebalance],
  [['add-node'], async () => (await import('./add-node.js')).registerAddNode],
  [['del-node'], async () => (await import('./del-node.js')).registerDelNode],
  [['up'], async () => (await import('./up.js')).registerUp],
  [['down'], async () => (await import('./down.js')).registerDown],
  [['scale'], async () => (await import('./scale.js')).registerScale],
  [['kill', 'restart', 'stop', 'start', 'rollout'], async () => (await import('./members.js')).registerMemberCommands],
  [['logs'], async () => (await import('./logs.js')).registerLogs],
  [['env', 'connect'], async () => (await import('./connect.js')).registerConnect],
  [['tls'], async () => (await import('./tls.js')).registerTls],
  [['bench'], async () => (await import('./bench.js')).registerBench],
  [['events'], async () => (await import('./events.js')).registerEvents],
  [['dashboard'], async () => (await import('./dashboard.js')).registerDashboard],
  [['render'], async () => (await import('./render.js')).registerRender],
  [['operator'], async () => (await import('./operator.js')).registerOperator],
];

/**
 * Registers the commands. Only the module of the command being run is loaded, which
 * takes about 0.1 s off every command's start-up; help, or a name rck does not know,
 * loads them all (so help lists every command and an unknown one gets suggestions).
 */
export async function registerCommands(program: Command, argv: string[]): Promise<void> {
  const name = argv.slice(2).find((a) => !a.startsWith('-'));
  const mine = MODULES.filter(([commands]) => name !== undefined && commands.includes(name));
  const registrars = await Promise.all((mine.length > 0 ? mine : MODULES).map(([, load]) => load()));
  for (const register of registrars) register(program);
}
