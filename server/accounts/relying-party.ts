import { originAllowed } from '../http/origin';
import { ValidationError } from '../errors';

/** Who passkeys are made for and used with: the RP ID (a host name) and the one web origin accepted. */
export interface RelyingParty {
  id: string;
  origin: string;
}

/**
 * Haven's own web address for passkeys: the configured PUBLIC_URL, or (when none is configured)
 * the address the browser says it is on, if that is the host it sent the request to. A page on
 * another origin never gets here with a passkey made for Haven: the browser ties a passkey to
 * its RP ID, and the assertion names the origin it was made on, which must be this one.
 */
export function relyingParty(publicUrl: string | undefined, originHeader: string | undefined, hostHeader: string | undefined): RelyingParty {
  if (publicUrl) {
    const url = new URL(publicUrl);
    return { id: url.hostname, origin: url.origin };
  }
  if (originHeader === undefined || !originAllowed(originHeader, hostHeader, undefined)) {
    throw new ValidationError('Passkeys work only from Haven’s own web page in a browser.', [], 'origin_required');
  }
  const url = new URL(originHeader);
  return { id: url.hostname, origin: url.origin };
}
