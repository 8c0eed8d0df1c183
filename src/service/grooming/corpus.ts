import { readFileSync } from 'node:fs';
import { SafeguardError } from '../../core/errors.js';

/** One conversation of the corpus format (train.jsonl). */
export interface CorpusConversation {
  readonly id: string;
  readonly source: string;
  readonly label: 0 | 1;
  readonly predators: readonly string[];
  readonly messages: ReadonlyArray<{ author: string; text: string; time: string | null }>;
  readonly slice: string;
  readonly group: string;
  readonly part: number;
}

/** One author record of the corpus format (authors-train.jsonl). */
export interface CorpusAuthor {
  readonly id: string;
  readonly source: string;
  readonly label: 0 | 1;
  readonly role: string;
  readonly chat: string;
  readonly messages: readonly string[];
  readonly slice: string;
  /** The unit kept in one cross-validation fold: `meta.pj_group`, else `meta.group`, else `chat`. */
  readonly group: string;
}

const str = (v: unknown, fallback: string): string => (typeof v === 'string' ? v : fallback);
const rec = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** Lines of a JSONL file, decoded as UTF-8 with invalid bytes replaced by U+FFFD. */
export function readJsonLines(path: string): unknown[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    throw new SafeguardError('io_error', `cannot read ${path}`, { path }, { cause });
  }
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  const out: unknown[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line));
    } catch (cause) {
      throw new SafeguardError(
        'invalid_argument',
        `${path}:${i + 1}: not a JSON line`,
        { path, line: i + 1 },
        { cause },
      );
    }
  });
  return out;
}

export function toConversation(value: unknown, line: number): CorpusConversation {
  const r = rec(value);
  const meta = rec(r.meta);
  const id = str(r.id, `line-${line}`);
  const messages = Array.isArray(r.messages) ? r.messages : [];
  return {
    id,
    source: str(r.source, 'unknown'),
    label: r.label === 1 ? 1 : 0,
    predators: Array.isArray(r.predators)
      ? r.predators.filter((p): p is string => typeof p === 'string')
      : [],
    messages: messages.map((m) => {
      const mm = rec(m);
      return {
        author: str(mm.author, ''),
        text: str(mm.text, ''),
        time: typeof mm.time === 'string' ? mm.time : null,
      };
    }),
    slice: str(meta.slice, str(r.source, 'unknown')),
    group: str(meta.group, id),
    part: typeof meta.part === 'number' ? meta.part : 0,
  };
}

export function toAuthor(value: unknown, line: number): CorpusAuthor {
  const r = rec(value);
  const meta = rec(r.meta);
  const chat = str(r.chat, `line-${line}`);
  return {
    id: str(r.id, `line-${line}`),
    source: str(r.source, 'unknown'),
    label: r.label === 1 ? 1 : 0,
    role: str(r.role, 'other'),
    chat,
    messages: Array.isArray(r.messages)
      ? r.messages.filter((m): m is string => typeof m === 'string')
      : [],
    slice: str(meta.slice, str(r.source, 'unknown')),
    group: str(meta.pj_group, str(meta.group, chat)),
  };
}

export const readConversations = (path: string): CorpusConversation[] =>
  readJsonLines(path).map((v, i) => toConversation(v, i + 1));
export const readAuthors = (path: string): CorpusAuthor[] =>
  readJsonLines(path).map((v, i) => toAuthor(v, i + 1));

/** Full chats: the sessions of one group concatenated in `part` order (for earliness). */
export function rebuildChats(conversations: readonly CorpusConversation[]): CorpusConversation[] {
  const byGroup = new Map<string, CorpusConversation[]>();
  for (const c of conversations) {
    const list = byGroup.get(c.group) ?? [];
    list.push(c);
    byGroup.set(c.group, list);
  }
  return [...byGroup.values()].map((parts) => {
    const sorted = [...parts].sort((a, b) => a.part - b.part);
    const first = sorted[0];
    return {
      ...first,
      id: first.group,
      label: sorted.some((p) => p.label === 1) ? 1 : 0,
      predators: [...new Set(sorted.flatMap((p) => p.predators))],
      messages: sorted.flatMap((p) => p.messages),
    };
  });
}
