"use client";

import { CopyableCode } from "@/components/ui/code-block";
import { buttonClass } from "@/components/ui/button";
import { useQuery } from "@tanstack/react-query";
import { bytes } from "@/components/workspaces/format";
import { downloadUrl, fetchHead } from "./artifact-api";
import { modelLoadUri } from "./load-uri";
import { NotebookPreview } from "./notebook-preview";
import type { SelectedFile } from "./artifact-tree";
import { csvHead, mlmodelFlavors, previewKind } from "./preview-kind";

const CSV_ROWS = 20;

/** The selected file: its name, size and download link, and a look inside when the type allows one. */
export function ArtifactPreview({ file }: { file: SelectedFile }) {
  const kind = previewKind(file.name);
  return (
    <div className="space-y-3" data-testid="artifact-preview">
      <div className="flex items-center justify-between gap-3">
        <div className="min-w-0">
          <div className="truncate font-mono text-sm text-slate-900">{file.relPath}</div>
          <div className="text-xs text-slate-500">{bytes(file.size)}</div>
        </div>
        <a href={downloadUrl(file.fullPath)} download={file.name} className={buttonClass("secondary", "md", "shrink-0")}>
          Download
        </a>
      </div>
      {kind === "image" ? (
        // eslint-disable-next-line @next/next/no-img-element -- an artifact, not a static asset
        <img src={downloadUrl(file.fullPath)} alt={file.name} className="max-h-[28rem] rounded border border-slate-200" />
      ) : kind === "notebook" ? (
        <NotebookPreview file={file} />
      ) : kind === "none" ? (
        <p className="rounded bg-slate-50 px-3 py-6 text-center text-sm text-slate-500">
          No preview for this kind of file; download it to open it.
        </p>
      ) : (
        <TextualPreview file={file} kind={kind} />
      )}
    </div>
  );
}

function TextualPreview({ file, kind }: { file: SelectedFile; kind: "csv" | "mlmodel" | "text" }) {
  const head = useQuery({ queryKey: ["artifact-head", file.fullPath], queryFn: () => fetchHead(file.fullPath), retry: false });
  if (head.isPending) return <p className="text-sm text-slate-400">Reading the start of the file…</p>;
  if (head.isError) return <p className="text-sm text-red-600">{head.error.message}</p>;
  const { text, truncated } = head.data;
  if (kind === "csv") {
    const rows = csvHead(text, file.name.toLowerCase().endsWith(".tsv") ? "\t" : ",", CSV_ROWS + 1);
    const [header, ...body] = rows;
    return (
      <div className="overflow-x-auto">
        <table className="min-w-full text-left text-sm" data-testid="artifact-csv">
          <thead className="bg-slate-50 text-xs font-medium uppercase text-slate-500">
            <tr>
              {header?.map((h, i) => (
                <th key={i} className="px-3 py-2">
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 font-mono tabular-nums">
            {body.map((r, i) => (
              <tr key={i}>
                {r.map((c, j) => (
                  <td key={j} className="px-3 py-1.5">
                    {c}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        <p className="mt-2 text-xs text-slate-500">
          The first {body.length} rows{truncated || body.length === CSV_ROWS ? "; download the file for the rest" : ""}.
        </p>
      </div>
    );
  }
  const flavors = kind === "mlmodel" ? mlmodelFlavors(text) : [];
  const loadUri = modelLoadUri(file.fullPath);
  return (
    <div className="space-y-2">
      {kind === "mlmodel" && (
        <p className="text-sm text-slate-700" data-testid="mlmodel-flavors">
          An MLflow model
          {flavors.length > 0 ? (
            <>
              {" "}
              with flavors{" "}
              {flavors.map((f) => (
                <span key={f} className="mr-1 rounded bg-indigo-100 px-1.5 py-0.5 font-mono text-xs text-indigo-800">
                  {f}
                </span>
              ))}
            </>
          ) : null}
          .
          {loadUri && (
            <>
              {" "}
              Load it with <CopyableCode text={`mlflow.pyfunc.load_model("${loadUri}")`} testId="copy-load-model" />
            </>
          )}
        </p>
      )}
      <pre className="max-h-[28rem] overflow-auto rounded bg-slate-900 p-3 text-xs text-slate-100" data-testid="artifact-text">
        {text}
      </pre>
      {truncated && <p className="text-xs text-slate-500">Only the first 64 KiB are shown; download the file for the rest.</p>}
    </div>
  );
}
