import type { Redactor } from './output-redaction';
import type { CallChannel, InterruptReason, McpInteractions, McpNote, McpQuestion } from './runtime/contract';

/** How many questions a call's log keeps, and how much of each. */
const LOGGED_QUESTIONS = 32;
const LOGGED_TEXT = 2000;

/**
 * The sandbox's side of a call's channel to its MCP client: what the tool sends out is
 * redacted as its results are (`redact_secrets_in_output`), and what passed is kept for the
 * execution log — always redacted there, whatever the setting.
 */
export class RecordingChannel implements CallChannel {
  private readonly record: McpInteractions = { progress: 0, logs: 0, questions: [] };

  constructor(
    private readonly inner: CallChannel,
    private readonly redact: Redactor,
    private readonly redactOutgoing: boolean,
  ) {}

  note(note: McpNote): void {
    if (note.kind === 'progress') {
      this.record.progress++;
      this.inner.note(this.redactOutgoing && note.message ? { ...note, message: this.redact(note.message) } : note);
    } else {
      this.record.logs++;
      this.inner.note(this.redactOutgoing ? { ...note, data: this.redact(note.data) } : note);
    }
  }

  async ask(question: McpQuestion): Promise<unknown> {
    const entry: McpInteractions['questions'][number] = {
      key: question.key,
      kind: question.kind,
      params: clip(this.redact(parseOr(question.params))),
    };
    if (this.record.questions.length < LOGGED_QUESTIONS) this.record.questions.push(entry);
    const outgoing = this.redactOutgoing ? { ...question, params: this.redact(question.params) } : question;
    try {
      const answer = await this.inner.ask(outgoing);
      entry.answer = clip(this.redact(answer));
      return answer;
    } catch (err) {
      entry.error = this.redact(err instanceof Error ? err.message : String(err)).slice(0, LOGGED_TEXT);
      throw err;
    }
  }

  attach(interrupt: (reason: InterruptReason) => void): void {
    this.inner.attach(interrupt);
  }

  /** For the execution log: null when nothing passed. */
  interactions(): McpInteractions | null {
    const r = this.record;
    return r.progress || r.logs || r.questions.length ? r : null;
  }
}

function parseOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A logged value stays small: long JSON is kept as its (cut) text. */
function clip(value: unknown): unknown {
  const text = JSON.stringify(value) ?? 'null';
  return text.length <= LOGGED_TEXT ? value : `${text.slice(0, LOGGED_TEXT)}… [cut]`;
}
