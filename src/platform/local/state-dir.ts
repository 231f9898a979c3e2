/**
 * The local state directory of one cluster: everything `rck up` needs to bring the same
 * cluster back, and what the other commands read to find it.
 *
 *   <root>/<name>/                 root: $RCK_STATE_HOME, else $XDG_STATE_HOME/rck, else ~/.local/state/rck
 *     cluster.json                 identity (name, uid, size, bootstrappedAt) - refuses a foreign cluster
 *     spec.json                    the applied spec
 *     secret                       the generated password (0600)
 *     redis.conf                   shared configuration (the ConfigMap)
 *     members.json                 each member's last address (so `up` after `down` reuses ports)
 *     supervisor.json              pid of the running supervisor, its log file
 *     supervisor.log               supervisor output with --detach
 *     events.jsonl                 platform events, one JSON object a line
 *     members/<member>/member.conf the member's own conf with the password (0600)
 *     members/<member>/data/       the member's volume: nodes.conf, appendonlydir
 *     members/<member>/redis.log   the member's log (container logs)
 *     users/<name>                 with spec.auth.users: each user's generated password (0600)
 *     keeper/rck-admin             with spec.auth: the passwords of rck's own users (0600, spec/keeper-users.ts)
 *     keeper/rck-replication
 *     tls/                         with spec.tls.enabled: the CA, client and member certificates (tls-files.ts)
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { InputError, errorText } from '../../errors.js';
import type { RedisCluster } from '../../spec/schema.js';
import { type ConnectionProfile, passwordProfile, withTls } from '../../redis/profile.js';
import { TlsFiles } from './tls-files.js';
import { ADMIN_USER, type KeeperPasswords, REPLICATION_USER, adminProfile } from '../../spec/keeper-users.js';

export const STATE_FORMAT = 1;

export interface ClusterIdentity {
  format: number;
  name: string;
  uid: string;
  createdAt: string;
  /** The shape it was created with (the applied spec says the current one). */
  masters: number;
  replicasPerMaster: number;
  /** Set once the engine created the cluster; `up` never creates it again after this. */
  bootstrappedAt?: string;
}

export interface MemberRecord {
  name: string;
  ordinal: number;
  host: string;
  port: number;
  pid?: number;
  /** Failure domain given when the member was first created (a pod stays on its node). */
  domain?: string;
  /** Restarts and re-creations so far (kept across supervisors, as a pod's restartCount). */
  restarts?: number;
}

export interface MembersFile {
  /** Next port to try when a member needs a new address (round robin over the range). */
  nextPort: number;
  members: MemberRecord[];
}

export interface SupervisorRecord {
  pid: number;
  startedAt: string;
  logFile?: string;
}

/** Root under which each cluster gets `<name>/`. */
export function stateHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.RCK_STATE_HOME) return resolve(env.RCK_STATE_HOME);
  if (env.XDG_STATE_HOME) return join(resolve(env.XDG_STATE_HOME), 'rck');
  return join(homedir(), '.local', 'state', 'rck');
}

export class StateDir {
  constructor(readonly dir: string) {}

  static forCluster(name: string, explicitDir?: string): StateDir {
    return new StateDir(explicitDir ? resolve(explicitDir) : join(stateHome(), name));
  }

  get clusterFile(): string {
    return join(this.dir, 'cluster.json');
  }
  get specFile(): string {
    return join(this.dir, 'spec.json');
  }
  get secretFile(): string {
    return join(this.dir, 'secret');
  }
  get sharedConf(): string {
    return join(this.dir, 'redis.conf');
  }
  get membersFile(): string {
    return join(this.dir, 'members.json');
  }
  get supervisorFile(): string {
    return join(this.dir, 'supervisor.json');
  }
  get supervisorLog(): string {
    return join(this.dir, 'supervisor.log');
  }
  get eventsFile(): string {
    return join(this.dir, 'events.jsonl');
  }
  /** The TLS material (spec.tls.enabled). */
  get tls(): TlsFiles {
    return new TlsFiles(join(this.dir, 'tls'));
  }
  memberDir(member: string): string {
    return join(this.dir, 'members', member);
  }
  memberConf(member: string): string {
    return join(this.memberDir(member), 'member.conf');
  }
  memberData(member: string): string {
    return join(this.memberDir(member), 'data');
  }
  /** A member's volume replaced by an empty one (`rck kill --lose-volume`). */
  async emptyMemberData(member: string): Promise<void> {
    await rm(this.memberData(member), { recursive: true, force: true });
    await mkdir(this.memberData(member), { recursive: true, mode: 0o700 });
  }

  memberLog(member: string): string {
    return join(this.memberDir(member), 'redis.log');
  }

  /** Unix socket of the supervisor's control channel; short path when the dir is deep (108-byte limit). */
  get controlSocket(): string {
    const p = join(this.dir, 'control.sock');
    if (p.length < 100) return p;
    return join(tmpdir(), `rck-${createHash('sha1').update(this.dir).digest('hex').slice(0, 16)}.sock`);
  }

  async exists(): Promise<boolean> {
    return (await readJson<ClusterIdentity>(this.clusterFile)) !== undefined;
  }

  async readIdentity(): Promise<ClusterIdentity | undefined> {
    return readJson<ClusterIdentity>(this.clusterFile);
  }

  /**
   * Checks this directory may hold `cluster` and returns its identity if it already does.
   * Refuses a directory of another cluster or a non-rck directory. A size change is a
   * scale, which the controller carries out.
   */
  async checkOwnership(cluster: RedisCluster): Promise<ClusterIdentity | undefined> {
    const name = cluster.metadata.name;
    const id = await this.readIdentity();
    if (!id) {
      const entries = await readdir(this.dir).catch(() => [] as string[]);
      if (entries.length > 0) {
        throw new InputError(`state directory ${this.dir} is not empty and holds no rck cluster; refusing to use it`, { subject: this.dir });
      }
      return undefined;
    }
    if (id.name !== name) {
      throw new InputError(`state directory ${this.dir} belongs to cluster "${id.name}", not "${name}"`, {
        subject: this.dir,
        hint: 'use another --state-dir, or the spec of that cluster',
      });
    }
    return id;
  }

  /** Creates the directory and identity for a new cluster. */
  async init(cluster: RedisCluster): Promise<ClusterIdentity> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const id: ClusterIdentity = {
      format: STATE_FORMAT,
      name: cluster.metadata.name,
      uid: randomUUID(),
      createdAt: new Date().toISOString(),
      masters: cluster.spec.masters,
      replicasPerMaster: cluster.spec.replicasPerMaster,
    };
    await writeJson(this.clusterFile, id);
    return id;
  }

  async markBootstrapped(): Promise<void> {
    const id = await this.readIdentity();
    if (!id || id.bootstrappedAt) return;
    await writeJson(this.clusterFile, { ...id, bootstrappedAt: new Date().toISOString() });
  }

  async writeSpec(cluster: RedisCluster): Promise<void> {
    await writeJson(this.specFile, cluster);
  }

  async readSpec(): Promise<RedisCluster> {
    const spec = await readJson<RedisCluster>(this.specFile);
    if (!spec) throw new InputError(`no cluster in ${this.dir} (run \`rck up\` first)`, { subject: this.dir });
    // Applied before spec.tls existed (read as stored, not through the schema): TLS off, the default.
    spec.spec.tls ??= { enabled: false, authClients: true };
    spec.spec.auth.users ??= [];
    spec.spec.auth.defaultUser ??= 'on';
    return spec;
  }

  /**
   * How the keeper connects to this cluster's members (redis/profile.ts): as rck-admin when the
   * cluster has the keeper's users, else (auth off, or made before them) as the default user.
   */
  async profile(cluster: RedisCluster, clientName = 'rck'): Promise<ConnectionProfile> {
    const [keeper, password, tls] = await Promise.all([this.keeperPasswords(cluster), this.password(cluster), cluster.spec.tls.enabled ? this.tls.clientTls() : undefined]);
    const who = keeper ? adminProfile(keeper.admin, clientName) : passwordProfile(password, clientName);
    return withTls(who, tls);
  }

  /**
   * The passwords of rck's own users (spec/keeper-users.ts), or undefined when auth is off or
   * the cluster has none yet. Made with `create` only: prepare.ts decides when members can get them.
   */
  async keeperPasswords(cluster: RedisCluster, create = false): Promise<KeeperPasswords | undefined> {
    if (!cluster.spec.auth.enabled) return undefined;
    const [admin, replication] = await Promise.all([ADMIN_USER, REPLICATION_USER].map((u) => this.secretIn(this.keeperFile(u), create)));
    return admin && replication ? { admin, replication } : undefined;
  }

  /** The password, generated on first use when auth is on; undefined when auth is off. */
  async password(cluster: RedisCluster, create = false): Promise<string | undefined> {
    if (!cluster.spec.auth.enabled) return undefined;
    try {
      return (await readFile(this.secretFile, 'utf8')).trim();
    } catch {
      if (!create) return undefined;
    }
    const pw = randomBytes(24).toString('base64url');
    await writeFile(this.secretFile, `${pw}\n`, { mode: 0o600 });
    await chmod(this.secretFile, 0o600);
    return pw;
  }

  /** The generated password of ACL user `name` (spec.auth.users), made on first use with `create`. */
  userPassword(name: string, create = false): Promise<string | undefined> {
    return this.secretIn(this.userFile(name), create);
  }

  /** A generated password kept in `file` (0600, in a 0700 directory), made on first use with `create`. */
  private async secretIn(file: string, create: boolean): Promise<string | undefined> {
    try {
      return (await readFile(file, 'utf8')).trim();
    } catch {
      if (!create) return undefined;
    }
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    const pw = randomBytes(24).toString('base64url');
    await writeFile(file, `${pw}\n`, { mode: 0o600, flag: 'wx' }).catch(() => undefined); // another writer won: read theirs
    return (await readFile(file, 'utf8')).trim();
  }

  /** The password file of one of rck's own users. */
  keeperFile(name: string): string {
    return join(this.dir, 'keeper', name);
  }

  userFile(name: string): string {
    return join(this.dir, 'users', name);
  }

  async readMembers(): Promise<MembersFile | undefined> {
    return readJson<MembersFile>(this.membersFile);
  }

  async writeMembers(m: MembersFile): Promise<void> {
    await writeJson(this.membersFile, m);
  }

  async readSupervisor(): Promise<SupervisorRecord | undefined> {
    return readJson<SupervisorRecord>(this.supervisorFile);
  }
}

/** Names of clusters under the state home, for commands run without -f/--name. */
export async function listClusters(): Promise<string[]> {
  const root = stateHome();
  const names = await readdir(root).catch(() => [] as string[]);
  const out: string[] = [];
  for (const n of names.sort()) if (await new StateDir(join(root, n)).exists()) out.push(n);
  return out;
}

async function readJson<T>(path: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new InputError(`${path}: corrupt state file (${errorText(err)})`, { subject: path });
  }
}

/** Atomic write (temp + rename) so a crash never leaves half a file; 0600 because state may be sensitive. */
export async function writeJson(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, path);
}

/**
 * Writes members.json one write at a time, each taking its snapshot when it runs, so a
 * slow earlier write can never land last with stale pids (the next supervisor relies on
 * them to find leftover processes).
 */
export class MembersFileWriter {
  private last: Promise<void> = Promise.resolve();

  constructor(private readonly state: StateDir) {}

  write(snapshot: () => MembersFile): Promise<void> {
    const write = () => this.state.writeMembers(snapshot());
    const run = this.last.then(write, write);
    this.last = run.catch(() => {});
    return run;
  }
}
