"use client";

import { useQuery } from "@tanstack/react-query";
import { bytes } from "@/components/workspaces/format";
import { fetchHead } from "./artifact-api";
import type { SelectedFile } from "./artifact-tree";
import { Markdown } from "./markdown";
import { parseNotebook, type NotebookOutput } from "./notebook";

/**
 * Notebooks are drawn whole or not at all (a cut JSON document does not parse), so they have their own cap:
 * an executed notebook with a few plots is a few hundred KiB; past this one the page says to download it.
 */
const NOTEBOOK_PREVIEW_BYTES = 2 * 1024 * 1024;

/** An .ipynb artifact rendered: markdown as safe elements, code with its outputs, HTML outputs as text. */
export function NotebookPreview({ file }: { file: SelectedFile }) {
  const tooLarge = file.size > NOTEBOOK_PREVIEW_BYTES;
  const doc = useQuery({
    queryKey: ["artifact-notebook", file.fullPath],
    queryFn: () => fetchHead(file.fullPath, NOTEBOOK_PREVIEW_BYTES + 1),
    enabled: !tooLarge,
    retry: false,
  });
  if (tooLarge || doc.data?.truncated) {
    return (
      <p className="rounded bg-slate-50 px-3 py-6 text-center text-sm text-slate-500" data-testid="notebook-too-large">
        This notebook is {bytes(file.size)}, more than the {bytes(NOTEBOOK_PREVIEW_BYTES)} a preview reads; download it to open it.
      </p>
    );
  }
  if (doc.isPending) return <p className="text-sm text-slate-400">Reading the notebook…</p>;
  if (doc.isError) return <p className="text-sm text-red-600">{doc.error.message}</p>;
  const nb = parseNotebook(doc.data.text);
  if (!nb)
    return <p className="text-sm text-red-600">This file is not a notebook Atrium can read (not nbformat JSON); download it to open it.</p>;
  return (
    <div className="max-h-[40rem] space-y-3 overflow-auto rounded border border-slate-200 p-3" data-testid="notebook-preview">
      {nb.cells.length === 0 && <p className="text-sm text-slate-500">This notebook has no cells.</p>}
      {nb.cells.map((cell, i) =>
        cell.kind === "markdown" ? (
          <div key={i} data-testid="notebook-markdown">
            <Markdown source={cell.source} />
          </div>
        ) : cell.kind === "raw" ? (
          <pre key={i} className="whitespace-pre-wrap text-xs text-slate-600">
            {cell.source}
          </pre>
        ) : (
          <div key={i} className="space-y-1" data-testid="notebook-code">
            <div className="flex gap-2">
              <span className="w-12 shrink-0 pt-2 text-right font-mono text-xs text-slate-400">[{cell.executionCount ?? " "}]</span>
              <pre className="min-w-0 flex-1 overflow-x-auto rounded bg-slate-50 p-2 font-mono text-xs text-slate-800 ring-1 ring-slate-200">
                {cell.source}
              </pre>
            </div>
            {cell.outputs.map((o, j) => (
              <div key={j} className="ml-14 min-w-0">
                <Output output={o} />
              </div>
            ))}
          </div>
        ),
      )}
      {nb.hiddenCells > 0 && (
        <p className="text-xs text-slate-500">{nb.hiddenCells} more cells are not shown; download the notebook for them.</p>
      )}
    </div>
  );
}

function Output({ output }: { output: NotebookOutput }) {
  if (output.kind === "image") {
    // eslint-disable-next-line @next/next/no-img-element -- an output's own bytes, as a data URL
    return <img src={output.dataUrl} alt="Cell output" className="max-h-96 max-w-full" data-testid="notebook-image" />;
  }
  if (output.kind === "source") {
    return (
      <div data-testid="notebook-source-output">
        <p className="text-xs text-slate-500">{output.mime} output, shown as text:</p>
        <pre className="overflow-x-auto whitespace-pre-wrap rounded bg-slate-50 p-2 font-mono text-xs text-slate-700">{output.text}</pre>
      </div>
    );
  }
  return (
    <pre
      className={`overflow-x-auto whitespace-pre-wrap p-1 font-mono text-xs ${output.error ? "bg-red-50 text-red-800" : "text-slate-700"}`}
      data-testid="notebook-text-output"
    >
      {output.text}
    </pre>
  );
}
