// xtext (RFC 3461 §4): the encoding of ENVID, ORCPT and AUTH= values. Decoding fails on any byte
// outside "!".."~" other than "+" escapes, and on a malformed "+XX".

const HEX = /^[0-9A-F]{2}$/;

/** Decode xtext; returns null when the input is not valid xtext. */
export function decodeXtext(s: string): string | null {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2b) {
      const hex = s.slice(i + 1, i + 3);
      if (!HEX.test(hex)) return null;
      out += String.fromCharCode(parseInt(hex, 16));
      i += 2;
    } else if (c < 0x21 || c > 0x7e || c === 0x3d) {
      return null;
    } else {
      out += s[i];
    }
  }
  return out;
}

/** Encode a string as xtext: "+", "=" and bytes outside "!".."~" become "+XX". */
export function encodeXtext(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    out += byte < 0x21 || byte > 0x7e || byte === 0x2b || byte === 0x3d
      ? '+' + byte.toString(16).toUpperCase().padStart(2, '0')
      : String.fromCharCode(byte);
  }
  return out;
}
