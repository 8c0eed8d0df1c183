import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one server: requests, latencies, verdicts, index size. */
export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'safeguard_http_requests_total',
    help: 'HTTP requests by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'safeguard_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });
  readonly verdicts = new Counter({
    name: 'safeguard_verdicts_total',
    help: 'Verdicts by kind of request (image scan or hash lookup)',
    labelNames: ['kind', 'verdict'] as const,
    registers: [this.registry],
  });
  /** Refreshes the gauges below when they are read; set with `beforeCollect`. */
  private refresh: () => void = () => undefined;
  // Several workers (node:cluster): every one holds the whole index, so the group's figure is
  // one worker's, not the sum; the sequence is the least advanced worker's.
  readonly indexSignals = new Gauge({
    name: 'safeguard_index_signals',
    help: 'Signals in the in-memory match index, by type',
    labelNames: ['type'] as const,
    registers: [this.registry],
    aggregator: 'max',
    collect: () => {
      this.refresh();
    },
  });
  readonly indexSeq = new Gauge({
    name: 'safeguard_index_sequence',
    help: 'Last bank change applied to the match index',
    registers: [this.registry],
    aggregator: 'min',
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'safeguard_' });
  }

  /** `refresh` sets the index gauges each time metrics are read (a scrape, or the primary's ask). */
  beforeCollect(refresh: () => void): void {
    this.refresh = refresh;
  }
}
