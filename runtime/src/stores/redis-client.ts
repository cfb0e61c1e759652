/**
 * From a Redis backend config to an ioredis client: which of `url`, `cluster`, `sentinel` is
 * given, the multi-host URLs the WHATWG parser rejects (`redis-cluster://h:p,h:p`,
 * `redis-sentinel://h:p,h:p/name`), and CacheLens's defaults (bounded commands, no offline
 * queue). Apart from the connection, which only needs a client, and from the store.
 */
import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { BackendConfigError, BackendDependencyMissingError } from './remote/errors.js';
import type { RedisBackendConfig, RedisNode } from './redis.js';

type IoredisModule = typeof import('ioredis');
export type Client = Redis | Cluster;

function loadIoredis(): IoredisModule {
  try {
    // Loaded on first use: apps that never use Redis never load (or install) ioredis.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('ioredis') as IoredisModule;
  } catch (error) {
    throw new BackendDependencyMissingError('redis', 'ioredis', error);
  }
}

export function parseNode(node: RedisNode, option: string): { host: string; port: number } {
  if (typeof node !== 'string') return node;
  const at = node.lastIndexOf(':');
  const port = Number(node.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port)) throw new BackendConfigError('redis', option, `has "${node}", expected "host:port".`);
  return { host: node.slice(0, at), port };
}

/** Splits `scheme://[user:pass@]h:p,h:p/rest` (URL parsing rejects host lists). */
export function parseMultiHostUrl(url: string): { nodes: { host: string; port: number }[]; password?: string; username?: string; path: string[] } {
  const rest = url.slice(url.indexOf('://') + 3);
  const slash = rest.indexOf('/');
  let hosts = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? [] : rest.slice(slash + 1).split('/').filter(Boolean);
  let username: string | undefined;
  let password: string | undefined;
  const at = hosts.lastIndexOf('@');
  if (at >= 0) {
    const auth = hosts.slice(0, at);
    hosts = hosts.slice(at + 1);
    const colon = auth.indexOf(':');
    username = colon < 0 ? undefined : decodeURIComponent(auth.slice(0, colon)) || undefined;
    password = decodeURIComponent(colon < 0 ? auth : auth.slice(colon + 1));
  }
  return { nodes: hosts.split(',').map((h) => parseNode(h, 'url')), password, username, path };
}

/** A new ioredis client (Redis, Cluster or Sentinel) for `config`, with CacheLens's bounded defaults. */
export function createRedisClient(config: RedisBackendConfig, commandTimeout: number, connectTimeout: number): Client {
  const { Redis, Cluster } = loadIoredis();
  const base: RedisOptions = {
    commandTimeout,
    connectTimeout,
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    maxRetriesPerRequest: 1,
    retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
    ...config.options,
  };
  const url = config.url;
  const given = [url !== undefined, config.cluster !== undefined, config.sentinel !== undefined].filter(Boolean).length;
  if (given > 1) throw new BackendConfigError('redis', 'url', 'is given together with cluster or sentinel: give exactly one of url, cluster, sentinel, client.');
  if (config.cluster !== undefined || url?.startsWith('redis-cluster://')) {
    const nodes = config.cluster?.map((n) => parseNode(n, 'cluster')) ?? parseMultiHostUrl(url as string).nodes;
    if (nodes.length === 0) throw new BackendConfigError('redis', 'cluster', 'lists no nodes: give at least one "host:port".');
    const auth = url ? parseMultiHostUrl(url) : undefined;
    const redisOptions: RedisOptions = { ...base, password: auth?.password ?? base.password, username: auth?.username ?? base.username };
    const options: ClusterOptions = {
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      clusterRetryStrategy: (times: number) => Math.min(100 * times, 2000),
      slotsRefreshTimeout: connectTimeout,
      redisOptions,
    };
    return new Cluster(nodes, options);
  }
  if (config.sentinel !== undefined || url?.startsWith('redis-sentinel://')) {
    let sentinel = config.sentinel;
    if (sentinel === undefined) {
      const parsed = parseMultiHostUrl(url as string);
      const [name, db] = parsed.path;
      if (!name) throw new BackendConfigError('redis', 'url', `"${url}" names no master: use redis-sentinel://host:port,host:port/masterName.`);
      sentinel = { sentinels: parsed.nodes, name, password: parsed.password, db: db === undefined ? undefined : Number(db) };
    }
    if (!sentinel.name) throw new BackendConfigError('redis', 'sentinel.name', 'is missing: give the monitored master name.');
    return new Redis({
      ...base,
      sentinels: sentinel.sentinels.map((n) => parseNode(n, 'sentinel.sentinels')),
      name: sentinel.name,
      password: sentinel.password ?? base.password,
      sentinelPassword: sentinel.sentinelPassword,
      db: sentinel.db ?? base.db,
    });
  }
  const target = url ?? 'redis://127.0.0.1:6379';
  if (!/^rediss?:\/\//.test(target)) throw new BackendConfigError('redis', 'url', `is "${target}": expected redis://, rediss://, redis-cluster:// or redis-sentinel://.`);
  return new Redis(target, base);
}
