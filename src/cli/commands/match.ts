import type { Command } from 'commander';
import { isSafeguardError, SafeguardError } from '../../core/errors.js';
import type { ImageHashes } from '../../service/hash-image.js';
import { matchHashes, type MatchOutcome } from '../../service/match-hashes.js';
import { scanVideoFile } from '../../service/scan-video.js';
import type { ScanHashes, ScanResult } from '../../service/scan.js';
import { listInputs } from '../list-inputs.js';
import { isVideoFile } from '../video-files.js';
import { runWithApp } from '../run-with-app.js';

const CHUNK = 64;

type Item =
  | { file: string; hashes: ImageHashes }
  | { file: string; video: ScanResult }
  | { file: string; error: SafeguardError };

export function registerMatchCommand(program: Command): void {
  program
    .command('match')
    .argument('<paths...>', 'image or video files, or folders')
    .description('hash images and videos and match them against every bank: block, review or allow')
    .option('--json', 'one JSON object per file: {file, verdict, matches, hashes}')
    .action(async (paths: string[], opts: { json?: boolean }, cmd: Command) => {
      await runWithApp(cmd, async (app) => {
        const index = await app.matchIndex();
        const hasher = app.hasher();
        const videoDeps = await app.videoScanDeps();
        let failures = 0;
        let chunk: Array<Promise<Item>> = [];
        const flush = async () => {
          for (const item of await Promise.all(chunk)) {
            if ('error' in item) {
              failures++;
              writeError(item.file, item.error, opts.json === true);
              continue;
            }
            if ('video' in item) {
              writeOutcome(item.file, item.video.hashes, item.video, opts.json === true);
              continue;
            }
            const outcome = await matchHashes(
              { matchIndex: index, bankStore: app.bankStore },
              {
                pdq: { hash: item.hashes.pdq, quality: item.hashes.quality },
                md5: item.hashes.md5,
                sha256: item.hashes.sha256,
              },
            );
            const { pdq, quality, md5, sha256 } = item.hashes;
            writeOutcome(item.file, { pdq, quality, md5, sha256 }, outcome, opts.json === true);
          }
          chunk = [];
        };
        for await (const input of listInputs(paths)) {
          if (input.kind === 'error') {
            chunk.push(Promise.resolve({ file: input.path, error: input.error }));
          } else if (await isVideoFile(input.path)) {
            // A video keeps every thread busy on its own: finish what is queued, then it.
            await flush();
            const file = input.path;
            chunk.push(
              scanVideoFile(videoDeps, file).then(
                (video): Item => ({ file, video }),
                (error: unknown): Item => ({ file, error: asError(error) }),
              ),
            );
            await flush();
          } else {
            const file = input.path;
            chunk.push(
              hasher.hashFile(file, { limits: app.config.limits }).then(
                (hashes): Item => ({ file, hashes }),
                (error: unknown): Item => ({ file, error: asError(error) }),
              ),
            );
          }
          if (chunk.length >= CHUNK) await flush();
        }
        await flush();
        if (failures > 0) {
          process.stderr.write(`safeguard: ${failures} file(s) could not be matched\n`);
          process.exitCode = 1;
        }
      });
    });
}

function writeOutcome(
  file: string,
  hashes: ScanHashes,
  outcome: Pick<MatchOutcome, 'verdict' | 'matches' | 'reasons'>,
  json: boolean,
): void {
  if (json) {
    process.stdout.write(
      `${JSON.stringify({
        file,
        verdict: outcome.verdict,
        matches: outcome.matches.map((m) => ({
          bank: m.bank,
          signalType: m.signalType,
          value: m.value,
          distance: m.distance,
          metadata: m.metadata,
          ...(m.timestamps === undefined ? {} : { timestamps: m.timestamps }),
          ...(m.video === undefined ? {} : { video: m.video }),
        })),
        reasons: outcome.reasons,
        hashes,
      })}\n`,
    );
    return;
  }
  const detail = outcome.matches.map((m) => `${m.bank}:${m.signalType}@${m.distance}`).join(' ');
  process.stdout.write(`${outcome.verdict}\t${file}${detail ? `\t${detail}` : ''}\n`);
}

function writeError(file: string, error: SafeguardError, json: boolean): void {
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ file, error: { code: error.code, message: error.message } })}\n`,
    );
  } else {
    process.stderr.write(`safeguard: ${file}: ${error.message} (${error.code})\n`);
  }
}

function asError(error: unknown): SafeguardError {
  return isSafeguardError(error)
    ? error
    : new SafeguardError('internal', error instanceof Error ? error.message : String(error));
}
