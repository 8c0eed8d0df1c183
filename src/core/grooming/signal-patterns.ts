import type { SignalCode } from './signal-codes.js';

/**
 * Detector patterns over normalised text (see normalize-text.ts: lower case, letters, digits,
 * apostrophes and single spaces). A space in a pattern also matches no space, so run-together
 * words ("donttell") still match. Written for this project; common chat abbreviations are
 * spelled out as alternations.
 */
const YOU = '(?:you|u|ya|yu|yous)';
const YOUR = "(?:your|ur|yur|you're|youre|yr)";
const ARE = '(?:are|r)';
const DO = '(?:do|d|does)';
const DONT = "(?:don't|dont|do not|dnt|never)";
const PIC = '(?:pic|pics|pix|picture|pictures|photo|photos|foto|fotos|selfie|selfies|pik|piks)';
const KIN =
  '(?:mom|mum|mommy|mother|dad|daddy|father|parents|folks|family|brother|sister|grandma|grandpa|step ?dad|step ?mom)';
const APPS =
  '(?:snap|snapchat|kik|whatsapp|whats app|telegram|discord|insta|instagram|ig|skype|yahoo|aim|msn|facebook|fb|wickr|signal|line|viber|email|e mail|cell|phone)';
const WANT = '(?:want to|wanna|want|wana|would like to|like to)';
const LOOKS =
  '(?:cute|pretty|beautiful|hot|sexy|gorgeous|adorable|stunning|mature|perfect|amazing|special|smart)';

const patterns: Readonly<Record<SignalCode, readonly string[]>> = {
  age_question: [
    `how old ${ARE} ${YOU}`,
    `how old ${ARE}nt ${YOU}`,
    `how old`,
    `(?:what's|whats|wats|what is) ${YOUR} age`,
    'asl',
    `what grade ${ARE} ${YOU}`,
    `what grade`,
    `${ARE} ${YOU} (?:a )?(?:minor|underage|under 18|over 18|legal)`,
    `${ARE} ${YOU} (?:1[0-9]|[89])`,
  ],
  age_minor: [
    "(?:i'm|im|i am|iam) (?:only |just )?(?:[89]|1[0-7])(?: years? old| yrs?(?: old)?| yo)?",
    '(?:[89]|1[0-7]) (?:years? old|yrs? old|yo)',
    "(?:i'm|im|i am) in (?:[5-9]th|6th|7th|8th|9th|middle school|junior high)",
    '(?:[5-9]th|middle school|junior high) grade(?:r)?',
  ],
  age_adult: [
    "(?:i'm|im|i am|iam) (?:1[89]|[2-7][0-9])(?: years? old| yrs?(?: old)?| yo)?",
    '(?:1[89]|[2-7][0-9]) (?:years? old|yrs? old|yo)',
  ],
  personal_info: [
    `where ${DO} ${YOU} live`,
    `where ${ARE} ${YOU} from`,
    `what (?:city|town|state|street|school|area)`,
    `${YOUR} (?:address|phone number|number|cell|school|last name|full name|real name)`,
    `(?:give|send|text|tell) me ${YOUR} (?:number|address|cell|digits)`,
    `what school ${DO} ${YOU} go`,
    `${DO} ${YOU} live (?:near|close)`,
  ],
  photo_request: [
    `(?:send|show|post|share|trade|swap|got|get|have) (?:me )?(?:a |an |some |another |more |any |the )?(?:${YOUR} |new |other |full body |body )?${PIC}`,
    `(?:can|could|may) i see (?:${YOU}|a ${PIC}|${YOUR} ${PIC}|more)`,
    `(?:turn on|get on|got a|have a|on) ${YOUR}? ?(?:cam|webcam|web cam|facetime|video)`,
    `${PIC} of ${YOU}`,
  ],
  compliment: [
    `${YOU} ${ARE} (?:so |really |very |such a |soo |real )?${LOOKS}`,
    `(?:you're|youre|ur|your) (?:so |really |very |such a |real )?${LOOKS}`,
    `${YOU} (?:look|sound|seem) (?:so |really |very )?${LOOKS}`,
    `${LOOKS} (?:girl|boy|face|smile|eyes|body)`,
    `${YOU} ${ARE} mature for ${YOUR} age`,
  ],
  exclusivity: [
    `(?:you're|youre|ur|your) (?:the only|my only|my special|my favorite|my favourite)`,
    `no one (?:understands|gets|knows) (?:${YOU}|me) like`,
    `(?:just|only) (?:${YOU} and me|me and ${YOU}|us two|between us)`,
    `(?:i|i'll|ill) (?:only )?(?:care about|love|need) (?:only )?${YOU}`,
    `special (?:friend|bond|connection|relationship)`,
  ],
  secrecy: [
    `${DONT} tell (?:any ?one|any ?body|no ?one|no ?body|${YOUR}|${KIN}|ppl|people|friends|her|him|them)`,
    'our (?:little )?secret',
    `(?:keep|kept) (?:it|this|that|us) (?:a )?(?:secret|quiet|between us|private)`,
    `between (?:us|${YOU} and me|me and ${YOU})`,
    `(?:delete|erase|clear) (?:the |this |these |our |${YOUR} |all )?(?:chat|chats|messages|msgs|texts|convo|history|logs)`,
    `${DONT} let ${YOUR} ${KIN} (?:know|see|find)`,
    `no ?one (?:has to|needs to|will|should|can) (?:ever )?know`,
    `(?:can|will) ${YOU} keep (?:a )?secret`,
  ],
  adult_check: [
    `(?:${ARE}|is) ${YOUR} ${KIN} (?:home|there|around|awake|asleep|gone|at work|out|away|watching)`,
    `${ARE} ${YOU} (?:home )?alone`,
    `(?:is|${ARE}) any ?(?:one|body) (?:else )?(?:home|there|around|with ${YOU})`,
    `when ${DO} ${YOUR} ${KIN} (?:get home|come home|leave|go to bed|go to sleep|work)`,
    `(?:who|any ?one) (?:else )?(?:is )?(?:home|there) with ${YOU}`,
    `${DO} ${YOUR} ${KIN} (?:check|read|look at|see) ${YOUR} (?:phone|computer|messages|chats)`,
  ],
  isolation: [
    `${YOUR} (?:parents|${KIN}|friends) (?:${DONT}|dont|doesn't|doesnt) (?:understand|get|care|listen|deserve)`,
    `(?:i|only i) (?:understand|get) ${YOU} (?:better|more)`,
    `${YOU} ${DONT} need (?:them|${YOUR} friends|${YOUR} ${KIN}|any ?one else)`,
    `(?:i'm|im|i am) the only one (?:who|that|u|you)`,
    `(?:they|nobody|no one) (?:will )?(?:understand|gets?) ${YOU} like (?:i|me)`,
  ],
  platform_move: [
    `(?:add|message|msg|text|hit|dm|pm|find|call) me (?:up )?(?:on|at) ${APPS}`,
    `${DO} ${YOU} (?:have|got|use) (?:a |an )?${APPS}`,
    `(?:what's|whats|wats|what is) ${YOUR} (?:${APPS}|screen ?name|sn|user ?name|handle|id)`,
    `(?:private|pvt|priv) (?:chat|message|room|msg)`,
    `(?:let's|lets|can we|we should) (?:talk|chat|move|go|continue) (?:on|to|in) (?:${APPS}|private|somewhere)`,
    `(?:text|call) me`,
  ],
  gift_money: [
    `(?:buy|get|send|give|bring) ${YOU} (?:a |an |some |something|new )?(?:gift|present|phone|money|cash|card|clothes|something|stuff|games|credits|robux|vbucks|iphone|bus ticket|ticket|ride)`,
    `(?:i'll|ill|i will|i can|i could) (?:pay|buy)`,
    `gift ?card`,
    `(?:money|cash) (?:for ${YOU}|if ${YOU})`,
  ],
  meeting: [
    `(?:meet|meeting|hook up|hang out) (?:up )?(?:with me|in person|irl|somewhere|sometime|tonight|tomorrow|this weekend|after school)`,
    `(?:can|could|should|wanna|want to|when can|where can) (?:i|we) (?:meet|see each other|hang out|come over|get together)`,
    `(?:pick|picking) ${YOU} up`,
    `come (?:over|see me|to my (?:place|house|car|hotel))`,
    `(?:where|when) (?:should|can|could|do) we meet`,
    `(?:i'll|ill|i will|i can|i could) (?:come|drive) (?:to|over|see|get)`,
    `${WANT} (?:to )?meet (?:${YOU}|up|me)`,
    `meet (?:${YOU}|me) (?:at|by|near|in)`,
  ],
  sexual_escalation: [
    `(?:have|ever|did) ${YOU} (?:ever )?(?:been )?kissed`,
    `${ARE} ${YOU} (?:still )?a virgin`,
    `(?:have|ever|did) ${YOU} (?:ever )?(?:done|had|tried) (?:it|anything|stuff|sex)`,
    `what ${ARE} ${YOU} wearing`,
    `${DO} ${YOU} (?:sleep|shower) (?:naked|nude)`,
    `${ARE} ${YOU} (?:experienced|curious|shy about)`,
    `(?:i|i'd|id|would|wanna|want to) (?:like to )?(?:kiss|cuddle|hold) ${YOU}`,
    `(?:in|on) (?:bed|the bed) with ${YOU}`,
    `(?:ever|you) (?:touch|touched) ${YOUR}self`,
    `${ARE} ${YOU} wet`,
    `(?:${YOU} |i )?(?:make|made) ${YOU} feel good`,
  ],
  sexual_content: [
    '(?:sex|sexual|naked|nude|nudes|horny|kinky|orgasm|masturbat[a-z]*|condom|condoms|erection|porn|porno)',
    '(?:boobs?|breasts?|nipples?|penis|dick|cock|pussy|vagina|clit|panties|thong|bra|underwear)',
    '(?:cum|cumming|jerk off|jack off|blow ?job|bj|oral|suck(?:ing)? (?:it|on))',
    '(?:take|took|taking) off (?:${YOUR}|my) (?:clothes|shirt|pants|bra|top)',
    '(?:make love|go down on|lick (?:it|you|u)|69|fuck|fucking|f ck)',
  ].map((p) => p.replace('${YOUR}', YOUR)),
};

/** Compiled detector per code: whole-word matching, spaces optional inside a pattern. */
export const compiledPatterns: ReadonlyArray<{ code: SignalCode; regex: RegExp }> = (
  Object.keys(patterns) as SignalCode[]
).map((code) => {
  const body = patterns[code]
    .map((p) => p.replace(/ \?/g, ' ?').replace(/ (?!\?)/g, ' ?'))
    .join('|');
  return { code, regex: new RegExp(`(?<![a-z0-9'])(?:${body})(?![a-z0-9'])`, 'g') };
});
