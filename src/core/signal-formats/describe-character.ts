/**
 * Names a character for an error message: printable ones quoted ('g'), the rest by code
 * point (U+0009), so a reason never carries an invisible or line-breaking character.
 */
export function describeCharacter(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  if (
    code <= 0x20 ||
    (code >= 0x7f && code <= 0xa0) ||
    code === 0xfeff ||
    code === 0xfffd ||
    (code >= 0xd800 && code <= 0xdfff)
  ) {
    return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return `'${char}'`;
}

/**
 * The offset of the first character no text field may hold, or -1: a control character (C0,
 * DEL, C1: tab and line breaks included), U+FFFD (what a decoder leaves for bytes that are not
 * UTF-8) or a lone surrogate (which UTF-8 cannot encode).
 */
export function findForbiddenCharacter(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0xfffd) return i;
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = text.charCodeAt(i + 1);
      const paired = code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff;
      if (!paired) return i;
      i++;
    }
  }
  return -1;
}
