import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { parseScopes, scopes } from '../../core/access/scopes.js';
import type { Scope } from '../../core/access/scopes.js';
import { cliActor } from '../../service/audit.js';
import { createKey, revokeKey } from '../../service/keys.js';
import type { ApiKey } from '../../service/ports/key-store.js';
import { runWithApp } from '../run-with-app.js';

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

function scopeList(value: string): Scope[] {
  const parsed = parseScopes(value);
  if (!parsed.ok) throw new InvalidArgumentError(parsed.issues.join('; '));
  return parsed.scopes;
}

/** One line per key, never its secret: id, name, scopes, created, last used, revoked. */
function keyLine(key: ApiKey): string {
  return [
    key.id,
    key.name,
    key.scopes.join(','),
    `created ${key.createdAt}`,
    key.lastUsedAt === undefined ? 'never used' : `last used ${key.lastUsedAt}`,
    key.revokedAt === undefined ? 'active' : `revoked ${key.revokedAt}`,
  ].join('\t');
}

export function registerKeysCommands(program: Command): void {
  const keys = program
    .command('keys')
    .description('API keys for the HTTP service: `Authorization: Bearer <token>`');

  keys
    .command('create')
    .description('create an API key; its token is printed once, on standard output')
    .requiredOption('--name <name>', 'what the key is for (1 to 100 characters)')
    .requiredOption('--scopes <list>', `comma-separated: ${scopes.join(', ')}`, scopeList)
    .option('--json', 'one JSON object: the key and its token')
    .action(async (opts: { name: string; scopes: Scope[]; json?: boolean }, cmd: Command) => {
      await runWithApp(cmd, async (app) => {
        const created = await createKey(
          { keyStore: app.keyStore, auditLog: app.auditLog, atomically: app.atomically },
          { name: opts.name, scopes: opts.scopes },
          cliActor,
        );
        err(
          `created key ${created.key.id} '${created.key.name}' with scopes ${created.key.scopes.join(', ')}.`,
        );
        err('Store the token now: it is not kept and will not be shown again.');
        out(
          opts.json === true
            ? JSON.stringify({ ...created.key, token: created.token })
            : created.token,
        );
      });
    });

  keys
    .command('list')
    .description('list API keys, revoked ones included (never their tokens)')
    .option('--json', 'one JSON object per key')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      await runWithApp(cmd, async (app) => {
        for (const key of await app.keyStore.list()) {
          out(opts.json === true ? JSON.stringify(key) : keyLine(key));
        }
      });
    });

  keys
    .command('revoke')
    .argument('<id>', 'the key id (the 10 characters after "sg_" in its token)')
    .description('revoke an API key: it stops working at once')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      await runWithApp(cmd, async (app) => {
        const result = await revokeKey(
          { keyStore: app.keyStore, auditLog: app.auditLog, atomically: app.atomically },
          id,
          cliActor,
        );
        out(
          result.revoked
            ? `revoked key ${result.key.id} '${result.key.name}'`
            : `key ${result.key.id} '${result.key.name}' was already revoked at ${result.key.revokedAt ?? '?'}`,
        );
      });
    });
}
