// Independent exposition parser used to re-parse every render in the tests. Written separately from the renderer
// (modules/format): a strict line-by-line scanner for Prometheus text 0.0.4 / 1.0.0 and OpenMetrics 1.0.0.
// No Node imports: the metrics/format tests that use it also run on the XS engine.

export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** the value exactly as written */
  raw: string;
}
export interface ParsedFamily {
  name: string;
  type: string | undefined;
  help: string | undefined;
  unit: string | undefined;
  samples: ParsedSample[];
}
export interface ParseOptions {
  openMetrics?: boolean;
  /** escaping=dots: "_" is written "__", so "__"-prefixed label names are legal on the wire (unescaped by the server) */
  dotsEscaping?: boolean;
  /** OpenMetrics negotiated with escaping=allow-utf-8 (Prometheus 3): quoted names are allowed as in text 1.0.0 */
  quotedNames?: boolean;
}

class ParseError extends Error {}

function fail(lineNo: number, msg: string, line: string): never {
  throw new ParseError(`line ${lineNo}: ${msg}: ${JSON.stringify(line)}`);
}

const LEGACY_FIRST = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_:";
const LEGACY_REST = LEGACY_FIRST + "0123456789";

function readBareName(line: string, i: number, label: boolean): number {
  let j = i;
  while (j < line.length) {
    const ch = line[j];
    const ok = j === i ? LEGACY_FIRST.indexOf(ch) >= 0 : LEGACY_REST.indexOf(ch) >= 0;
    if (!ok || (label && ch === ":")) break;
    j++;
  }
  return j;
}

/** Reads a quoted string starting at line[i] === '"'; returns [value, index after closing quote]. */
function readQuoted(line: string, i: number, lineNo: number): [string, number] {
  let out = "";
  let j = i + 1;
  for (;;) {
    if (j >= line.length) fail(lineNo, "unterminated quoted string", line);
    const ch = line[j];
    if (ch === '"') return [out, j + 1];
    if (ch === "\\") {
      const e = line[j + 1];
      if (e === "\\") out += "\\";
      else if (e === '"') out += '"';
      else if (e === "n") out += "\n";
      else fail(lineNo, "invalid escape \\" + e, line);
      j += 2;
    } else {
      out += ch;
      j++;
    }
  }
}

function parseValue(raw: string, lineNo: number, line: string, om: boolean): number {
  if (raw === "NaN") return NaN;
  if (raw === "+Inf" || (!om && raw === "Inf")) return Infinity;
  if (raw === "-Inf") return -Infinity;
  // [sign] digits [. digits] [e [sign] digits]
  let i = 0;
  if (raw[i] === "-" || raw[i] === "+") i++;
  const startDigits = i;
  while (i < raw.length && raw[i] >= "0" && raw[i] <= "9") i++;
  let digits = i - startDigits;
  if (raw[i] === ".") {
    i++;
    const s = i;
    while (i < raw.length && raw[i] >= "0" && raw[i] <= "9") i++;
    digits += i - s;
  }
  if (digits === 0) fail(lineNo, "invalid number " + raw, line);
  if (raw[i] === "e" || raw[i] === "E") {
    i++;
    if (raw[i] === "-" || raw[i] === "+") i++;
    const s = i;
    while (i < raw.length && raw[i] >= "0" && raw[i] <= "9") i++;
    if (i === s) fail(lineNo, "invalid exponent in " + raw, line);
  }
  if (i !== raw.length) fail(lineNo, "invalid number " + raw, line);
  return Number(raw);
}

const SUFFIXES: Record<string, string[]> = {
  counter: ["_total", "_created"],
  histogram: ["_bucket", "_sum", "_count", "_created"],
  summary: ["", "_sum", "_count", "_created"],
  info: ["_info"],
  gauge: [""],
  stateset: [""],
  unknown: [""],
  untyped: [""],
};

/** Parses a whole exposition; throws with the line number on the first violation. */
export function parseExposition(text: string, opts: ParseOptions = {}): ParsedFamily[] {
  const om = opts.openMetrics === true;
  if (text.length > 0 && text[text.length - 1] !== "\n") throw new ParseError("exposition does not end with a newline");
  const lines = text.split("\n");
  lines.pop();
  const families: ParsedFamily[] = [];
  const seen: Record<string, boolean> = Object.create(null);
  let cur: ParsedFamily | undefined;
  let sawEOF = false;
  const startFamily = (name: string): ParsedFamily => {
    if (cur !== undefined && cur.name === name) return cur;
    if (seen[name]) throw new ParseError(`family ${name} appears twice (not grouped)`);
    seen[name] = true;
    cur = { name, type: undefined, help: undefined, unit: undefined, samples: [] };
    families.push(cur);
    return cur;
  };
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n];
    const lineNo = n + 1;
    if (sawEOF) fail(lineNo, "content after # EOF", line);
    if (line.length === 0) {
      if (om) fail(lineNo, "empty line in OpenMetrics", line);
      continue;
    }
    if (line[0] === "#") {
      if (om && line === "# EOF") {
        sawEOF = true;
        continue;
      }
      if (line.slice(0, 2) !== "# ") {
        if (om) fail(lineNo, "malformed comment", line);
        continue;
      }
      const rest = line.slice(2);
      const sp = rest.indexOf(" ");
      const kw = sp < 0 ? rest : rest.slice(0, sp);
      if (kw !== "HELP" && kw !== "TYPE" && kw !== "UNIT") {
        if (om) fail(lineNo, "unknown descriptor", line);
        continue;
      }
      if (sp < 0) fail(lineNo, "descriptor without name", line);
      let i = sp + 1;
      let name: string;
      if (rest[i] === '"') {
        if (om && !opts.quotedNames) fail(lineNo, "quoted name in OpenMetrics 1.0.0", line);
        [name, i] = readQuoted(rest, i, lineNo);
      } else {
        const j = readBareName(rest, i, false);
        if (j === i) fail(lineNo, "invalid metric name", line);
        name = rest.slice(i, j);
        i = j;
      }
      let arg = "";
      if (i < rest.length) {
        if (rest[i] !== " ") fail(lineNo, "expected a space after the name", line);
        arg = rest.slice(i + 1);
      } else if (kw !== "HELP") fail(lineNo, "missing " + kw + " value", line);
      const fam = startFamily(name);
      if (fam.samples.length > 0) fail(lineNo, kw + " after samples of the family", line);
      if (kw === "HELP") {
        if (fam.help !== undefined) fail(lineNo, "second HELP", line);
        let h = "";
        for (let k = 0; k < arg.length; k++) {
          if (arg[k] === "\\") {
            const e = arg[k + 1];
            if (e === "\\") h += "\\";
            else if (e === "n") h += "\n";
            else if (om && e === '"') h += '"';
            else fail(lineNo, "invalid escape in HELP", line);
            k++;
          } else {
            if (om && arg[k] === '"') fail(lineNo, "unescaped quote in OpenMetrics HELP", line);
            h += arg[k];
          }
        }
        fam.help = h;
      } else if (kw === "TYPE") {
        if (fam.type !== undefined) fail(lineNo, "second TYPE", line);
        const types = om
          ? ["counter", "gauge", "histogram", "summary", "info", "stateset", "unknown", "gaugehistogram"]
          : ["counter", "gauge", "histogram", "summary", "untyped"];
        if (types.indexOf(arg) < 0) fail(lineNo, "unknown type " + arg, line);
        fam.type = arg;
      } else {
        if (!om) fail(lineNo, "UNIT outside OpenMetrics", line);
        if (fam.unit !== undefined) fail(lineNo, "second UNIT", line);
        const suffix = "_" + arg;
        if (name.slice(name.length - suffix.length) !== suffix)
          fail(lineNo, "family name does not end with the unit", line);
        fam.unit = arg;
      }
      continue;
    }
    // sample line
    let i = 0;
    let name: string | undefined;
    const labels: Record<string, string> = Object.create(null);
    if (line[0] !== "{") {
      const j = readBareName(line, 0, false);
      if (j === 0) fail(lineNo, "invalid sample name", line);
      name = line.slice(0, j);
      i = j;
    }
    if (line[i] === "{") {
      i++;
      let first = true;
      while (line[i] !== "}") {
        if (!first) {
          if (line[i] !== ",") fail(lineNo, "expected , between labels", line);
          i++;
          if (line[i] === "}" && !om) break; // trailing comma is legal in 0.0.4
        }
        first = false;
        let lname: string;
        if (line[i] === '"') {
          if (om && !opts.quotedNames) fail(lineNo, "quoted name in OpenMetrics 1.0.0", line);
          [lname, i] = readQuoted(line, i, lineNo);
          if (line[i] !== "=") {
            if (name !== undefined) fail(lineNo, "metric name given twice", line);
            name = lname;
            continue;
          }
        } else {
          const j = readBareName(line, i, true);
          if (j === i) fail(lineNo, "invalid label name", line);
          lname = line.slice(i, j);
          i = j;
        }
        if (line[i] !== "=") fail(lineNo, "expected = after label name", line);
        i++;
        if (line[i] !== '"') fail(lineNo, "expected a quoted label value", line);
        let v: string;
        [v, i] = readQuoted(line, i, lineNo);
        if (lname.slice(0, 2) === "__" && !opts.dotsEscaping) fail(lineNo, "reserved label name " + lname, line);
        if (Object.prototype.hasOwnProperty.call(labels, lname)) fail(lineNo, "duplicate label " + lname, line);
        labels[lname] = v;
      }
      i++;
    }
    if (name === undefined) fail(lineNo, "sample without a name", line);
    if (line[i] !== " ") fail(lineNo, "expected one space before the value", line);
    i++;
    const rest = line.slice(i);
    const parts = rest.split(" ");
    if (parts.length > 2)
      fail(lineNo, "unexpected content after the value (exemplars/timestamps are not rendered by us)", line);
    if (parts.length === 2) parseValue(parts[1], lineNo, line, om); // timestamp
    const value = parseValue(parts[0], lineNo, line, om);
    // which family?
    let fam = cur;
    if (fam === undefined || !belongs(fam, name, om)) {
      if (om) fail(lineNo, "sample " + name + " outside its family's metadata", line);
      fam = startFamily(name);
    }
    fam.samples.push({ name, labels, value, raw: parts[0] });
  }
  if (om && !sawEOF) throw new ParseError("OpenMetrics exposition without # EOF");
  for (const f of families) checkFamily(f, om);
  return families;
}

function belongs(f: ParsedFamily, name: string, om: boolean): boolean {
  if (name === f.name && (!om || f.type !== "counter")) return f.type !== "histogram" && f.type !== "info";
  const t = f.type === undefined ? "untyped" : f.type;
  const sfx = Object.prototype.hasOwnProperty.call(SUFFIXES, t) ? SUFFIXES[t] : [""];
  for (const s of sfx) if (s !== "" && name === f.name + s) return true;
  if (!om && f.type === "counter" && name === f.name) return true;
  return false;
}

function key(labels: Record<string, string>, drop: string): string {
  const ks = Object.keys(labels)
    .filter((k) => k !== drop)
    .sort();
  return ks.map((k) => JSON.stringify(k) + "=" + JSON.stringify(labels[k])).join(",");
}

/** Semantic checks: cumulative histograms ending in +Inf = _count, quantile labels, stateset values, non-negative counters. */
function checkFamily(f: ParsedFamily, om: boolean): void {
  if (f.type === "histogram") {
    const groups: Record<string, { le: number[]; v: number[]; count?: number }> = Object.create(null);
    for (const s of f.samples) {
      const k = key(s.labels, "le");
      const g = groups[k] || (groups[k] = { le: [], v: [] });
      if (s.name === f.name + "_bucket") {
        if (!("le" in s.labels)) throw new ParseError(`${f.name}: bucket without le`);
        const raw = s.labels.le;
        if (om && raw !== "+Inf" && raw.indexOf(".") < 0)
          throw new ParseError(`${f.name}: le="${raw}" is not canonical in OpenMetrics`);
        g.le.push(raw === "+Inf" ? Infinity : Number(raw));
        g.v.push(s.value);
      } else if (s.name === f.name + "_count") g.count = s.value;
    }
    for (const k in groups) {
      const g = groups[k];
      if (g.le.length === 0 || g.le[g.le.length - 1] !== Infinity)
        throw new ParseError(`${f.name}{${k}}: no +Inf bucket`);
      for (let i = 1; i < g.le.length; i++) {
        if (!(g.le[i] > g.le[i - 1])) throw new ParseError(`${f.name}{${k}}: le not increasing`);
        if (!(g.v[i] >= g.v[i - 1])) throw new ParseError(`${f.name}{${k}}: buckets not cumulative`);
      }
      if (g.count !== undefined && g.count !== g.v[g.v.length - 1])
        throw new ParseError(`${f.name}{${k}}: +Inf bucket != _count`);
    }
  } else if (f.type === "summary") {
    for (const s of f.samples) {
      if (s.name === f.name) {
        if (!("quantile" in s.labels)) throw new ParseError(`${f.name}: quantile sample without quantile label`);
        const q = Number(s.labels.quantile);
        if (!(q >= 0 && q <= 1)) throw new ParseError(`${f.name}: bad quantile ${s.labels.quantile}`);
      }
    }
  } else if (f.type === "counter") {
    for (const s of f.samples) {
      if (om && s.name === f.name) throw new ParseError(`${f.name}: OpenMetrics counter sample without _total`);
      if (s.name !== f.name + "_created" && !(s.value >= 0))
        throw new ParseError(`${f.name}: negative or NaN counter ${s.raw}`);
    }
  } else if (f.type === "stateset") {
    for (const s of f.samples) {
      if (!(f.name in s.labels)) throw new ParseError(`${f.name}: stateset sample without its state label`);
      if (s.value !== 0 && s.value !== 1) throw new ParseError(`${f.name}: stateset value ${s.raw}`);
    }
  } else if (f.type === "info") {
    for (const s of f.samples) if (s.value !== 1) throw new ParseError(`${f.name}: info value ${s.raw}`);
  }
}
