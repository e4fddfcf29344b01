import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { RelativeTime } from "./relative-time";

describe("RelativeTime", () => {
  it("writes the relative time with the moment in dateTime and, readable, on hover", () => {
    const now = Date.UTC(2026, 0, 5, 14, 8, 0);
    const html = renderToStaticMarkup(createElement(RelativeTime, { at: "2026-01-05T14:03:07.000Z", now }));
    expect(html).toBe('<time dateTime="2026-01-05T14:03:07.000Z" title="2026-01-05 14:03:07 UTC">5 min ago</time>');
    // Epoch milliseconds (MLflow's timestamps) too.
    expect(renderToStaticMarkup(createElement(RelativeTime, { at: now - 3 * 3600_000, now }))).toContain(">3 h ago</time>");
    expect(renderToStaticMarkup(createElement(RelativeTime, { at: null }))).toBe("never");
  });
});
