// The series key is its label block; the label values are read back from it (they are not kept apart).
import { labelBlock, labelValues } from "../../modules/model/exposition";

const VALUES = [
  "",
  "plain",
  'say "hi"',
  "C:\\temp\\new",
  "line1\nline2",
  '\\"\n',
  "}{=,",
  'a="b",c="d"',
  "caf\u00e9 \ud83d\ude00",
  "\\n",
  '"',
  "\\",
];

describe("label block and label values", () => {
  it("labelValues reads back every value of a block, whatever it contains", () => {
    for (const a of VALUES) {
      expect(labelValues(labelBlock(["a"], [a]), 1)).toEqual([a]);
      for (const b of VALUES) {
        const names = ["first", "second_label", "c"];
        const values = [a, b, a + b];
        expect(labelValues(labelBlock(names, values), 3)).toEqual(values);
      }
    }
  });
  it("the block is the exposition text, values escaped", () => {
    expect(labelBlock(["a", "b"], ['x"y', "1\\2\n"])).toBe('a="x\\"y",b="1\\\\2\\n"');
    expect(labelBlock([], [])).toBe("");
  });
});
