/**
 * modules/text/html.ts: the output is pure ASCII with no markup character left, and it reads back (as a browser
 * decodes character references) as the input with control characters as spaces and lone surrogates as U+FFFD.
 */
import fc from "fast-check";
import { escapeHtml } from "../../modules/text/html";

/** what a browser makes of the escaped text: the references decoded */
function decodeReferences(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|#39|#(\d+));/g, (_, name: string, num: string | undefined) => {
    if (num !== undefined) return String.fromCodePoint(Number(num));
    return { amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'" }[name] as string;
  });
}

describe("text/html", () => {
  test("markup characters, controls and non-ASCII", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    expect(escapeHtml("a\tb\u007fc")).toBe("a b c");
    expect(escapeHtml("caf\u00e9 \u{1F600}")).toBe("caf&#233; &#128512;");
  });

  test("a lone surrogate is U+FFFD, the rule of text/utf8", () => {
    expect(escapeHtml("a\ud800b")).toBe("a&#65533;b");
    expect(escapeHtml("\ude00")).toBe("&#65533;");
    expect(escapeHtml("\ud83d\ud83d\ude00")).toBe("&#65533;&#128512;");
  });

  test("any string: pure printable ASCII, no markup character, reads back as the input", () => {
    const units = fc
      .array(
        fc.oneof(
          fc.integer({ min: 0, max: 0xffff }),
          fc.integer({ min: 0xd800, max: 0xdfff }),
          fc.constantFrom(38, 60, 62, 34, 39),
        ),
        { maxLength: 30 },
      )
      .map((a) => String.fromCharCode(...a));
    fc.assert(
      fc.property(units, (s) => {
        const out = escapeHtml(s);
        expect(/^[\x20-\x7e]*$/.test(out)).toBe(true);
        expect(/[<>"']/.test(out)).toBe(false);
        const expected = Buffer.from(s, "utf8")
          .toString("utf8")
          // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what this replaces
          .replace(/[\x00-\x1f\x7f]/g, " ");
        expect(decodeReferences(out)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});
