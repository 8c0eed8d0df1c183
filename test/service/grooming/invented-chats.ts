/** Invented, non-explicit lines that walk through the grooming stages. */
export const risky = [
  'hey whats up',
  'how old r u',
  'ur really mature for ur age',
  'is ur mom home right now',
  'r u alone',
  'dont tell anyone we talk ok',
  'this is our little secret',
  'delete our chat after',
  'add me on snap instead',
  'send me a pic of u',
  'i can buy u a new phone',
  'wanna meet up after school tomorrow',
  'i will pick u up, no one has to know',
];
