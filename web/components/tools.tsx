// What the assistant looked up and how its figures checked out (SPEC §14), under an answer.
// The words come from lib/tools.ts (lookingUp, toolsLine, checksLine); these components only
// lay them out. Every state is in words, not colour only.

import { Icon } from "./icons";
import { checksLine, lookingUp, runningTools, toolsLineItems, type Checks, type ToolCall } from "@/lib/tools";

/** The lookups running now, one line each with a spinner ("Looking up spending by category,
 * March 2025…"); several at once for parallel calls. Nothing when none runs. */
export function ToolActivity({ tools }: { tools: readonly ToolCall[] }) {
  const running = runningTools(tools);
  if (!running.length) return null;
  return (
    <ul className="tool-activity" data-testid="tool-activity" aria-label="Lookups in progress">
      {running.map((t) => (
        <li key={t.id} data-testid="tool-running" data-tool={t.name}>
          <span className="spinner" aria-hidden="true" />
          {lookingUp(t)}
        </li>
      ))}
    </ul>
  );
}

/** "Looked up: A · B" (a failed call marked as failed) for the finished calls. */
export function ToolsLine({ tools }: { tools: readonly ToolCall[] }) {
  const items = toolsLineItems(tools);
  if (!items.length) return null;
  return (
    <p className="tools-line" data-testid="tools-line">
      <Icon.lookup /> Looked up:{" "}
      {items.map((it, n) => (
        <span key={n}>
          {n > 0 ? " · " : null}
          {it.failed ? (
            <span className="tool-failed" data-failed="true">
              {it.label} (failed)
            </span>
          ) : (
            it.label
          )}
        </span>
      ))}
    </p>
  );
}

/** "All 3 figures checked against your data" / "1 of 3 figures could not be checked…";
 * nothing when the answer has no figures. */
export function ChecksLine({ checks }: { checks: Checks | null | undefined }) {
  const text = checksLine(checks);
  if (!text || !checks) return null;
  const ok = checks.verified >= checks.figures && checks.unverified.length === 0;
  return (
    <p className={`checks-line ${ok ? "checks-ok" : "checks-warn"}`} data-testid="checks-line" data-state={ok ? "ok" : "warn"}>
      <span aria-hidden="true">{ok ? "✓" : "⚠"}</span> {text}
    </p>
  );
}

/** Both lines, under a finished answer. */
export function AnswerChecks({ tools, checks }: { tools: readonly ToolCall[]; checks: Checks | null | undefined }) {
  if (!toolsLineItems(tools).length && !checksLine(checks)) return null;
  return (
    <div className="answer-checks">
      <ToolsLine tools={tools} />
      <ChecksLine checks={checks} />
    </div>
  );
}
