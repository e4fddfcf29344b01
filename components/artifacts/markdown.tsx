import { Fragment, type ReactNode } from "react";

/**
 * A small Markdown renderer for notebook cells that builds React elements and never HTML: headings, paragraphs,
 * lists, quotes, rules, fenced code, inline code, bold, italic and links. Raw HTML in the text (a `<script>`, an
 * `<img onerror>`) is shown as the characters it is, and links go only to http(s) and mailto addresses, so a
 * notebook cannot run anything in the portal's page.
 */
export function Markdown({ source }: { source: string }) {
  return <div className="space-y-2 text-sm leading-relaxed text-slate-800">{blocks(source)}</div>;
}

const SAFE_HREF = /^(https?:\/\/|mailto:)/i;

function blocks(source: string): ReactNode[] {
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  const out: ReactNode[] = [];
  let i = 0;
  const key = () => out.length;
  while (i < lines.length) {
    const line = lines[i] ?? "";
    if (line.trim() === "") {
      i++;
      continue;
    }
    const fence = /^\s*(```|~~~)/.exec(line);
    if (fence) {
      const body: string[] = [];
      for (i++; i < lines.length && !(lines[i] ?? "").trim().startsWith(fence[1] ?? "```"); i++) body.push(lines[i] ?? "");
      i++;
      out.push(
        <pre key={key()} className="overflow-x-auto rounded bg-slate-100 p-2 text-xs">
          <code>{body.join("\n")}</code>
        </pre>,
      );
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      const level = heading[1]?.length ?? 1;
      const size = level === 1 ? "text-xl" : level === 2 ? "text-lg" : "text-base";
      out.push(
        <p key={key()} role="heading" aria-level={level} className={`${size} font-semibold text-slate-900`}>
          {inline(heading[2] ?? "")}
        </p>,
      );
      i++;
      continue;
    }
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) {
      out.push(<hr key={key()} className="border-slate-200" />);
      i++;
      continue;
    }
    const item = /^\s*([-*+]|\d+[.)])\s+/;
    if (item.test(line)) {
      const ordered = /^\s*\d/.test(line);
      const items: string[] = [];
      for (; i < lines.length && item.test(lines[i] ?? ""); i++) items.push((lines[i] ?? "").replace(item, ""));
      const List = ordered ? "ol" : "ul";
      out.push(
        <List key={key()} className={`${ordered ? "list-decimal" : "list-disc"} space-y-0.5 pl-6`}>
          {items.map((t, j) => (
            <li key={j}>{inline(t)}</li>
          ))}
        </List>,
      );
      continue;
    }
    if (/^\s*>/.test(line)) {
      const quoted: string[] = [];
      for (; i < lines.length && /^\s*>/.test(lines[i] ?? ""); i++) quoted.push((lines[i] ?? "").replace(/^\s*>\s?/, ""));
      out.push(
        <blockquote key={key()} className="border-l-4 border-slate-200 pl-3 text-slate-600">
          {inline(quoted.join(" "))}
        </blockquote>,
      );
      continue;
    }
    const para: string[] = [];
    for (
      ;
      i < lines.length && (lines[i] ?? "").trim() !== "" && !/^(#{1,6}\s|\s*(```|~~~|>)|\s*([-*+]|\d+[.)])\s)/.test(lines[i] ?? "");
      i++
    ) {
      para.push(lines[i] ?? "");
    }
    if (para.length === 0) para.push(lines[i++] ?? "");
    out.push(<p key={key()}>{inline(para.join(" "))}</p>);
  }
  return out;
}

/** `code`, **bold**, *italic* / _italic_ (underscores only at word edges, so `window.__x` stays text), [text](href) and ![alt](src) (shown as its alt text); the rest as text. */
const INLINE =
  /`([^`]+)`|\*\*([^*]+)\*\*|(?<!\w)__([^_]+)__(?!\w)|\*([^*\s][^*]*)\*|(?<!\w)_([^_\s][^_]*)_(?!\w)|!\[([^\]]*)\]\(([^)\s]*)\)|\[([^\]]+)\]\(([^)\s]+)\)/g;

function inline(text: string): ReactNode {
  const parts: ReactNode[] = [];
  let at = 0;
  for (const m of text.matchAll(INLINE)) {
    const start = m.index;
    if (start > at) parts.push(text.slice(at, start));
    const k = parts.length;
    if (m[1] !== undefined)
      parts.push(
        <code key={k} className="rounded bg-slate-100 px-1 font-mono text-xs">
          {m[1]}
        </code>,
      );
    else if (m[2] !== undefined || m[3] !== undefined) parts.push(<strong key={k}>{inline(m[2] ?? m[3] ?? "")}</strong>);
    else if (m[4] !== undefined || m[5] !== undefined) parts.push(<em key={k}>{inline(m[4] ?? m[5] ?? "")}</em>);
    else if (m[6] !== undefined) parts.push(<Fragment key={k}>[image: {m[6]}]</Fragment>);
    else {
      const href = m[9] ?? "";
      parts.push(
        SAFE_HREF.test(href) ? (
          <a key={k} href={href} target="_blank" rel="noopener noreferrer nofollow" className="text-brand-700 underline">
            {m[8]}
          </a>
        ) : (
          <Fragment key={k}>{m[0]}</Fragment>
        ),
      );
    }
    at = start + m[0].length;
  }
  if (at < text.length) parts.push(text.slice(at));
  return parts;
}
