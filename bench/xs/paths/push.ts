/**
 * One remote-write batch (issue 11): the registry's current samples as a WriteRequest (modules/push/remote-write.ts)
 * compressed with snappy (modules/push/snappy.ts), as a push client would send it.
 * Setup (once, not measured): a first gathering encodes each sample's label set (the series' labels, `__name__`
 * with its suffix, `le`/`quantile`/state labels, external labels instance and job) and keeps them by position;
 * the buffers (request and compressed) and the compressor's table are made once.
 * One batch (measured): `await registry.collect()`, a gathering whose writer puts each sample (the value read from
 * the metric, the cached labels, one timestamp) into the request, then `compress`. "encode" is the same without
 * the compression. "direct": the batch written as a snappy block by SnappyRequestWriter (label entries shared
 * between series by name and value through a Map made in the setup, as a push client could), no compression pass.
 * (The only code of the bench that calls the push encoders: adapt it here when their API changes.)
 */
import {
  encodeLabels,
  RequestEncoder,
  SnappyCompressor,
  maxCompressedLength,
  labelValues,
  sampleSuffix,
  walk,
  CREATED,
} from "../api";
import { LabelEntry, SnappyRequestWriter, labelSet } from "../api";
import type { Registry, FamilyDesc, SampleWriter, SeriesDesc, SampleKind } from "../api";

const TIMESTAMP = 1764547200000;
const EXTERNAL_NAMES = ["instance", "job"];
const EXTERNAL_VALUES = ["esp32-poe", "esp32-poe"];

/** Setup's writer: the label set of every sample, in gathering order. */
class LabelCollector implements SampleWriter {
  family_: FamilyDesc | null = null;
  sets: Uint8Array[] = [];
  entrySets: LabelEntry[][] = [];
  /** direct: label entry sets (SnappyRequestWriter); else label bytes (RequestEncoder) */
  constructor(readonly direct: boolean) {}
  #entries = new Map<string, LabelEntry>();
  #external = EXTERNAL_NAMES.map((n, i) => new LabelEntry(n, EXTERNAL_VALUES[i]));
  entry(name: string, value: string): LabelEntry {
    const key = name + "\u0000" + value;
    let e = this.#entries.get(key);
    if (e === undefined) this.#entries.set(key, (e = new LabelEntry(name, value)));
    return e;
  }
  family(f: FamilyDesc): void {
    this.family_ = f;
  }
  sample(s: SeriesDesc, kind: SampleKind, extra: number, _value: number): void {
    if (kind === CREATED) return;
    const f = this.family_ as FamilyDesc;
    const names = ["__name__", ...f.labelNames];
    const values = [f.name + sampleSuffix(f.type, kind, false), ...labelValues(s.key, f.labelNames.length)];
    if (extra >= 0) {
      const ev = f.extraValues as readonly (number | string)[];
      names.push(f.extraName as string);
      values.push(extra < ev.length ? String(ev[extra]) : "+Inf");
    }
    if (this.direct)
      this.entrySets.push(
        labelSet(
          names.map((n, i) => this.entry(n, values[i])),
          this.#external,
        ),
      );
    else this.sets.push(encodeLabels(names, values, EXTERNAL_NAMES, EXTERNAL_VALUES));
  }
}

/** The measured writer of "direct": the i-th sample of a gathering gets the i-th label set. */
class DirectWriter implements SampleWriter {
  i = 0;
  full = false;
  constructor(
    readonly sets: LabelEntry[][],
    readonly writer: SnappyRequestWriter,
  ) {}
  family(_f: FamilyDesc): void {}
  sample(_s: SeriesDesc, kind: SampleKind, _extra: number, value: number): void {
    if (kind === CREATED) return;
    if (!this.writer.sample(this.sets[this.i++], value, TIMESTAMP)) this.full = true;
  }
}

/** The measured writer: the i-th sample of a gathering gets the i-th label set. */
class BatchWriter implements SampleWriter {
  i = 0;
  full = false;
  constructor(
    readonly sets: Uint8Array[],
    readonly encoder: RequestEncoder,
  ) {}
  family(_f: FamilyDesc): void {}
  sample(_s: SeriesDesc, kind: SampleKind, _extra: number, value: number): void {
    if (kind === CREATED) return;
    if (!this.encoder.sample(this.sets[this.i++], value, TIMESTAMP)) this.full = true;
  }
}

export interface Pusher {
  /** one batch; returns the bytes to send (compressed, or the request when compress is false) */
  push(): Promise<number>;
  /** the uncompressed request of the last batch */
  request(): Uint8Array;
  /** the compressed block of the last batch */
  block(): Uint8Array;
  samples: number;
}

export async function pusher(registry: Registry, compress: boolean | "direct", requestBytes = 32768): Promise<Pusher> {
  await registry.collect();
  const collector = new LabelCollector(compress === "direct");
  walk(registry.gather(), collector);
  if (compress === "direct") {
    const writer = new SnappyRequestWriter(new Uint8Array(requestBytes));
    const direct = new DirectWriter(collector.entrySets, writer);
    let block: Uint8Array = new Uint8Array(0);
    return {
      samples: collector.entrySets.length,
      async push(): Promise<number> {
        await registry.collect();
        writer.reset();
        direct.i = 0;
        walk(registry.gather(), direct);
        if (direct.full || direct.i !== collector.entrySets.length)
          throw new Error("the batch did not fit or changed its number of samples");
        block = writer.finish();
        return block.length;
      },
      request: () => new Uint8Array(writer.length),
      block: () => block,
    };
  }
  const sets = collector.sets;
  const encoder = new RequestEncoder(new Uint8Array(requestBytes));
  const out = new Uint8Array(maxCompressedLength(requestBytes));
  const snappy = new SnappyCompressor();
  const writer = new BatchWriter(sets, encoder);
  let last = 0;
  return {
    samples: sets.length,
    async push(): Promise<number> {
      await registry.collect();
      encoder.reset();
      writer.i = 0;
      walk(registry.gather(), writer);
      if (writer.full || writer.i !== sets.length)
        throw new Error("the batch did not fit or changed its number of samples");
      if (!compress) return (last = encoder.length);
      last = snappy.compress(encoder.buffer, out, encoder.length);
      if (last < 0) throw new Error("the compressed batch did not fit");
      return last;
    },
    request: () => encoder.bytes(),
    block: () => out.subarray(0, last),
  };
}
