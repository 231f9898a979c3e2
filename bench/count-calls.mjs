/**
 * Preloaded into the operator by bench/operator-idle.ts (RCK_BENCH_COUNT=1, `node --import`):
 * counts what the process asks of others, which CPU noise does not change: HTTP requests
 * (by method and path, cluster names folded), new TLS and TCP connections, and Redis
 * commands and round trips (a pipeline is one). SIGUSR2 writes the counts to RCK_COUNT_FILE.
 */
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import net from 'node:net';
import tls from 'node:tls';

const load = createRequire(import.meta.url);

const counts = { requests: {}, tlsConnects: 0, tcpConnects: 0, redisCommands: 0, redisRoundTrips: 0, byCommand: {} };
const bump = (k) => (counts.requests[k] = (counts.requests[k] ?? 0) + 1);

function wrapRequest(mod) {
  const orig = mod.request;
  mod.request = function (...args) {
    const req = orig.apply(this, args);
    const path = (req.path ?? '').split('?')[0].replace(/idle-\d+(-\d+)?/g, 'X');
    const watch = /[?&]watch=(true|1)/.test(req.path ?? '') ? ' (watch)' : '';
    bump(`${req.method} ${path}${watch}`);
    return req;
  };
}
wrapRequest(http);
wrapRequest(https);

const tlsConnect = tls.connect;
tls.connect = function (...args) {
  counts.tlsConnects++;
  return tlsConnect.apply(this, args);
};
const netConnect = net.connect;
net.connect = net.createConnection = function (...args) {
  counts.tcpConnects++;
  return netConnect.apply(this, args);
};

try {
  // The operator's ioredis (CommonJS): the instance its ESM imports share.
  const { Redis } = load('ioredis');
  const { default: Pipeline } = load('ioredis/built/Pipeline.js');
  const send = Redis.prototype.sendCommand;
  Redis.prototype.sendCommand = function (command, ...rest) {
    counts.redisCommands++;
    counts.byCommand[command.name] = (counts.byCommand[command.name] ?? 0) + 1;
    if (!command.inTransaction && !command.pipelined) counts.redisRoundTrips++;
    return send.call(this, command, ...rest);
  };
  // Commands a pipeline sends are not round trips of their own: the pipeline is one.
  const exec = Pipeline.prototype.exec;
  Pipeline.prototype.exec = function (...args) {
    counts.redisRoundTrips++;
    for (const c of this._queue ?? []) c.pipelined = true;
    return exec.apply(this, args);
  };
} catch {
  /* no ioredis: HTTP counts only */
}

process.on('SIGUSR2', () => writeFileSync(process.env.RCK_COUNT_FILE, JSON.stringify(counts)));
