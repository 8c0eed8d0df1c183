const round = (value: number) => Math.round(value * 10) / 10;

/**
 * The server's own view (prom-client): event-loop lag since the last scrape, GC time so far
 * (with several worker processes: the largest lag, the GC time of all).
 */
export async function serverMetrics(port: number, token: string) {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
  const text = await response.text();
  const value = (name: string) =>
    Number(new RegExp(`^safeguard_${name} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return {
    lagMaxMs: round(value('nodejs_eventloop_lag_max_seconds') * 1000),
    gcSeconds: ['major', 'minor', 'incremental', 'weakcb']
      .map((k) => value(`nodejs_gc_duration_seconds_sum{kind="${k}"}`))
      .filter((v) => !Number.isNaN(v))
      .reduce((a, b) => a + b, 0),
  };
}
