import { describe, expect, it } from "vitest";
import type { ColumnId } from "./column-picker";
import { parseRunsView, runsViewQuery, type RunsView } from "./runs-view-url";

const defaults: ColumnId[] = ["metrics:acc", "params:lr"];

describe("runs view in the URL", () => {
  it("round-trips a filter, a sort and chosen columns", () => {
    const view: RunsView = {
      filter: "metrics.acc > 0.9 AND params.model = 'x&y'",
      sort: { by: "metrics.acc", desc: true },
      columns: ["metrics:loss", "tags:team"],
    };
    const q = runsViewQuery(view, defaults);
    expect(parseRunsView(new URLSearchParams(q), defaults)).toEqual(view);
  });

  it("leaves defaults out of the URL and reads an empty URL as the defaults", () => {
    expect(runsViewQuery({ filter: "", sort: null, columns: defaults }, defaults)).toBe("");
    expect(parseRunsView(new URLSearchParams(""), defaults)).toEqual({ filter: "", sort: null, columns: defaults });
  });

  it("keeps an explicit empty column choice and other parameters", () => {
    const q = runsViewQuery(
      { filter: "", sort: { by: "attributes.start_time", desc: false }, columns: [] },
      defaults,
      new URLSearchParams("tab=runs"),
    );
    expect(q).toBe("tab=runs&sort=attributes.start_time&cols=");
    expect(parseRunsView(new URLSearchParams(q), defaults).columns).toEqual([]);
  });

  it("drops malformed column ids from a hand-edited URL", () => {
    expect(parseRunsView(new URLSearchParams("cols=metrics:acc,bogus,:x,params:"), defaults).columns).toEqual(["metrics:acc"]);
  });
});
