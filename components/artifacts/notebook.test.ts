import { describe, expect, it } from "vitest";
import { MAX_CELLS, parseNotebook } from "./notebook";

const nb = (cells: unknown[]) => JSON.stringify({ nbformat: 4, metadata: {}, cells });

describe("parseNotebook", () => {
  it("keeps markdown, code with text and image outputs, and HTML, JavaScript and SVG outputs only as text", () => {
    const parsed = parseNotebook(
      nb([
        { cell_type: "markdown", source: ["# T\n", "<script>x()</script>"] },
        {
          cell_type: "code",
          execution_count: 4,
          source: "f()",
          outputs: [
            { output_type: "stream", name: "stderr", text: "warn\n" },
            { output_type: "display_data", data: { "image/png": "iVBORw0KGgo=\n", "text/plain": "<Figure>" } },
            { output_type: "execute_result", data: { "text/html": "<b onclick=x()>hi</b>" } },
            { output_type: "display_data", data: { "application/javascript": "alert(1)" } },
            { output_type: "display_data", data: { "image/svg+xml": "<svg onload=alert(1)/>" } },
            { output_type: "error", ename: "ValueError", evalue: "bad", traceback: ["\u001b[31mValueError\u001b[0m: bad"] },
          ],
        },
      ]),
    );
    expect(parsed?.cells[0]).toEqual({ kind: "markdown", source: "# T\n<script>x()</script>" });
    const code = parsed?.cells[1];
    expect(code?.kind === "code" && code.outputs).toEqual([
      { kind: "text", text: "warn\n", error: true },
      { kind: "image", mime: "image/png", dataUrl: "data:image/png;base64,iVBORw0KGgo=" },
      { kind: "source", mime: "text/html", text: "<b onclick=x()>hi</b>" },
      { kind: "source", mime: "application/javascript", text: "alert(1)" },
      { kind: "source", mime: "image/svg+xml", text: "<svg onload=alert(1)/>" },
      { kind: "text", text: "ValueError: bad\n", error: true },
    ]);
  });

  it("never makes a data URL from bytes that are not base64", () => {
    const parsed = parseNotebook(
      nb([{ cell_type: "code", source: "", outputs: [{ output_type: "display_data", data: { "image/png": '"><script>' } }] }]),
    );
    const code = parsed?.cells[0];
    expect(code?.kind === "code" && code.outputs).toEqual([{ kind: "source", mime: "image/png", text: '"><script>' }]);
  });

  it("refuses what is not a notebook and bounds the cells it keeps", () => {
    expect(parseNotebook("{")).toBeNull();
    expect(parseNotebook('{"cells": 3}')).toBeNull();
    const many = parseNotebook(nb(Array.from({ length: MAX_CELLS + 7 }, () => ({ cell_type: "raw", source: "x" }))));
    expect(many?.cells).toHaveLength(MAX_CELLS);
    expect(many?.hiddenCells).toBe(7);
  });
});
