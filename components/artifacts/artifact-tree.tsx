"use client";

import { useState } from "react";
import { bytes } from "@/components/workspaces/format";
import { useArtifactFolder } from "./artifact-api";
import { FileIcon, FolderIcon } from "./icons";

export interface SelectedFile {
  /** Store path, `<experiment>/<run>/artifacts/...`. */
  fullPath: string;
  /** Path inside the run's artifacts, as a person reads it. */
  relPath: string;
  name: string;
  size: number;
}

interface FolderProps {
  fullPath: string;
  relPath: string;
  depth: number;
  selected: string | null;
  onSelect: (file: SelectedFile) => void;
}

/** One folder's children; sub-folders load when opened, so a large model folder costs nothing until then. */
export function ArtifactFolder({ fullPath, relPath, depth, selected, onSelect }: FolderProps) {
  const folder = useArtifactFolder(fullPath);
  if (folder.isPending)
    return (
      <p className="py-1 text-sm text-slate-400" style={{ paddingLeft: depth * 16 }}>
        Loading…
      </p>
    );
  if (folder.isError)
    return (
      <p className="py-1 text-sm text-red-600" style={{ paddingLeft: depth * 16 }}>
        {folder.error.message}
      </p>
    );
  if (folder.data.length === 0 && depth > 0)
    return (
      <p className="py-1 text-sm text-slate-400" style={{ paddingLeft: depth * 16 }}>
        (empty folder)
      </p>
    );
  return (
    <ul>
      {folder.data.map((f) => {
        const childRel = relPath ? `${relPath}/${f.path}` : f.path;
        const childFull = `${fullPath}/${f.path}`;
        return f.is_dir ? (
          <FolderRow
            key={f.path}
            name={f.path}
            fullPath={childFull}
            relPath={childRel}
            depth={depth}
            selected={selected}
            onSelect={onSelect}
          />
        ) : (
          <li key={f.path}>
            <button
              type="button"
              onClick={() => onSelect({ fullPath: childFull, relPath: childRel, name: f.path, size: f.file_size ?? 0 })}
              className={`flex w-full items-center justify-between gap-3 rounded px-2 py-1 text-left text-sm hover:bg-slate-100 ${selected === childFull ? "bg-indigo-50 font-medium text-indigo-800" : "text-slate-700"}`}
              style={{ paddingLeft: depth * 16 + 8 }}
              data-testid="artifact-file"
            >
              <span className="flex min-w-0 items-center gap-1.5">
                <FileIcon />
                <span className="truncate">{f.path}</span>
              </span>
              <span className="shrink-0 text-xs tabular-nums text-slate-400">{bytes(f.file_size ?? 0)}</span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}

function FolderRow({ name, depth, ...rest }: Omit<FolderProps, "depth"> & { name: string; depth: number }) {
  const [open, setOpen] = useState(false);
  return (
    <li>
      <button
        type="button"
        onClick={() => setOpen((o) => !o)}
        className="flex w-full items-center gap-1 rounded px-2 py-1 text-left text-sm text-slate-800 hover:bg-slate-100"
        style={{ paddingLeft: depth * 16 + 8 }}
        aria-expanded={open}
        data-testid="artifact-folder"
      >
        <span className="w-3 text-slate-400" aria-hidden="true">
          {open ? "▾" : "▸"}
        </span>
        <FolderIcon />
        <span className="truncate">{name}</span>
      </button>
      {open && <ArtifactFolder {...rest} depth={depth + 1} />}
    </li>
  );
}
