/**
 * Just enough HTML for PEP 503 pages: the anchors and their attributes. Simple-index pages are flat
 * lists of <a> elements, so a tokenizer for anchors is sturdier here than a DOM parser would be worth.
 */

export interface Anchor {
  href: string;
  text: string;
  attrs: Record<string, string>;
}

const ANCHOR_RE = /<a\b([^>]*)>([\s\S]*?)<\/a\s*>/gi;
const ATTR_RE = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, ent: string) => {
    if (ent[0] === "#") {
      const code = ent[1] === "x" || ent[1] === "X" ? parseInt(ent.slice(2), 16) : parseInt(ent.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[ent.toLowerCase()] ?? whole;
  });
}

export function parseAnchors(html: string): Anchor[] {
  const out: Anchor[] = [];
  for (const m of html.matchAll(ANCHOR_RE)) {
    const attrs: Record<string, string> = {};
    for (const a of (m[1] ?? "").matchAll(ATTR_RE)) {
      const key = (a[1] ?? "").toLowerCase();
      if (key) attrs[key] = decodeEntities(a[2] ?? a[3] ?? a[4] ?? "");
    }
    const text = decodeEntities((m[2] ?? "").replace(/<[^>]*>/g, "")).trim();
    out.push({ href: attrs.href ?? "", text, attrs });
  }
  return out;
}
