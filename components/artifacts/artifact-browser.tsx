"use client";

import { useState, type ReactNode } from "react";
import { Card } from "@/components/ui/card";
import { artifactRoot, useArtifactFolder } from "./artifact-api";
import { ArtifactPreview } from "./artifact-preview";
import { ArtifactFolder, type SelectedFile } from "./artifact-tree";

/** A run's artifacts: a folder tree on the left, the selected file's preview and download on the right. */
export function ArtifactBrowser({
  artifactUri,
  title = "Artifacts",
  description = "Files the run logged: models, plots, data samples. Pick one to look inside.",
  empty,
}: {
  artifactUri: string;
  title?: string;
  description?: string;
  empty?: ReactNode;
}) {
  const root = artifactRoot(artifactUri);
  return (
    <Card title={title} description={description}>
      {root === null ? (
        <p className="text-sm text-slate-500">
          This run stores its artifacts at <code className="text-xs">{artifactUri}</code>, outside the portal, so they cannot be shown here.
        </p>
      ) : (
        <Browser root={root} empty={empty} />
      )}
    </Card>
  );
}

function Browser({ root, empty }: { root: string; empty?: ReactNode }) {
  const [selected, setSelected] = useState<SelectedFile | null>(null);
  const top = useArtifactFolder(root);
  if (top.isSuccess && top.data.length === 0) {
    return (
      <p className="text-sm text-slate-500" data-testid="artifacts-empty">
        {empty ?? <RunEmpty />}
      </p>
    );
  }
  return (
    <div className="grid gap-4 md:grid-cols-[18rem_1fr]">
      <div className="max-h-[32rem] overflow-auto border-slate-100 md:border-r md:pr-3" data-testid="artifact-tree">
        <ArtifactFolder fullPath={root} relPath="" depth={0} selected={selected?.fullPath ?? null} onSelect={setSelected} />
      </div>
      <div className="min-w-0">
        {selected ? (
          <ArtifactPreview file={selected} />
        ) : (
          <p className="py-6 text-center text-sm text-slate-500">Pick a file on the left to preview or download it.</p>
        )}
      </div>
    </div>
  );
}

function RunEmpty() {
  return (
    <>
      This run has no artifacts yet. Log one from a notebook with <code className="text-xs">mlflow.log_artifact(&quot;plot.png&quot;)</code>
      , or a model with <code className="text-xs">mlflow.sklearn.log_model(model, name=&quot;model&quot;)</code>.
    </>
  );
}
