import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

function issues(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  return [];
}

describe('loadConfig: serve processes and metrics access', () => {
  it('reads SAFEGUARD_WORKERS as 1 by default, a number, or auto', () => {
    expect(loadConfig({}).workers).toBe(1);
    expect(loadConfig({ SAFEGUARD_WORKERS: '3' }).workers).toBe(3);
    expect(loadConfig({ SAFEGUARD_WORKERS: 'auto' }).workers).toBe('auto');
  });

  it('refuses other worker counts with a message that says what is allowed', () => {
    for (const bad of ['0', '65', '1.5', 'abc', 'AUTO']) {
      expect(issues({ SAFEGUARD_WORKERS: bad })).toEqual([
        'SAFEGUARD_WORKERS: must be a number of processes from 1 to 64, or auto',
      ]);
    }
  });

  it('keeps /metrics behind a key unless SAFEGUARD_METRICS_PUBLIC says otherwise', () => {
    expect(loadConfig({}).metricsPublic).toBe(false);
    expect(loadConfig({ SAFEGUARD_METRICS_PUBLIC: 'true' }).metricsPublic).toBe(true);
    expect(loadConfig({ SAFEGUARD_METRICS_PUBLIC: '1' }).metricsPublic).toBe(true);
    expect(loadConfig({ SAFEGUARD_METRICS_PUBLIC: '0' }).metricsPublic).toBe(false);
    expect(issues({ SAFEGUARD_METRICS_PUBLIC: 'yes' })).toEqual([
      'SAFEGUARD_METRICS_PUBLIC: must be true, false, 1 or 0',
    ]);
  });
});
