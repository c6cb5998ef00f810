// The Node process's own series for `rewardfuse serve`'s GET /metrics, named
// as Prometheus' client libraries name them: CPU time, memory, V8's heap, and
// GC pauses by kind. The handler (src/serve/) knows no process: the command
// passes these as its moreMetrics option.
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { Metrics } from '../serve/metrics.js';

const GC_KIND: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

/** Start counting GC pauses; the returned function renders every series as they stand. */
export function processMetrics(): () => string {
  const m = new Metrics();
  m.define('process_cpu_user_seconds_total', 'counter', 'User CPU time of the process.');
  m.define('process_cpu_system_seconds_total', 'counter', 'System CPU time of the process.');
  m.define('process_cpu_seconds_total', 'counter', 'User and system CPU time of the process.');
  m.define('process_resident_memory_bytes', 'gauge', 'Resident memory of the process.');
  m.define('process_start_time_seconds', 'gauge', 'When the process started, in seconds since the Unix epoch.');
  m.define('nodejs_heap_size_total_bytes', 'gauge', "V8's heap: its size.");
  m.define('nodejs_heap_size_used_bytes', 'gauge', "V8's heap: what is in use.");
  m.define('nodejs_external_memory_bytes', 'gauge', 'Memory outside the heap that V8 objects hold (buffers).');
  m.define('nodejs_gc_duration_seconds', 'histogram', 'GC pauses, by kind (minor: a scavenge of the young generation).');
  m.define('nodejs_version_info', 'gauge', 'The Node version.');
  m.set('process_start_time_seconds', {}, Math.round(Date.now() / 1000 - process.uptime()));
  m.set('nodejs_version_info', { version: process.version }, 1);
  const gc = new Map(Object.entries(GC_KIND).map(([k, kind]) => [Number(k), m.series('nodejs_gc_duration_seconds', { kind })]));
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const s = gc.get((e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? -1);
      if (s) Metrics.observe(s, e.duration / 1000);
    }
  }).observe({ entryTypes: ['gc'] });
  return () => {
    const cpu = process.cpuUsage(), heap = getHeapStatistics();
    m.set('process_cpu_user_seconds_total', {}, cpu.user / 1e6);
    m.set('process_cpu_system_seconds_total', {}, cpu.system / 1e6);
    m.set('process_cpu_seconds_total', {}, (cpu.user + cpu.system) / 1e6);
    m.set('process_resident_memory_bytes', {}, process.memoryUsage.rss());
    m.set('nodejs_heap_size_total_bytes', {}, heap.total_heap_size);
    m.set('nodejs_heap_size_used_bytes', {}, heap.used_heap_size);
    m.set('nodejs_external_memory_bytes', {}, heap.external_memory);
    return m.render();
  };
}
