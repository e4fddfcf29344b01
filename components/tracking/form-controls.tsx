const tones = {
  filled: "rounded-md bg-brand-600 px-3 py-1 text-sm font-medium text-white disabled:opacity-60",
  outlined: "rounded-md border border-brand-600 px-3 py-1 text-sm font-medium text-brand-700 disabled:opacity-50",
};

/** The registry forms' submit button: says what it is doing while `pending`, and is off then or while `blocked`. */
export function SubmitButton(props: {
  label: string;
  pendingLabel: string;
  pending: boolean;
  blocked?: boolean;
  tone?: keyof typeof tones;
}) {
  return (
    <button type="submit" disabled={props.pending || props.blocked} className={tones[props.tone ?? "filled"]}>
      {props.pending ? props.pendingLabel : props.label}
    </button>
  );
}

export function CancelButton({ onClick }: { onClick: () => void }) {
  return (
    <button type="button" onClick={onClick} className="text-sm text-slate-500 hover:underline">
      Cancel
    </button>
  );
}
