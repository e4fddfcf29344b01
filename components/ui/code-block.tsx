import { CopyButton } from "./copy-button";

const TONES = {
  dark: "bg-slate-900 text-slate-100",
  light: "bg-slate-50 text-slate-800 ring-1 ring-slate-200",
} as const;

/** A snippet to paste somewhere else, with its Copy button in the corner: every code sample on the pages is one. */
export function CodeBlock({
  text,
  tone = "dark",
  testId,
  copyTestId,
}: {
  text: string;
  tone?: keyof typeof TONES;
  testId?: string;
  copyTestId?: string;
}) {
  return (
    <div className="relative mt-2">
      <pre className={`overflow-x-auto rounded-lg py-3 pl-4 pr-20 font-mono text-xs leading-relaxed ${TONES[tone]}`} data-testid={testId}>
        {text}
      </pre>
      <div className="absolute right-2 top-2">
        <CopyButton text={text} testId={copyTestId ?? (testId ? `copy-${testId}` : "copy-snippet")} />
      </div>
    </div>
  );
}

/** A short value to copy (an ID, a model URI, a command), in a line of text. */
export function CopyableCode({ text, testId }: { text: string; testId?: string }) {
  return (
    <span className="inline-flex max-w-full items-center gap-1.5 align-middle">
      <code className="min-w-0 break-all text-xs">{text}</code>
      <CopyButton text={text} testId={testId} />
    </span>
  );
}
