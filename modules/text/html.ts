/*
 * HTML escaping, defined once for the device code (the landing page).
 */
import { codePointAt, codePointUnits } from "./utf8";

/**
 * `s` escaped for HTML text and attribute values, as pure ASCII: & < > " ' as entities, control characters as a
 * space, every non-ASCII character as a numeric reference (a lone surrogate as &#65533;, the rule of ./utf8).
 */
export function escapeHtml(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 38) out += "&amp;";
    else if (c === 60) out += "&lt;";
    else if (c === 62) out += "&gt;";
    else if (c === 34) out += "&quot;";
    else if (c === 39) out += "&#39;";
    else if (c < 32 || c === 127) out += " ";
    else if (c < 127) out += s[i];
    else {
      const cp = codePointAt(s, i);
      i += codePointUnits(cp) - 1;
      out += "&#" + String(cp) + ";";
    }
  }
  return out;
}
