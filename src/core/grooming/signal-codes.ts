/** The behaviours the grooming detectors look for, one code per behaviour. */
export const signalCodes = [
  'age_question',
  'age_minor',
  'age_adult',
  'personal_info',
  'photo_request',
  'compliment',
  'exclusivity',
  'secrecy',
  'adult_check',
  'isolation',
  'platform_move',
  'gift_money',
  'meeting',
  'sexual_escalation',
  'sexual_content',
] as const;

export type SignalCode = (typeof signalCodes)[number];

/** One detector hit inside one message; `span` is [start, end) in the original message text. */
export interface SignalHit {
  readonly code: SignalCode;
  readonly messageIndex: number;
  readonly span: readonly [number, number];
  readonly text: string;
}

/** Grooming stage of each code, in the order a grooming conversation usually moves through them. */
export const signalStage: Readonly<Record<SignalCode, number>> = {
  age_question: 1,
  age_minor: 1,
  age_adult: 1,
  compliment: 1,
  personal_info: 2,
  exclusivity: 2,
  isolation: 2,
  gift_money: 2,
  adult_check: 3,
  secrecy: 3,
  platform_move: 3,
  photo_request: 3,
  sexual_escalation: 4,
  meeting: 4,
  sexual_content: 4,
};
