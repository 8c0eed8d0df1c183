import { PassThrough, Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SafeguardError } from '../../core/errors.js';
import { bankActions, bankKinds } from '../../core/policy/decide-verdict.js';
import { normalizeSignal } from '../../core/signal-formats/normalize-signal.js';
import {
  signalFileFormats,
  signalWriteFormats,
} from '../../core/signal-formats/signal-file-format.js';
import { signalTypes } from '../../core/signal-formats/signal.js';
import { vpdqValueMaxBytes } from '../../service/ports/bank-store.js';
import { exportBank, importBankFile, requireBank } from '../../service/bank-files.js';
import type { Bank, BankStore, NewSignal } from '../../service/ports/bank-store.js';
import { requireScope, type Authenticator } from '../auth.js';
import type { AuditRecorder } from '../audit-recorder.js';

const bankSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  action: z.enum(bankActions),
  kind: z.enum(bankKinds),
  pdqThreshold: z.number().int(),
  enabled: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  signalCount: z.number().int(),
});

const metadataSchema = z
  .object({
    category: z.string().max(200).optional(),
    source: z.string().max(200).optional(),
    sourceId: z.string().max(200).optional(),
    note: z.string().max(2000).optional(),
  })
  .strict();

const signalInput = z.object({
  type: z.enum(signalTypes),
  // Up to 2048 bytes, or 4 MiB for a vpdq value (a whole video's frames); the store checks.
  value: z.string().min(1).max(vpdqValueMaxBytes),
  metadata: metadataSchema.nullish(),
});

const bankParams = z.object({ bank: z.string().min(1).max(100) });

const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number(),
  detail: z.string(),
  code: z.string(),
  pointer: z.string().optional(),
  requestId: z.string(),
});

export interface BankRouteDeps {
  readonly bankStore: BankStore;
  readonly authenticator: Authenticator;
  readonly audit: AuditRecorder;
}

/** Normalizes each signal (lowercase hex, exact lengths) or throws naming the bad one. */
function normalizeAll(signals: ReadonlyArray<z.infer<typeof signalInput>>): NewSignal[] {
  return signals.map((signal, i) => {
    const result = normalizeSignal({
      type: signal.type,
      value: signal.value,
      metadata: signal.metadata ?? null,
    });
    if (!result.ok) {
      throw new SafeguardError('invalid_argument', `signals[${i}]: ${result.reason}`, {
        pointer: `/body/signals/${i}`,
      });
    }
    return {
      type: result.value.type,
      value: result.value.value,
      metadata: result.value.metadata ?? null,
    };
  });
}

const toBody = (bank: Bank) => ({ ...bank });

export function registerBankRoutes(root: FastifyInstance, deps: BankRouteDeps): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const read = requireScope(deps.authenticator, 'banks:read');
  const write = requireScope(deps.authenticator, 'banks:write');
  const errors = {
    400: problemSchema,
    401: problemSchema,
    403: problemSchema,
    404: problemSchema,
    409: problemSchema,
  };

  app.get('/v1/banks', {
    onRequest: read,
    schema: {
      tags: ['banks'],
      summary: 'List banks',
      response: { 200: z.object({ banks: z.array(bankSchema) }) },
    },
    handler: async () => ({ banks: (await deps.bankStore.listBanks()).map(toBody) }),
  });

  app.post('/v1/banks', {
    onRequest: write,
    schema: {
      tags: ['banks'],
      summary: 'Create a bank',
      body: z.object({
        name: z.string().min(1).max(100),
        action: z.enum(bankActions).optional(),
        kind: z.enum(bankKinds).optional(),
        pdqThreshold: z.number().int().min(0).max(255).optional(),
      }),
      response: { 201: bankSchema, ...errors },
    },
    handler: async (request, reply) => {
      const bank = await deps.audit.withChange(async (tx, record) => {
        const created = await tx.banks.createBank(request.body);
        await record(request, 'bank.create', `bank:${created.id}`, {
          name: created.name,
          action: created.action,
          kind: created.kind,
          pdqThreshold: created.pdqThreshold,
        });
        return created;
      });
      return reply.code(201).send(toBody(bank));
    },
  });

  app.get('/v1/banks/:bank', {
    onRequest: read,
    schema: {
      tags: ['banks'],
      summary: 'Get a bank by name or id',
      params: bankParams,
      response: { 200: bankSchema, ...errors },
    },
    handler: async (request) => toBody(await requireBank(deps.bankStore, request.params.bank)),
  });

  app.patch('/v1/banks/:bank', {
    onRequest: write,
    schema: {
      tags: ['banks'],
      summary: 'Rename, re-configure, enable or disable a bank',
      params: bankParams,
      body: z
        .object({
          name: z.string().min(1).max(100).optional(),
          action: z.enum(bankActions).optional(),
          kind: z.enum(bankKinds).optional(),
          pdqThreshold: z.number().int().min(0).max(255).optional(),
          enabled: z.boolean().optional(),
        })
        .strict(),
      response: { 200: bankSchema, ...errors },
    },
    handler: async (request) => {
      const bank = await requireBank(deps.bankStore, request.params.bank);
      const updated = await deps.audit.withChange(async (tx, record) => {
        const changed = await tx.banks.updateBank(bank.id, request.body);
        await record(request, 'bank.update', `bank:${bank.id}`, { ...request.body });
        return changed;
      });
      return toBody(updated);
    },
  });

  app.delete('/v1/banks/:bank', {
    onRequest: write,
    schema: {
      tags: ['banks'],
      summary: 'Delete a bank and its signals',
      params: bankParams,
      response: { 204: z.null(), ...errors },
    },
    handler: async (request, reply) => {
      const bank = await requireBank(deps.bankStore, request.params.bank);
      await deps.audit.withChange(async (tx, record) => {
        await tx.banks.deleteBank(bank.id);
        await record(request, 'bank.delete', `bank:${bank.id}`, {
          name: bank.name,
          signals: bank.signalCount,
        });
      });
      return reply.code(204).send(null);
    },
  });

  app.get('/v1/banks/:bank/signals', {
    onRequest: read,
    schema: {
      tags: ['banks'],
      summary: "Page through a bank's live signals",
      params: bankParams,
      querystring: z.object({
        afterId: z.coerce.number().int().min(0).default(0),
        limit: z.coerce.number().int().min(1).max(10_000).default(1000),
      }),
      response: {
        200: z.object({
          signals: z.array(
            z.object({
              id: z.number(),
              type: z.enum(signalTypes),
              value: z.string(),
              metadata: metadataSchema.nullable(),
              addedAt: z.string(),
            }),
          ),
          nextAfterId: z.number().nullable(),
        }),
        ...errors,
      },
    },
    handler: async (request) => {
      const bank = await requireBank(deps.bankStore, request.params.bank);
      const page = await deps.bankStore.listSignals(bank.id, request.query);
      return {
        signals: page.map((s) => ({
          id: s.id,
          type: s.type,
          value: s.value,
          metadata: s.metadata,
          addedAt: s.addedAt,
        })),
        nextAfterId: page.length === request.query.limit ? page[page.length - 1].id : null,
      };
    },
  });

  app.post('/v1/banks/:bank/signals', {
    onRequest: write,
    schema: {
      tags: ['banks'],
      summary: 'Add signals (duplicates are counted, not doubled)',
      params: bankParams,
      body: z.object({ signals: z.array(signalInput).min(1).max(10_000) }),
      response: { 200: z.object({ added: z.number(), duplicates: z.number() }), ...errors },
    },
    handler: async (request) => {
      const bank = await requireBank(deps.bankStore, request.params.bank);
      const signals = normalizeAll(request.body.signals);
      return deps.audit.withChange(async (tx, record) => {
        const result = await tx.banks.addSignals(bank.id, signals);
        await record(request, 'signals.add', `bank:${bank.id}`, { ...result });
        return result;
      });
    },
  });

  app.post('/v1/banks/:bank/signals/remove', {
    onRequest: write,
    schema: {
      tags: ['banks'],
      summary: 'Remove signals (they stop matching at once)',
      params: bankParams,
      body: z.object({
        signals: z
          .array(signalInput.pick({ type: true, value: true }))
          .min(1)
          .max(10_000),
      }),
      response: { 200: z.object({ removed: z.number() }), ...errors },
    },
    handler: async (request) => {
      const bank = await requireBank(deps.bankStore, request.params.bank);
      const keys = normalizeAll(request.body.signals).map(({ type, value }) => ({ type, value }));
      const removed = await deps.audit.withChange(async (tx, record) => {
        const count = await tx.banks.removeSignals(bank.id, keys);
        await record(request, 'signals.remove', `bank:${bank.id}`, {
          requested: keys.length,
          removed: count,
        });
        return count;
      });
      return { removed };
    },
  });

  app.post('/v1/banks/:bank/import', {
    onRequest: write,
    schema: {
      tags: ['banks'],
      summary: 'Import a signal file (the request body), all or nothing',
      params: bankParams,
      querystring: z.object({
        format: z.enum(signalFileFormats).optional(),
        type: z.enum(signalTypes).optional(),
      }),
      response: {
        200: z.object({ added: z.number(), duplicates: z.number(), lines: z.number() }),
        ...errors,
      },
    },
    handler: async (request) => {
      const body = request.body;
      if (!(body instanceof Readable)) {
        throw new SafeguardError(
          'unsupported_media_type',
          'send the file as the raw request body (text/csv, text/tab-separated-values, application/x-ndjson or text/plain)',
        );
      }
      const bank = await requireBank(deps.bankStore, request.params.bank);
      // The reader destroys its source when it stops at a bad line; destroying the request
      // itself would drop the connection before the 400 goes out. So it reads a pipe, and
      // whatever is left of the request is drained.
      const source = new PassThrough();
      body.pipe(source);
      const result = await importBankFile({ bankStore: deps.bankStore }, bank.name, source, {
        format: request.query.format,
        defaultType: request.query.type,
        name: 'request body',
      }).finally(() => {
        body.unpipe(source);
        body.resume();
      });
      await deps.audit.record(request, 'signals.import', `bank:${bank.id}`, {
        added: result.added,
        duplicates: result.duplicates,
        lines: result.lines,
      });
      return { added: result.added, duplicates: result.duplicates, lines: result.lines };
    },
  });

  app.get('/v1/banks/:bank/export', {
    onRequest: read,
    schema: {
      tags: ['banks'],
      summary: "Download a bank's signals as a file",
      params: bankParams,
      querystring: z.object({ format: z.enum(signalWriteFormats).default('csv') }),
    },
    handler: async (request, reply) => {
      const bank = await requireBank(deps.bankStore, request.params.bank);
      const types: Record<string, string> = {
        csv: 'text/csv',
        tsv: 'text/tab-separated-values',
        jsonl: 'application/x-ndjson',
        threatexchange: 'text/plain',
      };
      reply.type(`${types[request.query.format]}; charset=utf-8`);
      reply.header(
        'content-disposition',
        `attachment; filename="${bank.name.replace(/[^\w.-]/g, '_')}.${request.query.format === 'threatexchange' ? 'txt' : request.query.format}"`,
      );
      const stream = new PassThrough();
      void exportBank({ bankStore: deps.bankStore }, bank.name, request.query.format, stream).catch(
        (error: unknown) => stream.destroy(error as Error),
      );
      return reply.send(stream);
    },
  });
}
