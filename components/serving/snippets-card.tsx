"use client";

import { useState } from "react";
import { Card } from "@/components/ui/card";
import { CopyButton } from "@/components/ui/copy-button";
import type { ExampleBody } from "@/lib/serving/example-body";
import { curlSnippet, mlflowSnippet, requestsSnippet } from "./snippets";

const TABS = ["curl", "Python requests", "MLflow client"] as const;

/** The same call three ways, each copyable; the token comes from ATRIUM_TOKEN, never from the page. */
export function Snippets({ url, portal, name, example }: { url: string; portal: string; name: string; example: ExampleBody }) {
  const [tab, setTab] = useState<(typeof TABS)[number]>("curl");
  const body = example.body;
  const text =
    tab === "curl" ? curlSnippet(url, body) : tab === "Python requests" ? requestsSnippet(url, body) : mlflowSnippet(portal, name, body);
  return (
    <Card
      title="Call it from code"
      description={
        <>
          Set <code className="text-xs">ATRIUM_TOKEN</code> to an API token with the <code className="text-xs">serving:invoke</code> scope
          (Account → Tokens).{" "}
          {example.source === "placeholder"
            ? "Replace the example columns with your model's."
            : `The body is ${example.source === "input_example" ? "the model's logged input example" : "a row made from the model's signature"}; put your own values in it.`}
        </>
      }
    >
      <div className="flex flex-wrap items-center gap-2" role="tablist" aria-label="Snippet language">
        {TABS.map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            aria-selected={tab === t}
            onClick={() => setTab(t)}
            className={`rounded-md px-3 py-1 text-sm ${tab === t ? "bg-slate-900 text-white" : "text-slate-600 hover:bg-slate-100"}`}
          >
            {t}
          </button>
        ))}
        <span className="ml-auto">
          <CopyButton text={text} testId="copy-snippet" />
        </span>
      </div>
      <pre className="mt-3 overflow-x-auto rounded-lg bg-slate-950 p-4 text-xs leading-relaxed text-slate-100" data-testid="snippet">
        {text}
      </pre>
    </Card>
  );
}
