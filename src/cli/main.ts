#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig } from '../config.js';
import { isSafeguardError } from '../core/errors.js';
import { registerAuditCommands } from './commands/audit.js';
import { registerBankCommands } from './commands/bank.js';
import { registerGroomingCommands } from './commands/grooming.js';
import { runHash } from './commands/hash.js';
import { registerKeysCommands } from './commands/keys.js';
import { registerMatchCommand } from './commands/match.js';
import { registerServeCommand } from './commands/serve.js';
import { FfmpegVideoDecoder } from '../media/ffmpeg-video-decoder.js';
import { ProgressBar } from './progress.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new InvalidArgumentError('must be a number >= 0');
  }
  return n;
}

export function buildProgram(): Command {
  const program = new Command('safeguard')
    .description('Self-hosted child-safety engine: hash, match and report known material.')
    .showHelpAfterError()
    .option('--data <dir>', 'data directory (default: $SAFEGUARD_DATA_DIR or ./data)');

  program
    .command('hash')
    .description(
      "PDQ (bit-exact with Meta's reference), MD5 and SHA-256 of images, vPDQ of videos; folders are walked recursively",
    )
    .argument('<paths...>', 'image or video files, or folders')
    .option(
      '--json',
      'one JSON object per file: {file, pdq, quality, md5, sha256}; videos: {file, kind, md5, sha256, frames, ...}',
    )
    .option(
      '--every <seconds>',
      "videos: seconds between hashed frames, 0 for every frame (like vpdq-hash-video's -r)",
      nonNegativeNumber,
    )
    .option('--dihedral', 'also the 8 dihedral PDQ hashes (rotations and flips)')
    .option('--threads <n>', 'hashing threads (default: one per core)', positiveInt)
    .option('--max-pixels <n>', 'largest decoded image, width*height', positiveInt)
    .option('--max-bytes <n>', 'largest file, in bytes', positiveInt)
    .action(async (paths: string[], opts: HashFlags) => {
      const config = loadConfig();
      const failures = await runHash(
        paths,
        {
          json: opts.json === true,
          dihedral: opts.dihedral === true,
          threads: opts.threads ?? config.threads,
          limits: {
            maxPixels: opts.maxPixels ?? config.limits.maxPixels,
            maxBytes: opts.maxBytes ?? config.limits.maxBytes,
          },
          video: {
            decoder: new FfmpegVideoDecoder({
              ffmpeg: config.video.ffmpeg,
              ffprobe: config.video.ffprobe,
            }),
            everySec: opts.every ?? config.video.frameIntervalSec,
            limits: {
              ...config.video.limits,
              maxPixels: opts.maxPixels ?? config.limits.maxPixels,
            },
          },
        },
        {
          write: (line) => process.stdout.write(`${line}\n`),
          error: (line) => process.stderr.write(`${line}\n`),
          progress: new ProgressBar(process.stderr, 'hashing'),
        },
      );
      if (failures > 0) {
        process.stderr.write(`safeguard: ${failures} file(s) could not be hashed\n`);
        process.exitCode = 1;
      }
    });

  registerBankCommands(program);
  registerMatchCommand(program);
  registerServeCommand(program);
  registerKeysCommands(program);
  registerAuditCommands(program);
  registerGroomingCommands(program);
  return program;
}

interface HashFlags {
  json?: boolean;
  every?: number;
  dihedral?: boolean;
  threads?: number;
  maxPixels?: number;
  maxBytes?: number;
}

async function main(): Promise<void> {
  // `safeguard hash ... | head` closes our stdout early: stop quietly, as Unix tools do.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`safeguard: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    if (isSafeguardError(error)) {
      process.stderr.write(`safeguard: ${error.message} (${error.code})\n`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
}

await main();
