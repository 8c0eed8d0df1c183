import { SafeguardError } from '../errors.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** Deepest nesting accepted: audit details are small records, not documents. */
const maxDepth = 32;

/**
 * The one JSON text of a value: object keys sorted (by UTF-16 code units, as `Array#sort`),
 * no whitespace, numbers and strings as `JSON.stringify` writes them. The same value always
 * gives the same text, and `canonicalJson(JSON.parse(text)) === text` for every text it
 * returns, so a hash over it can be checked after a round trip through a database.
 *
 * Only plain JSON is accepted: null, booleans, finite numbers, strings, arrays and plain
 * objects. Object properties that are `undefined` are left out (as `JSON.stringify` does);
 * anything else (undefined in an array, NaN, a Date, a Map, a bigint, a cycle) throws
 * SafeguardError `invalid_argument` naming where it is, under `path`.
 */
export function canonicalJson(value: unknown, path = 'value'): string {
  return write(value, path, 0);
}

function write(value: unknown, path: string, depth: number): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw notJson(path, `${String(value)} is not a JSON number`);
      return JSON.stringify(value);
    case 'string':
      return JSON.stringify(value);
    case 'object':
      if (depth >= maxDepth) throw notJson(path, `nested deeper than ${maxDepth} levels`);
      if (Array.isArray(value)) {
        const items = value.map((item: unknown, i) => {
          if (item === undefined) throw notJson(`${path}[${i}]`, 'undefined is not JSON');
          return write(item, `${path}[${i}]`, depth + 1);
        });
        return `[${items.join(',')}]`;
      }
      if (!isPlainObject(value)) {
        const kind = kindOf(value);
        throw notJson(path, `a ${kind} is not plain JSON (pass strings, numbers, lists, objects)`);
      }
      return writeObject(value, path, depth);
    case 'undefined':
    case 'bigint':
    case 'symbol':
    case 'function':
      throw notJson(path, `a ${typeof value} is not JSON`);
  }
  throw notJson(path, 'not JSON');
}

function writeObject(value: Record<string, unknown>, path: string, depth: number): string {
  const members: string[] = [];
  for (const key of Object.keys(value).sort()) {
    const member = value[key];
    if (member === undefined) continue;
    members.push(`${JSON.stringify(key)}:${write(member, `${path}.${key}`, depth + 1)}`);
  }
  return `{${members.join(',')}}`;
}

function kindOf(value: object): string {
  const constructor: unknown = (value as { constructor?: unknown }).constructor;
  return typeof constructor === 'function' && constructor.name !== '' ? constructor.name : 'object';
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function notJson(path: string, reason: string): SafeguardError {
  return new SafeguardError('invalid_argument', `${path}: ${reason}.`, { field: path });
}

/** Whether a value is a JSON object (not null, not a list). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
