import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { describeAuditVerification } from '../../service/audit.js';
import type { AuditEntry } from '../../service/ports/audit-log.js';
import { maxAuditPageSize } from '../../service/ports/audit-log.js';
import { runWithApp } from '../run-with-app.js';

const out = (line: string) => process.stdout.write(`${line}\n`);

function limit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > maxAuditPageSize) {
    throw new InvalidArgumentError(`must be an integer from 1 to ${maxAuditPageSize}`);
  }
  return n;
}

function seq(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('must be a row number');
  return n;
}

function entryLine(entry: AuditEntry): string {
  return [
    entry.seq,
    entry.at,
    entry.actor,
    entry.action,
    entry.subject,
    JSON.stringify(entry.details),
  ].join('\t');
}

export function registerAuditCommands(program: Command): void {
  const audit = program
    .command('audit')
    .description('the tamper-evident audit log: verdicts, bank, key and case changes');

  audit
    .command('verify')
    .description('check the hash chain; exit 1 naming the first edited, deleted or moved row')
    .option('--json', 'the result as one JSON object')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      await runWithApp(cmd, async (app) => {
        const result = await app.auditLog.verify();
        out(opts.json === true ? JSON.stringify(result) : describeAuditVerification(result));
        if (!result.ok) process.exitCode = 1;
      });
    });

  audit
    .command('list')
    .description('print entries oldest first: the last N, or N after a row')
    .option('--limit <n>', `how many (1 to ${maxAuditPageSize}, default 50)`, limit)
    .option('--after <seq>', 'only entries after this row', seq)
    .option('--action <action>', 'only entries with this action, e.g. key.create')
    .option('--json', 'one JSON object per entry')
    .action(
      async (
        opts: { limit?: number; after?: number; action?: string; json?: boolean },
        cmd: Command,
      ) => {
        await runWithApp(cmd, async (app) => {
          const count = opts.limit ?? 50;
          // Without --after, the newest entries, printed oldest first like `tail`.
          const entries =
            opts.after === undefined
              ? (
                  await app.auditLog.list({ action: opts.action, order: 'desc', limit: count })
                ).reverse()
              : await app.auditLog.list({
                  afterSeq: opts.after,
                  action: opts.action,
                  limit: count,
                });
          for (const entry of entries)
            out(opts.json === true ? JSON.stringify(entry) : entryLine(entry));
        });
      },
    );
}
