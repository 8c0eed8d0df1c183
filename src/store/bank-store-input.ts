import {
  bankActions,
  bankKinds,
  bankNameMaxLength,
  defaultPdqThreshold,
  maxPageSize,
  maxPdqThreshold,
  signalTypes,
  maxSignalValueBytes,
} from '../service/ports/bank-store.js';
import { checkIntegerInRange, checkOneOf, invalid } from './check-input.js';
import type {
  BankAction,
  BankKind,
  BankPatch,
  NewBank,
  NewSignal,
  SignalKey,
  SignalMetadata,
  SignalType,
} from '../service/ports/bank-store.js';

/**
 * The store's own guard on what it writes. Callers validate requests with zod first; these
 * checks keep the tables sound whoever calls, and name what was wrong.
 */

export function checkBankName(name: unknown): string {
  if (typeof name !== 'string' || name.trim().length === 0 || name.length > bankNameMaxLength) {
    throw invalid(`A bank name must be 1 to ${bankNameMaxLength} characters, not blank.`, {
      field: 'name',
      value: name,
    });
  }
  return name;
}

export function checkPdqThreshold(threshold: unknown): number {
  return checkIntegerInRange('pdqThreshold', threshold, 0, maxPdqThreshold);
}

export function checkBankId(id: unknown): number {
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) {
    throw invalid('A bank id must be a positive integer.', { field: 'bankId', value: id });
  }
  return id;
}

export interface CheckedNewBank {
  readonly name: string;
  readonly action: BankAction;
  readonly kind: BankKind;
  readonly pdqThreshold: number;
}

export function checkNewBank(bank: NewBank): CheckedNewBank {
  return {
    name: checkBankName(bank.name),
    action: checkOneOf('action', bankActions, bank.action ?? 'block'),
    kind: checkOneOf('kind', bankKinds, bank.kind ?? 'match'),
    pdqThreshold: checkPdqThreshold(bank.pdqThreshold ?? defaultPdqThreshold),
  };
}

export function checkBankPatch(patch: BankPatch): BankPatch {
  if (patch.name !== undefined) checkBankName(patch.name);
  if (patch.action !== undefined) checkOneOf('action', bankActions, patch.action);
  if (patch.kind !== undefined) checkOneOf('kind', bankKinds, patch.kind);
  if (patch.pdqThreshold !== undefined) checkPdqThreshold(patch.pdqThreshold);
  if (patch.enabled !== undefined && typeof patch.enabled !== 'boolean') {
    throw invalid('enabled must be true or false.', { field: 'enabled', value: patch.enabled });
  }
  return patch;
}

export function checkSignalType(type: unknown): SignalType {
  return checkOneOf('signal type', signalTypes, type);
}

export function checkSignalKey(key: SignalKey): SignalKey {
  const type = checkSignalType(key.type);
  const value: unknown = key.value;
  const maxBytes = maxSignalValueBytes(type);
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    Buffer.byteLength(value, 'utf8') > maxBytes
  ) {
    throw invalid(
      `A ${type} signal value must be a non-empty string of at most ${maxBytes} bytes.`,
      {
        field: 'value',
        type,
      },
    );
  }
  return { type, value };
}

const metadataFields = ['category', 'source', 'sourceId', 'note'] as const;

/** The metadata as stored: JSON text of its known, set fields, or null when there are none. */
export function encodeMetadata(metadata: SignalMetadata | null | undefined): string | null {
  if (metadata === null || metadata === undefined) return null;
  const kept: Record<string, string> = {};
  for (const field of metadataFields) {
    const value: unknown = metadata[field];
    if (value === undefined) continue;
    if (typeof value !== 'string')
      throw invalid(`Signal metadata ${field} must be a string.`, { field: `metadata.${field}` });
    kept[field] = value;
  }
  return Object.keys(kept).length === 0 ? null : JSON.stringify(kept);
}

export function decodeMetadata(text: string | null): SignalMetadata | null {
  return text === null ? null : (JSON.parse(text) as SignalMetadata);
}

export interface CheckedSignal extends SignalKey {
  readonly metadata: string | null;
}

export function checkNewSignal(signal: NewSignal): CheckedSignal {
  const { type, value } = checkSignalKey(signal);
  return { type, value, metadata: encodeMetadata(signal.metadata) };
}

export function checkLimit(limit: unknown): number {
  return checkIntegerInRange('limit', limit, 1, maxPageSize);
}

/** A position in ids or sequence numbers: a non-negative integer. */
export function checkPosition(field: string, position: unknown): number {
  if (typeof position !== 'number' || !Number.isSafeInteger(position) || position < 0) {
    throw invalid(`${field} must be a non-negative integer.`, { field, value: position });
  }
  return position;
}
