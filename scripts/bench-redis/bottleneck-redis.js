#!/usr/bin/env node
'use strict';
// Benchmark: Bottleneck 2.19.x in Redis clustering mode (datastore "ioredis").
//
// The parent forks P worker processes (fork of this file with --child). All of
// them build a Bottleneck limiter with the same fresh `id`, so they share one
// limiter state in Redis. Each worker keeps `--queue` jobs outstanding for
// `--duration` seconds; a job only records the time it was started. The parent
// merges the grant times and prints one JSON line.
//
// Usage: node bottleneck-redis.js --port PORT [--processes 1|2|4]
//          [--variant reservoir|mintime] [--max-n N] [--per SECONDS]
//          [--duration SECONDS] [--warmup SECONDS] [--queue JOBS]
//          [--heartbeat MS] [--host 127.0.0.1]
//
// Times: every process stamps with performance.timeOrigin + performance.now()
// (ms, sub-microsecond resolution). Each process also reports the offset of
// that clock against process.hrtime (CLOCK_MONOTONIC, shared by all processes
// of a Linux host); the spread of the offsets is printed as clock_skew_ms, an
// upper bound on how badly the processes' stamps disagree.

const { fork } = require('child_process');
const { performance } = require('perf_hooks');
const crypto = require('crypto');

function nowMs() {
  return performance.timeOrigin + performance.now();
}

function clockOffsetMs() {
  // Difference between the stamping clock and the monotonic clock, sampled
  // tightly a few times; keep the sample with the smallest bracket.
  let best = null;
  for (let i = 0; i < 20; i++) {
    const a = process.hrtime.bigint();
    const w = nowMs();
    const b = process.hrtime.bigint();
    const width = Number(b - a);
    const mono = Number(a + (b - a) / 2n) / 1e6;
    if (best === null || width < best.width) best = { width, off: w - mono };
  }
  return best.off;
}

function parseArgs(argv) {
  const opts = {
    host: '127.0.0.1',
    port: null,
    processes: 1,
    variant: 'reservoir',
    maxN: 1000,
    per: 1,
    duration: 5,
    warmup: 0.5,
    queue: 300,
    heartbeat: null, // null = Bottleneck's default for Redis (5000 ms)
    child: false,
  };
  const num = (name, v) => {
    const x = Number(v);
    if (!Number.isFinite(x)) throw new Error(`bad value for ${name}: ${v}`);
    return x;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`missing value for ${a}`);
      return argv[++i];
    };
    switch (a) {
      case '--host': opts.host = next(); break;
      case '--port': opts.port = num(a, next()); break;
      case '--processes': case '-P': opts.processes = num(a, next()); break;
      case '--variant': opts.variant = next(); break;
      case '--max-n': opts.maxN = num(a, next()); break;
      case '--per': opts.per = num(a, next()); break;
      case '--duration': opts.duration = num(a, next()); break;
      case '--warmup': opts.warmup = num(a, next()); break;
      case '--queue': opts.queue = num(a, next()); break;
      case '--heartbeat': opts.heartbeat = num(a, next()); break;
      case '--child': opts.child = true; break;
      case '-h': case '--help':
        console.log('usage: bottleneck-redis.js --port PORT [--processes P] ' +
          '[--variant reservoir|mintime] [--max-n N] [--per S] [--duration S] ' +
          '[--warmup S] [--queue JOBS] [--heartbeat MS]');
        process.exit(0);
        break;
      default:
        throw new Error(`unknown argument: ${a}`);
    }
  }
  if (!opts.port) throw new Error('--port is required');
  if (!['reservoir', 'mintime'].includes(opts.variant)) {
    throw new Error(`--variant must be reservoir or mintime, not ${opts.variant}`);
  }
  if (!(opts.processes >= 1) || !Number.isInteger(opts.processes)) {
    throw new Error('--processes must be a positive integer');
  }
  if (!(opts.maxN >= 1) || !(opts.per > 0) || !(opts.duration > opts.warmup)) {
    throw new Error('need max-n >= 1, per > 0, duration > warmup');
  }
  return opts;
}

function limiterOptions(opts, id, clear) {
  const o = {
    id,
    datastore: 'ioredis',
    clientOptions: { host: opts.host, port: opts.port },
    clearDatastore: clear,
  };
  if (opts.heartbeat !== null) o.heartbeatInterval = opts.heartbeat;
  if (opts.variant === 'reservoir') {
    o.reservoir = opts.maxN;
    o.reservoirRefreshAmount = opts.maxN;
    o.reservoirRefreshInterval = opts.per * 1000;
  } else {
    o.minTime = (opts.per * 1000) / opts.maxN;
    o.maxConcurrent = null;
  }
  return o;
}

// ---------------------------------------------------------------- worker ----

async function runChild(opts) {
  const Bottleneck = require('bottleneck');
  const index = Number(process.env.BENCH_INDEX);
  const id = process.env.BENCH_ID;
  const clear = process.env.BENCH_CLEAR === '1';

  const limiter = new Bottleneck(limiterOptions(opts, id, clear));
  const errors = [];
  limiter.on('error', (e) => { errors.push(String(e && e.message || e)); });
  await limiter.ready();

  process.send({ type: 'ready', index, clockOffset: clockOffsetMs() });

  const go = await new Promise((resolve) => {
    process.on('message', (m) => { if (m && m.type === 'go') resolve(m); });
  });

  const times = [];
  let late = 0; // grants stamped after the end (not counted)
  let dropped = 0;
  let failed = 0;
  let outstanding = 0;
  let stopping = false;

  const job = () => {
    const t = nowMs();
    if (t < go.end) times.push(t); else late++;
    return null;
  };

  let onDrained = null;
  const submitOne = () => {
    outstanding++;
    limiter.schedule(job).then(
      () => {},
      (e) => {
        if (stopping) dropped++;
        else { failed++; if (errors.length < 20) errors.push(String(e && e.message || e)); }
      },
    ).then(() => {
      outstanding--;
      if (!stopping && nowMs() < go.end) submitOne();
      else if (outstanding === 0 && onDrained) onDrained();
    });
  };

  await new Promise((r) => setTimeout(r, Math.max(0, go.t0 - nowMs())));
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < opts.queue; i++) submitOne();

  await new Promise((r) => setTimeout(r, Math.max(0, go.end - nowMs())));
  stopping = true;
  const cpu = process.cpuUsage(cpu0);
  const drained = new Promise((r) => {
    if (outstanding === 0) r(); else onDrained = r;
  });
  let stopTimedOut = false;
  await Promise.race([
    limiter.stop({ dropWaitingJobs: true }).then(() => drained),
    new Promise((r) => setTimeout(() => { stopTimedOut = true; r(); }, 5000).unref()),
  ]);
  try {
    await limiter.disconnect(true);
  } catch (e) {
    errors.push('disconnect: ' + String(e && e.message || e));
  }

  const msg = {
    type: 'result', index, times, late, cpuUs: cpu.user + cpu.system, dropped, failed, stopTimedOut,
    errors: errors.slice(0, 20), errorCount: errors.length,
  };
  process.send(msg, () => {
    // Give ioredis a moment to close its sockets; then exit regardless.
    setTimeout(() => process.exit(0), 50).unref();
    process.disconnect();
  });
}

// ---------------------------------------------------------------- parent ----

function parseCpu(info) {
  const get = (k) => {
    const m = new RegExp(`^${k}:([0-9.]+)`, 'm').exec(info);
    return m ? Number(m[1]) : NaN;
  };
  return get('used_cpu_sys') + get('used_cpu_user');
}

function parseCommandStats(info) {
  // cmdstat_<name>:calls=N,usec=U,... (commands run inside Lua are counted too)
  const stats = {};
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    stats[m[1]] = { calls: Number(m[2]), usec: Number(m[3]) };
  }
  return stats;
}

function maxInWindow(sorted, widthMs) {
  // Largest number of grants in any half-open window [t, t + width).
  let best = 0;
  let i = 0;
  for (let j = 0; j < sorted.length; j++) {
    while (sorted[j] - sorted[i] >= widthMs) i++;
    if (j - i + 1 > best) best = j - i + 1;
  }
  return best;
}

function countFrom(sorted, t) {
  // number of elements >= t (binary search)
  let lo = 0, hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < t) lo = mid + 1; else hi = mid;
  }
  return sorted.length - lo;
}

const round = (x, d = 3) => (Number.isFinite(x) ? Number(x.toFixed(d)) : null);

async function runParent(opts) {
  const Redis = require('ioredis');
  const id = `bench-${Date.now()}-${crypto.randomBytes(4).toString('hex')}`;
  const admin = new Redis({ host: opts.host, port: opts.port, lazyConnect: true,
    maxRetriesPerRequest: 2 });
  await admin.connect();
  await admin.ping();

  const children = [];
  const results = new Map();
  const ready = new Map();
  const offsets = [clockOffsetMs()];
  let failure = null;
  const waiters = [];
  const wake = () => { const w = waiters.splice(0); for (const f of w) f(); };
  const waitFor = (pred, ms, what) => new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout waiting for ${what}`)), ms);
    const check = () => {
      if (failure) { clearTimeout(t); reject(failure); }
      else if (pred()) { clearTimeout(t); resolve(); }
      else waiters.push(check);
    };
    check();
  });

  const spawn = (index) => {
    const child = fork(__filename, [...process.argv.slice(2), '--child'], {
      env: { ...process.env, BENCH_INDEX: String(index), BENCH_ID: id,
        BENCH_CLEAR: index === 0 ? '1' : '0' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.on('message', (m) => {
      if (m.type === 'ready') { ready.set(index, m); offsets.push(m.clockOffset); }
      else if (m.type === 'result') results.set(index, m);
      wake();
    });
    child.on('exit', (code, sig) => {
      child.exited = true;
      if (!results.has(index) && !failure) {
        failure = new Error(`worker ${index} exited (code ${code}, signal ${sig}) without a result`);
      }
      wake();
    });
    children.push(child);
  };

  const out = {
    tool: 'bottleneck',
    variant: opts.variant,
    processes: opts.processes,
    max_n: opts.maxN,
    per: opts.per,
    target_per_s: opts.maxN / opts.per,
  };

  try {
    // Worker 0 creates (and clears) the limiter state; the others join it
    // afterwards without clearing, so they do not wipe each other's state.
    spawn(0);
    await waitFor(() => ready.has(0), 20000, 'worker 0 ready');
    for (let i = 1; i < opts.processes; i++) spawn(i);
    await waitFor(() => ready.size === opts.processes, 20000, 'workers ready');

    const settingsKey = `b_${id}_settings`;
    const lastRefresh = Number(await admin.hget(settingsKey, 'lastReservoirRefresh'));
    const statsBefore = parseCommandStats(await admin.info('commandstats'));
    const cpuBefore = parseCpu(await admin.info('cpu'));
    const t0 = nowMs() + 300;
    const end = t0 + opts.duration * 1000;
    for (const c of children) c.send({ type: 'go', t0, end });

    await waitFor(() => results.size === opts.processes,
      (opts.duration + 30) * 1000, 'worker results');
    const cpuAfter = parseCpu(await admin.info('cpu'));
    const statsAfter = parseCommandStats(await admin.info('commandstats'));
    const callDelta = (name) => (statsAfter[name] ? statsAfter[name].calls : 0) -
      (statsBefore[name] ? statsBefore[name].calls : 0);
    let allCalls = 0;
    for (const name of Object.keys(statsAfter)) {
      if (name !== 'info') allCalls += callDelta(name);
    }

    let total = 0;
    for (const r of results.values()) total += r.times.length;
    const all = new Float64Array(total);
    let k = 0;
    const perProcess = [];
    let clientCpuUs = 0;
    let late = 0, dropped = 0, failed = 0, errorCount = 0;
    const errors = [];
    let stopTimedOut = false;
    for (let i = 0; i < opts.processes; i++) {
      const r = results.get(i);
      perProcess.push(r.times.length);
      for (const t of r.times) all[k++] = t;
      clientCpuUs += r.cpuUs;
      late += r.late; dropped += r.dropped; failed += r.failed;
      errorCount += r.errorCount; errors.push(...r.errors);
      stopTimedOut = stopTimedOut || r.stopTimedOut;
    }
    all.sort();

    const perMs = opts.per * 1000;
    const afterWarm = countFrom(all, t0 + opts.warmup * 1000);
    const measuredS = opts.duration - opts.warmup;
    const achieved = afterWarm / measuredS;
    const warmIdx = all.length - afterWarm;
    const target = opts.maxN / opts.per;

    Object.assign(out, {
      achieved_per_s: round(achieved, 1),
      achieved_over_target: round(achieved / target, 4),
      max_in_any_window: maxInWindow(all, perMs),
      max_in_any_window_over_max_n: round(maxInWindow(all, perMs) / opts.maxN, 4),
      max_in_any_window_after_warmup: maxInWindow(all.subarray(warmIdx), perMs),
      grants: all.length,
      grants_after_warmup: afterWarm,
      achieved_per_s_incl_warmup: round(all.length / opts.duration, 1),
      duration_s: opts.duration,
      warmup_s: opts.warmup,
      redis_cpu_us_per_permit: all.length ? round((cpuAfter - cpuBefore) * 1e6 / all.length, 2) : null,
      redis_cpu_s: round(cpuAfter - cpuBefore, 4),
      redis_evalsha_per_permit: all.length ? round(callDelta('evalsha') / all.length, 2) : null,
      redis_cmd_calls_per_permit: all.length ? round(allCalls / all.length, 1) : null,
      client_cpu_us_per_permit: all.length ? round(clientCpuUs / all.length, 1) : null,
      grants_per_process: perProcess,
      first_grant_ms: all.length ? round(all[0] - t0, 3) : null,
      last_grant_ms: all.length ? round(all[all.length - 1] - t0, 3) : null,
      queue_per_process: opts.queue,
      heartbeat_ms: opts.heartbeat === null ? 'default(5000)' : opts.heartbeat,
      reservoir_refresh_phase_ms: opts.variant === 'reservoir' && Number.isFinite(lastRefresh)
        ? round(((t0 - lastRefresh) % perMs + perMs) % perMs, 1) : null,
      clock_skew_ms: round(Math.max(...offsets) - Math.min(...offsets), 4),
      late_grants: late,
      dropped_at_stop: dropped,
      failed_jobs: failed,
      stop_timed_out: stopTimedOut,
      error_count: errorCount,
      errors: errors.slice(0, 5),
      id,
      node: process.version,
      bottleneck: require('bottleneck/package.json').version,
      ioredis: require('ioredis/package.json').version,
      loadavg_1m: round(require('os').loadavg()[0], 2),
    });
  } catch (e) {
    out.error = String(e && e.message || e);
    for (const c of children) if (!c.exited) c.kill('SIGKILL');
    process.exitCode = 1;
  } finally {
    // Remove this run's limiter keys (fresh id per run; this is tidiness only).
    try {
      const keys = await admin.keys(`b_${id}_*`);
      if (keys.length) await admin.del(...keys);
    } catch (e) { /* ignore */ }
    admin.disconnect();
  }
  console.log(JSON.stringify(out));
  // Wait for the workers to exit, but never hang on them.
  const killer = setTimeout(() => {
    for (const c of children) if (!c.exited) c.kill('SIGKILL');
  }, 5000);
  killer.unref();
}

const opts = parseArgs(process.argv.slice(2));
(opts.child ? runChild(opts) : runParent(opts)).catch((e) => {
  console.error(e && e.stack || e);
  process.exit(1);
});
