/**
 * Email addresses: parsed strictly and put in one normal form, so that one mailbox is
 * one account and lookalikes are not.
 *
 * - No control, format (zero-width, bidi) or separator characters anywhere.
 * - The local part is ASCII (RFC 5322 dot-atom), lower-cased: the addresses people type
 *   and the ones that cannot be spoofed with lookalike letters.
 * - The domain may be internationalised: it is processed per UTS #46 (case folding,
 *   width mapping, Punycode) and kept in its Unicode form, so `Bücher.example`,
 *   `bücher.example` and `xn--bcher-kva.example` are one domain. Each label is
 *   letters/digits/hyphens once encoded, 63 bytes at most, and the top-level label is
 *   not numeric.
 */
import { domainToASCII, domainToUnicode } from 'node:url';

const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\s]/u;
const ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const LOCAL_PART = new RegExp(`^${ATOM}(?:\\.${ATOM})*$`);
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** The normal form of an address, or null when it is not one tollgate accepts. */
export function parseEmail(input: string): string | null {
  const trimmed = input.trim();
  if (trimmed.length === 0 || trimmed.length > 254 || FORBIDDEN.test(trimmed)) return null;
  const at = trimmed.lastIndexOf('@');
  if (at <= 0 || trimmed.indexOf('@') !== at) return null;
  const local = trimmed.slice(0, at);
  if (local.length > 64 || !LOCAL_PART.test(local)) return null;
  const ascii = domainToASCII(trimmed.slice(at + 1));
  if (!ascii || ascii.length > 253) return null;
  const labels = ascii.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) return null;
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) return null;
  const email = `${local.toLowerCase()}@${domainToUnicode(ascii)}`;
  return `${local}@${ascii}`.length <= 254 ? email : null;
}
