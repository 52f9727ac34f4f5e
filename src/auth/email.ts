/** Email normalisation: trimmed, Unicode NFC, lower-cased (addresses are case-insensitive here). */
export function normaliseEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase();
}

// Pragmatic check (the schema also enforces `format: email`): one @, no spaces, a dot in the domain.
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;
export function isPlausibleEmail(email: string): boolean {
  return email.length <= 254 && EMAIL.test(email);
}
