/*
 * The metrics path rule, defined once: MetricsHandler (./handler) refuses a path that breaks it (RangeError), and the
 * configuration (modules/app/config.ts) reports the same problem with its other problems at start-up.
 *
 * A usable path is what a client sends unchanged in the request line, so that the server's byte comparison can match
 * it: "/" followed by RFC 3986 path characters (letters, digits, - . _ ~ ! $ & ' ( ) * + , ; = : @ /, and % followed by
 * two hex digits), at most PATH_MAX (64) characters (what the request parser keeps), not "/" or "/-/healthy" (the
 * handler's other pages). No query, no fragment, no spaces. Character scanning, no regex (XS compiles each literal).
 */
import { PATH_MAX } from "./limits";

/** Paths the handler answers besides the metrics path: the landing page and the health check. */
export const RESERVED_PATHS: readonly string[] = ["/", "/-/healthy"];

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** RFC 3986 pchar or "/", '%' excepted (checked with the two digits that follow it) */
function isPathChar(c: number): boolean {
  if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57)) return true;
  switch (c) {
    case 45: // -
    case 46: // .
    case 95: // _
    case 126: // ~
    case 33: // !
    case 36: // $
    case 38: // &
    case 39: // '
    case 40: // (
    case 41: // )
    case 42: // *
    case 43: // +
    case 44: // ,
    case 59: // ;
    case 61: // =
    case 58: // :
    case 64: // @
    case 47: // /
      return true;
  }
  return false;
}

/**
 * What a path must be, when `path` is not a usable metrics path ("expected ..." in the words of a configuration
 * problem); undefined when it is usable.
 */
export function pathProblem(path: unknown): string | undefined {
  const n = typeof path === "string" ? path.length : 0;
  let ok = n > 0 && n <= PATH_MAX && (path as string).charCodeAt(0) === 47;
  for (let i = 1; ok && i < n; i++) {
    const c = (path as string).charCodeAt(i);
    if (c === 37) {
      ok = i + 2 < n && isHex((path as string).charCodeAt(i + 1)) && isHex((path as string).charCodeAt(i + 2));
      i += 2;
    } else ok = isPathChar(c);
  }
  if (!ok)
    return (
      "an absolute URL path like /metrics (at most " +
      PATH_MAX +
      " characters: letters, digits, - . _ ~ ! $ & ' ( ) * + , ; = : @ / or %XX; no spaces, no query)"
    );
  for (let i = 0; i < RESERVED_PATHS.length; i++)
    if (path === RESERVED_PATHS[i]) return "a path other than " + path + ", which the server uses for its own page";
  return undefined;
}
