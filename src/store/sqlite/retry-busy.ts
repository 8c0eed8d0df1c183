import { setTimeout as sleep } from 'node:timers/promises';

/** Longest a write keeps trying for the lock, ms (what busy_timeout is elsewhere). */
const RETRY_FOR_MS = 5_000;

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

/**
 * Runs `work` (one transaction on a connection opened with busyTimeoutMs 0) again while it fails
 * because another connection holds SQLite's write lock, every millisecond or so for up to 5 s.
 * Unlike SQLite's own busy handler, whose sleeps grow to 100 ms, a waiting writer is never
 * asleep long after the lock is free, so writers in several processes take turns instead of
 * one starving. Measured with two processes each writing batches (5 allows and a block with
 * its case) to one file for 5 s, twice: p99 of a write 84–437 ms with SQLite's handler (one
 * process got 535 writes, the other 1,842), 21–24 ms with this (883 and 854).
 */
export async function retryWhileBusy<T>(
  work: () => Promise<T>,
  retryForMs = RETRY_FOR_MS,
): Promise<T> {
  const deadline = performance.now() + retryForMs;
  for (;;) {
    try {
      return await work();
    } catch (error) {
      if (!isBusy(error) || performance.now() > deadline) throw error;
      await sleep(1);
    }
  }
}
