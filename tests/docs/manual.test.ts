/**
 * The user's manual stays a manual: README.md at most 30 KB, and every relative link in README.md and docs/*.md
 * points to a file that exists (and, for a link with #anchor to a Markdown file, to a heading that exists there).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = join(__dirname, "..", "..");
const README_LIMIT = 30 * 1024;

/** GitHub's anchor for a heading: lower case, inline markup dropped, punctuation removed, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/[`*]/g, "")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** Text outside fenced code blocks (a `#` line there is not a heading). */
function withoutFences(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
}

/** Text outside fenced code blocks and inline code spans (links there are not links). */
function prose(markdown: string): string {
  return withoutFences(markdown).replace(/`[^`\n]*`/g, "");
}

/** The anchors of a Markdown text's headings, with GitHub's -1, -2 ... suffixes for repeated ones. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of withoutFences(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Relative links of `markdown` (file `file`, absolute path) whose file or heading does not exist. */
function brokenLinks(file: string, markdown: string, read: (path: string) => string | undefined): string[] {
  const broken: string[] = [];
  for (const m of prose(markdown).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    const target = m[1];
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto: ...
    const hash = target.indexOf("#");
    const pathPart = hash < 0 ? target : target.slice(0, hash);
    const anchor = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
    const path = pathPart === "" ? file : resolve(dirname(file), decodeURIComponent(pathPart));
    const text = pathPart === "" ? markdown : read(path);
    if (text === undefined) {
      broken.push(`${target}: no such file`);
      continue;
    }
    if (anchor !== undefined && path.endsWith(".md") && !anchors(text).has(anchor))
      broken.push(`${target}: no such heading`);
  }
  return broken;
}

function readIfFile(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  return statSync(path).isDirectory() ? "" : readFileSync(path, "utf8");
}

const manuals = [
  "README.md",
  ...readdirSync(join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

describe("the manual", () => {
  test(`README.md is at most 30 KB (${README_LIMIT} bytes)`, () => {
    expect(statSync(join(root, "README.md")).size).toBeLessThanOrEqual(README_LIMIT);
  });

  test("the README links every document in docs/", () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const unlinked = manuals.filter((f) => f.startsWith("docs/") && !readme.includes(`](${f})`));
    expect(unlinked).toEqual([]);
  });

  test.each(manuals)("every relative link in %s points to a file and heading that exist", (name) => {
    const file = join(root, name);
    expect(brokenLinks(file, readFileSync(file, "utf8"), readIfFile)).toEqual([]);
  });
});

describe("the link check", () => {
  const file = join(root, "docs", "x.md");
  const files: Record<string, string> = {
    [join(root, "docs", "y.md")]:
      "# Title\n\n## Sockets (`tcp`, `listener`)\n\n## Cost on the board's engine (XS)\n\n## Notes\n\n## Notes\n",
    [join(root, "LICENSE")]: "MIT",
  };
  const read = (p: string) => files[p];
  const check = (markdown: string) => brokenLinks(file, markdown, read).map((b) => relative(root, b));

  test("finds a link to a missing file, and a missing heading in the same or another file", () => {
    expect(check("[a](missing.md) [b](../LICENSE) [c](y.md#nowhere) [d](#here)\n")).toEqual([
      "missing.md: no such file",
      "y.md#nowhere: no such heading",
      "#here: no such heading",
    ]);
  });

  test("accepts existing files and GitHub's heading anchors, skips absolute URLs and code", () => {
    expect(
      check(
        "# Here\n[a](y.md) [b](../LICENSE) [c](y.md#sockets-tcp-listener) [d](y.md#cost-on-the-boards-engine-xs)\n" +
          "[e](y.md#notes-1) [f](#here) [g](https://example.com/missing.md) `[h](missing.md)`\n```\n[i](missing.md)\n```\n",
      ),
    ).toEqual([]);
  });
});
