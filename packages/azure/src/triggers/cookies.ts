import type { Cookie } from '@azure/functions';

type SameSite = NonNullable<Cookie['sameSite']>;

const SAME_SITE: Record<string, SameSite> = { strict: 'Strict', lax: 'Lax', none: 'None' };

/**
 * Parses one `Set-Cookie` header value into the v4 library's `Cookie`, which the host turns back
 * into its own header (a plain `set-cookie` response header would keep only one cookie).
 * Known attributes are kept: Domain, Path, Expires, Max-Age, Secure, HttpOnly and SameSite;
 * others, such as Partitioned, have no field in `Cookie` and are dropped. A value without a
 * name (no `=`) is not a cookie and gives `undefined`.
 *
 * @example
 * toCookie('sid=abc; Path=/; HttpOnly') // { name: 'sid', value: 'abc', path: '/', httpOnly: true }
 */
export function toCookie(header: string): Cookie | undefined {
  const [pair = '', ...attributes] = header.split(';');
  const equals = pair.indexOf('=');
  if (equals < 0) return undefined;
  const name = pair.slice(0, equals).trim();
  if (name === '') return undefined;

  const cookie: Cookie = { name, value: pair.slice(equals + 1).trim() };
  for (const attribute of attributes) applyAttribute(cookie, attribute);

  return cookie;
}

function applyAttribute(cookie: Cookie, attribute: string): void {
  const equals = attribute.indexOf('=');
  const key = (equals < 0 ? attribute : attribute.slice(0, equals)).trim().toLowerCase();
  const value = equals < 0 ? '' : attribute.slice(equals + 1).trim();
  switch (key) {
    case 'domain':
      cookie.domain = value;
      break;
    case 'path':
      cookie.path = value;
      break;
    case 'expires': {
      const time = Date.parse(value);
      if (!Number.isNaN(time)) cookie.expires = new Date(time);
      break;
    }
    case 'max-age': {
      const seconds = Number(value);
      if (value !== '' && Number.isInteger(seconds)) cookie.maxAge = seconds;
      break;
    }
    case 'secure':
      cookie.secure = true;
      break;
    case 'httponly':
      cookie.httpOnly = true;
      break;
    case 'samesite':
      cookie.sameSite = SAME_SITE[value.toLowerCase()];
      break;
  }
}
