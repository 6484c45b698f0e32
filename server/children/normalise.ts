/** Lower case, accents removed, punctuation and spacing folded: "Zoë  O'Neill" → "zoe o neill". */
export function nameKey(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Postcode without spaces, upper case: "nm1 4qt" → "NM14QT". */
export function postcodeKey(postcode: string): string {
  return postcode.replace(/\s+/g, '').toUpperCase();
}

/** The outward code (first half) of a full postcode key: "NM14QT" → "NM1". */
export function outwardCode(key: string): string {
  return key.length > 4 ? key.slice(0, -3) : key;
}
