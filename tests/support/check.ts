import type { Registry } from "../../modules/client/index";
import type { Format } from "../../modules/format/index";
import {
  PROMETHEUS_TEXT_0_0_4,
  OPENMETRICS_1_0_0,
  PROMETHEUS_TEXT_1_0_0,
  makeFormat,
} from "../../modules/format/index";
import { parseExposition } from "./parser";
import type { ParsedFamily } from "./parser";
import { readAll, utf8Decode, utf8Encode } from "./utf8";

export const ALL_FORMATS: Format[] = [
  PROMETHEUS_TEXT_0_0_4,
  OPENMETRICS_1_0_0,
  PROMETHEUS_TEXT_1_0_0,
  makeFormat("openmetrics", "1.0.0", "allow-utf-8"),
];

/**
 * Renders `r` in `format` as a string, and through the pull reader with a 97-byte chunk; checks that both give the
 * same bytes and that the independent parser accepts them. Returns the text and the parsed families.
 */
export function renderChecked(
  r: Registry,
  format: Format = PROMETHEUS_TEXT_0_0_4,
): { text: string; families: ParsedFamily[] } {
  const text = r.render(format);
  const bytes = readAll(r.reader(format), 97);
  const expected = utf8Encode(text);
  if (bytes.length !== expected.length)
    throw new Error(`reader produced ${bytes.length} bytes, string ${expected.length}`);
  for (let i = 0; i < bytes.length; i++)
    if (bytes[i] !== expected[i]) throw new Error("reader bytes differ from the string render at " + i);
  if (utf8Decode(bytes) !== text) throw new Error("reader bytes do not decode to the string render");
  const families = parseExposition(text, {
    openMetrics: format.kind === "openmetrics",
    dotsEscaping: format.escaping === "dots",
    quotedNames: format.escaping === "allow-utf-8",
  });
  return { text, families };
}

/** renderChecked in every format; returns the 0.0.4 text. */
export function renderAll(r: Registry): string {
  let first = "";
  for (const f of ALL_FORMATS) {
    const t = renderChecked(r, f).text;
    if (f === PROMETHEUS_TEXT_0_0_4) first = t;
  }
  return first;
}

export function family(fams: ParsedFamily[], name: string): ParsedFamily {
  for (const f of fams) if (f.name === name) return f;
  throw new Error("no family " + name);
}
