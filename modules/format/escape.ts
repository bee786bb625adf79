import type { Escaping } from "./types";
import { codePointAt, codePointUnits } from "../text/utf8";

/** HELP text: backslash and newline escaped; OpenMetrics also escapes the double quote. */
export function escapeHelp(s: string, openMetrics: boolean): string {
  const n = s.length;
  let i = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 92 || c === 10 || (openMetrics && c === 34)) break;
  }
  if (i === n) return s;
  let out = s.slice(0, i);
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 92) out += "\\\\";
    else if (c === 10) out += "\\n";
    else if (openMetrics && c === 34) out += '\\"';
    else out += s[i];
  }
  return out;
}

export { escapeLabelValue } from "../model/exposition";

function legacyChar(c: number, i: number, colon: boolean): boolean {
  return (
    (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (colon && c === 58) || (i > 0 && c >= 48 && c <= 57)
  );
}

/** True when the name needs no quoting/escaping (legacy charset; `colon` allowed for metric names, not labels). */
export function isLegacyName(s: string, colon: boolean): boolean {
  const n = s.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) if (!legacyChar(s.charCodeAt(i), i, colon)) return false;
  return true;
}

const HEX = "0123456789abcdef";

/**
 * Name escaping schemes of the Prometheus exposition formats (`escaping=` Accept/Content-Type parameter),
 * as client_golang's model.EscapeName: underscores (each invalid character → "_"), dots ("_" → "__", "." → "_dot_",
 * other invalid → "__"), values ("U__" prefix, "_" → "__", invalid → "_<hex code point>_"). allow-utf-8 returns the
 * name unchanged (the caller quotes it). Code points are iterated (a surrogate pair is one character).
 */
export function escapeName(s: string, scheme: Escaping, colon = true): string {
  if (scheme === "allow-utf-8") return s;
  if (scheme !== "dots" && isLegacyName(s, colon)) return s;
  let out = scheme === "values" ? "U__" : "";
  const n = s.length;
  let pos = 0;
  for (let i = 0; i < n; i++, pos++) {
    let c = codePointAt(s, i); // a lone surrogate is U+FFFD
    const width = codePointUnits(c);
    if (scheme === "underscores") {
      out += width === 1 && legacyChar(c, pos, colon) ? s[i] : "_";
    } else if (scheme === "dots") {
      if (c === 95) out += "__";
      else if (c === 46) out += "_dot_";
      else if (width === 1 && legacyChar(c, pos, colon)) out += s[i];
      else out += "__";
    } else {
      if (c === 95) out += "__";
      else if (width === 1 && legacyChar(c, pos, colon)) out += s[i];
      else {
        let h = "";
        do {
          h = HEX[c & 15] + h;
          c = c >>> 4;
        } while (c > 0);
        out += "_" + h + "_";
      }
    }
    if (width === 2) i++;
  }
  return out;
}
