"use client";

import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import type { ExampleBody } from "@/lib/serving/example-body";

/** The most of an answer the box shows; the rest is cut with a note, so a huge prediction cannot freeze the page. */
const MAX_SHOWN = 64 * 1024;

/** Sends a JSON body to the endpoint with the person's own sign-in and shows the answer as it came. */
export function TryIt({ name, example }: { name: string; example: ExampleBody }) {
  const [body, setBody] = useState(JSON.stringify(example.body, null, 2));
  const [busy, setBusy] = useState(false);
  const [answer, setAnswer] = useState<{ status: number; text: string; ms: number } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const send = async () => {
    setProblem(null);
    setAnswer(null);
    try {
      JSON.parse(body);
    } catch (err) {
      setProblem(`The body is not JSON: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    setBusy(true);
    const started = performance.now();
    try {
      const res = await fetch(`/serving-endpoints/${encodeURIComponent(name)}/invocations`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      let text = await res.text();
      if ((res.headers.get("content-type") ?? "").startsWith("text/html")) {
        // A web page is the portal's, not the model's: say what it means instead of showing its markup.
        text =
          res.status === 404
            ? "The portal has no invocations route for this endpoint (a web page answered 404): serving calls are not available on this portal yet."
            : `The portal answered with a web page (status ${res.status}), not the endpoint's JSON.`;
      }
      try {
        text = JSON.stringify(JSON.parse(text), null, 2);
      } catch {
        // Not JSON (a plain-text error): shown as it came.
      }
      if (text.length > MAX_SHOWN)
        text = `${text.slice(0, MAX_SHOWN)}\n… (${text.length.toLocaleString("en")} characters in all; only the first 64 KiB shown)`;
      setAnswer({ status: res.status, text, ms: Math.round(performance.now() - started) });
    } catch (err) {
      setProblem(`The request did not reach the portal: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card
      title="Try it"
      description="Sends this body to the endpoint as you. Use one of MLflow's input forms: dataframe_split, dataframe_records, instances or inputs."
    >
      <label htmlFor="try-body" className="sr-only">
        Request body (JSON)
      </label>
      <textarea
        id="try-body"
        value={body}
        onChange={(e) => setBody(e.target.value)}
        rows={6}
        spellCheck={false}
        className="w-full rounded-md border border-slate-300 p-2 font-mono text-xs"
        data-testid="try-body"
      />
      {example.note && (
        <p className="mt-1 text-sm text-slate-600" data-testid="try-note">
          {example.note}
        </p>
      )}
      <div className="mt-2 flex items-center gap-3">
        <Button onClick={() => void send()} loading={busy} data-testid="try-send">
          Send
        </Button>
        {answer && (
          <span className={`text-sm ${answer.status < 400 ? "text-emerald-700" : "text-red-700"}`} data-testid="try-status">
            {answer.status} in {answer.ms} ms
          </span>
        )}
      </div>
      {problem && (
        <p role="alert" className="mt-2 text-sm text-red-700">
          {problem}
        </p>
      )}
      {answer && (
        <pre className="mt-3 max-h-80 overflow-auto rounded-lg bg-slate-50 p-3 text-xs text-slate-800" data-testid="try-answer">
          {answer.text}
        </pre>
      )}
    </Card>
  );
}
