import { describeCharacter } from './describe-character.js';
import { fieldError, fieldOk, type FieldResult } from './parse-result.js';

/** One field of a row: its text (unquoted) and the column, from 1, where its text starts. */
export interface DelimitedField {
  readonly text: string;
  readonly column: number;
}

/**
 * Splits one CSV line (RFC 4180): fields separated by commas; a field in double quotes may hold
 * commas, and "" inside it is one quote. Spaces around a quoted field are allowed. A quoted
 * field left open at the end of the line would continue on the next one; that is refused, so a
 * file can be read line by line. Failure offsets count from 0 in the line.
 */
export function splitCsvLine(line: string): FieldResult<DelimitedField[]> {
  if (!line.includes('"')) return fieldOk(splitPlain(line, ','));
  const fields: DelimitedField[] = [];
  let i = 0;
  for (;;) {
    let start = i;
    while (line[start] === ' ') start++;
    if (line[start] !== '"') {
      const comma = line.indexOf(',', i);
      const end = comma === -1 ? line.length : comma;
      fields.push({ text: line.slice(i, end), column: i + 1 });
      if (comma === -1) return fieldOk(fields);
      i = comma + 1;
      continue;
    }
    let text = '';
    let k = start + 1;
    for (;;) {
      const quote = line.indexOf('"', k);
      if (quote === -1) {
        return fieldError(
          `the quoted field at column ${start + 1} is not closed on this line (a field spanning lines is not supported)`,
          start,
        );
      }
      text += line.slice(k, quote);
      if (line[quote + 1] !== '"') {
        k = quote + 1;
        break;
      }
      text += '"';
      k = quote + 2;
    }
    fields.push({ text, column: start + 2 });
    while (line[k] === ' ') k++;
    if (k === line.length) return fieldOk(fields);
    if (line[k] !== ',') {
      return fieldError(
        `${describeCharacter(line[k])} at column ${k + 1} follows a closing quote; expected a comma or the end of the line`,
        k,
      );
    }
    i = k + 1;
  }
}

/** Splits one TSV line: fields separated by tabs, no quoting (a field cannot hold a tab). */
export function splitTsvLine(line: string): DelimitedField[] {
  return splitPlain(line, '\t');
}

function splitPlain(line: string, delimiter: string): DelimitedField[] {
  const fields: DelimitedField[] = [];
  let start = 0;
  for (;;) {
    const end = line.indexOf(delimiter, start);
    if (end === -1) {
      fields.push({ text: line.slice(start), column: start + 1 });
      return fields;
    }
    fields.push({ text: line.slice(start, end), column: start + 1 });
    start = end + 1;
  }
}
