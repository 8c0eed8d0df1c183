/**
 * A signal as a bank holds it: a hash (or URL) of known material, with optional provenance.
 *
 * Values are normalized (see normalize-signal-value.ts): pdq and sha256 are 64 lowercase hex
 * digits, md5 32. pdq and sha256 look alike, so a file format must say which one a value is.
 *
 * These types live here until a bank module owns them; the formats depend only on this shape.
 */
export const signalTypes = ['pdq', 'md5', 'sha256', 'vpdq', 'photodna', 'url'] as const;

export type SignalType = (typeof signalTypes)[number];

/** The optional metadata fields, in the order files write them. */
export const signalMetadataKeys = ['category', 'source', 'sourceId', 'note'] as const;

export type SignalMetadataKey = (typeof signalMetadataKeys)[number];

export interface SignalMetadata {
  /** e.g. A1/A2/B1/B2 (industry classification) or IWF A/B/C. */
  category?: string;
  /** Who the signal came from: a partner, a list, an exchange. */
  source?: string;
  /** The signal's id at its source. */
  sourceId?: string;
  note?: string;
}

export interface Signal {
  type: SignalType;
  value: string;
  metadata?: SignalMetadata;
}

/** What writers take: a Signal, or a bank's stored signal, whose metadata may be null. */
export interface SignalToWrite {
  readonly type: SignalType;
  readonly value: string;
  readonly metadata?: Readonly<SignalMetadata> | null;
}

export function isSignalType(name: string): name is SignalType {
  return (signalTypes as readonly string[]).includes(name);
}
