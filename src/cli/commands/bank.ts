import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import {
  signalFileFormats,
  signalWriteFormats,
  type SignalFileFormat,
  type SignalWriteFormat,
} from '../../core/signal-formats/signal-file-format.js';
import { isSignalType, signalTypes, type SignalType } from '../../core/signal-formats/signal.js';
import { addImagesToBank } from '../../service/add-images-to-bank.js';
import { hashVideoFile } from '../../service/hash-video.js';
import { isVideoFile } from '../video-files.js';
import { exportBank, importBankFile, requireBank } from '../../service/bank-files.js';
import type { Bank } from '../../service/ports/bank-store.js';
import { listInputs } from '../list-inputs.js';
import { ProgressBar } from '../progress.js';
import { runWithApp } from '../run-with-app.js';

function threshold(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 255) {
    throw new InvalidArgumentError('must be an integer from 0 to 255');
  }
  return n;
}

function signalType(value: string): SignalType {
  if (!isSignalType(value))
    throw new InvalidArgumentError(`must be one of ${signalTypes.join(', ')}`);
  return value;
}

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

function bankLine(bank: Bank): string {
  const state = bank.enabled ? '' : ' (disabled)';
  return `${bank.name}\t${bank.kind}\t${bank.action}\tthreshold ${bank.pdqThreshold}\t${bank.signalCount} signals${state}`;
}

export function registerBankCommands(program: Command): void {
  const bank = program.command('bank').description('hash banks: lists of known material to match');

  bank
    .command('create')
    .argument('<name>')
    .description('create a bank')
    .addOption(
      new Option('--action <action>', 'what a match asks for')
        .choices(['block', 'review'])
        .default('block'),
    )
    .option('--threshold <n>', 'largest PDQ distance that matches (default 31)', threshold)
    .option('--allow', 'an allow bank: its entries suppress matches (known false positives)')
    .action(
      async (
        name: string,
        opts: { action: 'block' | 'review'; threshold?: number; allow?: boolean },
        cmd: Command,
      ) => {
        await runWithApp(cmd, async (app) => {
          const created = await app.bankStore.createBank({
            name,
            action: opts.action,
            kind: opts.allow ? 'allow' : 'match',
            pdqThreshold: opts.threshold,
          });
          out(`created bank ${bankLine(created)}`);
        });
      },
    );

  bank
    .command('list')
    .description('list banks')
    .option('--json', 'one JSON object per bank')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      await runWithApp(cmd, async (app) => {
        for (const b of await app.bankStore.listBanks())
          out(opts.json ? JSON.stringify(b) : bankLine(b));
      });
    });

  bank
    .command('update')
    .argument('<name>')
    .description('rename, change the action or threshold, enable or disable a bank')
    .option('--rename <new-name>')
    .addOption(new Option('--action <action>').choices(['block', 'review']))
    .option('--threshold <n>', 'largest PDQ distance that matches', threshold)
    .option('--enable')
    .option('--disable')
    .action(
      async (
        name: string,
        opts: {
          rename?: string;
          action?: 'block' | 'review';
          threshold?: number;
          enable?: boolean;
          disable?: boolean;
        },
        cmd: Command,
      ) => {
        if (opts.enable && opts.disable)
          throw new InvalidArgumentError('--enable and --disable together');
        await runWithApp(cmd, async (app) => {
          const current = await requireBank(app.bankStore, name);
          const updated = await app.bankStore.updateBank(current.id, {
            name: opts.rename,
            action: opts.action,
            pdqThreshold: opts.threshold,
            enabled: opts.enable ? true : opts.disable ? false : undefined,
          });
          out(`updated bank ${bankLine(updated)}`);
        });
      },
    );

  bank
    .command('delete')
    .argument('<name>')
    .description('delete a bank and all its signals')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      await runWithApp(cmd, async (app) => {
        const current = await requireBank(app.bankStore, name);
        await app.bankStore.deleteBank(current.id);
        out(`deleted bank ${current.name} (${current.signalCount} signals)`);
      });
    });

  bank
    .command('import')
    .argument('<name>')
    .argument('<file>', "a signal file, or '-' for standard input")
    .description('import a signal file into a bank: all or nothing, duplicates counted')
    .addOption(
      new Option('--format <format>', 'default: detected from the name and first line').choices(
        signalFileFormats,
      ),
    )
    .option('--type <type>', 'type of bare hashes (pdq and sha256 look alike)', signalType)
    .action(
      async (
        name: string,
        file: string,
        opts: { format?: SignalFileFormat; type?: SignalType },
        cmd: Command,
      ) => {
        await runWithApp(cmd, async (app) => {
          const progress = new ProgressBar(process.stderr, 'importing');
          const started = Date.now();
          const result = await importBankFile(
            { bankStore: app.bankStore },
            name,
            file === '-' ? process.stdin : file,
            {
              format: opts.format,
              defaultType: opts.type,
              name: file === '-' ? 'stdin' : file,
              onProgress: (p) => {
                if (p.totalBytes) {
                  progress.setTotal(p.totalBytes);
                  progress.set(p.bytesRead);
                }
              },
            },
          );
          progress.finish();
          const seconds = ((Date.now() - started) / 1000).toFixed(1);
          out(
            `imported into ${result.bank}: ${result.added} added, ${result.duplicates} duplicates, ${result.lines} lines in ${seconds} s`,
          );
        });
      },
    );

  bank
    .command('export')
    .argument('<name>')
    .description("write a bank's signals to standard output")
    .addOption(new Option('--format <format>').choices(signalWriteFormats).default('csv'))
    .action(async (name: string, opts: { format: SignalWriteFormat }, cmd: Command) => {
      await runWithApp(cmd, async (app) => {
        const result = await exportBank(
          { bankStore: app.bankStore },
          name,
          opts.format,
          process.stdout,
          { end: false },
        );
        err(`exported ${result.signals} signals from ${name}`);
      });
    });

  bank
    .command('add')
    .argument('<name>')
    .argument('<paths...>', "image or video files, Meta's vPDQ hash files (.txt), or folders")
    .description(
      'hash images (PDQ, MD5, SHA-256) and videos (vPDQ, MD5, SHA-256) and add them to a bank',
    )
    .option('--category <c>', 'e.g. A1, A2, B1, B2')
    .option('--source <s>')
    .option('--source-id <id>')
    .option('--note <text>')
    .option('--json', 'one JSON object per file')
    .action(
      async (
        name: string,
        paths: string[],
        opts: {
          category?: string;
          source?: string;
          sourceId?: string;
          note?: string;
          json?: boolean;
        },
        cmd: Command,
      ) => {
        await runWithApp(cmd, async (app) => {
          const files: string[] = [];
          let failures = 0;
          for await (const input of listInputs(paths)) {
            if (input.kind === 'file') files.push(input.path);
            else {
              failures++;
              err(`safeguard: ${input.path}: ${input.error.message} (${input.error.code})`);
            }
          }
          const metadata = Object.fromEntries(
            Object.entries({
              category: opts.category,
              source: opts.source,
              sourceId: opts.sourceId,
              note: opts.note,
            }).filter(([, v]) => v !== undefined),
          );
          const results = await addImagesToBank(
            { bankStore: app.bankStore, hasher: app.hasher() },
            name,
            files,
            {
              limits: app.config.limits,
              metadata: Object.keys(metadata).length > 0 ? metadata : undefined,
              videos: {
                isVideo: isVideoFile,
                hash: (file) =>
                  hashVideoFile({ videoDecoder: app.videoDecoder, hasher: app.hasher() }, file, {
                    everySec: app.config.video.frameIntervalSec,
                    limits: app.config.video.limits,
                  }),
              },
            },
          );
          for (const r of results) {
            if ('error' in r) {
              failures++;
              if (opts.json)
                out(
                  JSON.stringify({
                    file: r.file,
                    error: { code: r.error.code, message: r.error.message },
                  }),
                );
              else err(`safeguard: ${r.file}: ${r.error.message} (${r.error.code})`);
            } else if ('video' in r) {
              const line = opts.json
                ? JSON.stringify({
                    file: r.file,
                    added: r.added,
                    duplicates: r.duplicates,
                    kind: 'video',
                    ...r.video,
                    ...(r.note ? { note: r.note } : {}),
                  })
                : `${r.file}: ${r.added} added, ${r.duplicates} duplicates (video, ${r.video.frames} frames)${r.note ? ` (${r.note})` : ''}`;
              out(line);
            } else if (opts.json) {
              out(
                JSON.stringify({
                  file: r.file,
                  added: r.added,
                  duplicates: r.duplicates,
                  pdq: r.hashes.pdq,
                  quality: r.hashes.quality,
                  md5: r.hashes.md5,
                  sha256: r.hashes.sha256,
                  ...(r.note ? { note: r.note } : {}),
                }),
              );
            } else {
              out(
                `${r.file}: ${r.added} added, ${r.duplicates} duplicates${r.note ? ` (${r.note})` : ''}`,
              );
            }
          }
          if (failures > 0) process.exitCode = 1;
        });
      },
    );

  bank
    .command('remove')
    .argument('<name>')
    .argument('<values...>', 'hash values to remove')
    .requiredOption('--type <type>', 'signal type of the values', signalType)
    .description('remove signals from a bank (they stop matching at once)')
    .action(async (name: string, values: string[], opts: { type: SignalType }, cmd: Command) => {
      await runWithApp(cmd, async (app) => {
        const current = await requireBank(app.bankStore, name);
        const removed = await app.bankStore.removeSignals(
          current.id,
          values.map((value) => ({ type: opts.type, value: value.trim().toLowerCase() })),
        );
        out(`removed ${removed} of ${values.length} from ${current.name}`);
      });
    });
}
