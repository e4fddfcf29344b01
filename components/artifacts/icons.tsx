/** Small inline icons: emoji are not in every system font (Debian's Chromium shows boxes). */
export function FolderIcon() {
  return (
    <svg viewBox="0 0 16 16" className="h-4 w-4 shrink-0 text-amber-500" aria-hidden="true">
      <path fill="currentColor" d="M1.5 3.5A1 1 0 0 1 2.5 2.5h3.6l1.5 1.5h5.9a1 1 0 0 1 1 1v7.5a1 1 0 0 1-1 1h-11a1 1 0 0 1-1-1z" />
    </svg>
  );
}

export function FileIcon() {
  return (
    <svg viewBox="0 0 16 16" className="h-4 w-4 shrink-0 text-slate-400" aria-hidden="true">
      <path fill="none" stroke="currentColor" strokeWidth="1.2" d="M4 1.6h5.2L12.4 4.8v9.6H4z M9 1.6v3.4h3.4" />
    </svg>
  );
}
