/**
 * Jupyter's kernel protocol over a TestWebSocket, as far as tests need it: send code to run, and read
 * what it printed. Messages use the JSON framing of /api/kernels/<id>/channels (protocol 5.3).
 */
import { randomUUID } from "node:crypto";
import type { TestWebSocket } from "@/lib/proxy/ws-test-client";

/** Sends an execute_request on the shell channel; returns its msg_id, which the replies carry as parent. */
export function sendExecute(ws: TestWebSocket, opts: { code: string; username: string; session?: string }): string {
  const msgId = randomUUID();
  ws.send(
    JSON.stringify({
      header: {
        msg_id: msgId,
        username: opts.username,
        session: opts.session ?? randomUUID(),
        msg_type: "execute_request",
        version: "5.3",
        date: new Date().toISOString(),
      },
      parent_header: {},
      metadata: {},
      content: { code: opts.code, silent: false, store_history: false, user_expressions: {}, allow_stdin: false, stop_on_error: true },
      channel: "shell",
      buffers: [],
    }),
  );
  return msgId;
}

/** The first stdout text the request `msgId` printed, or undefined when none came within the time. */
export async function stdoutOf(ws: TestWebSocket, msgId: string, timeoutMs = 30_000): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const raw = await ws.next(deadline - Date.now());
    if (raw === null) return undefined;
    if (!raw.startsWith("{")) continue;
    const msg = JSON.parse(raw) as { msg_type?: string; parent_header?: { msg_id?: string }; content?: { name?: string; text?: string } };
    if (msg.msg_type === "stream" && msg.parent_header?.msg_id === msgId && msg.content?.name === "stdout") return msg.content.text;
  }
  return undefined;
}

/** Whether the kernel said it is busy with request `msgId` within the time (its iopub status message). */
export async function startedExecuting(ws: TestWebSocket, msgId: string, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const raw = await ws.next(deadline - Date.now()).catch(() => null);
    if (raw === null) return false;
    if (!raw.startsWith("{")) continue;
    const msg = JSON.parse(raw) as { msg_type?: string; parent_header?: { msg_id?: string }; content?: { execution_state?: string } };
    if (msg.msg_type === "status" && msg.parent_header?.msg_id === msgId && msg.content?.execution_state === "busy") return true;
  }
  return false;
}
