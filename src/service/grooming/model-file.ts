import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SafeguardError } from '../../core/errors.js';
import {
  groomingModelToJson,
  parseGroomingModel,
  type GroomingModel,
} from '../../core/grooming/grooming-model.js';

/** models/grooming/model.json of this package (the same path from src/ and from dist/). */
export const DEFAULT_MODEL_PATH = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../models/grooming/model.json',
);

export function loadGroomingModel(path: string = DEFAULT_MODEL_PATH): GroomingModel {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new SafeguardError(
      'io_error',
      `cannot read the grooming model ${path}`,
      { path },
      { cause },
    );
  }
  const parsed = parseGroomingModel(value);
  if (!parsed.ok)
    throw new SafeguardError(
      'invalid_argument',
      `bad grooming model ${path}: ${parsed.issues.join('; ')}`,
      {
        path,
        issues: parsed.issues,
      },
    );
  return parsed.model;
}

/** Writes the model file: hashed-feature weights, the operating point and aggregate statistics. */
export function saveGroomingModel(path: string, model: GroomingModel): number {
  const text = `${JSON.stringify(groomingModelToJson(model))}\n`;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return Buffer.byteLength(text);
}
