import { partialSuffixLength } from './stop.js';

/** Markup of an assistant turn (SPEC §2): reasoning in <think>, tool calls in <tool_call>. */
export const THINK_OPEN = '<think>';
export const THINK_CLOSE = '</think>';
export const TOOL_CALL_OPEN = '<tool_call>';
export const TOOL_CALL_CLOSE = '</tool_call>';

/** A piece of streamed assistant output, classified for display (OpenAI `reasoning_content` / `content`). */
export interface AssistantDelta {
  kind: 'reasoning' | 'content';
  text: string;
}

type Mode = 'content' | 'reasoning' | 'tool_call';

const OPENERS: Record<Mode, [tag: string, next: Mode][]> = {
  content: [
    [THINK_OPEN, 'reasoning'],
    [TOOL_CALL_OPEN, 'tool_call'],
  ],
  reasoning: [[THINK_CLOSE, 'content']],
  tool_call: [[TOOL_CALL_CLOSE, 'content']],
};

/**
 * Splits streamed assistant text into reasoning and content deltas, hiding the markup and the raw
 * tool-call blocks (they are parsed from the whole text at the end). Text that might be the start
 * of a tag is held back until the next piece decides it, so no half tag ever reaches a client.
 */
export class AssistantStream {
  private mode: Mode = 'content';
  private held = '';

  push(text: string): AssistantDelta[] {
    const out: AssistantDelta[] = [];
    let buf = this.held + text;
    this.held = '';
    for (;;) {
      let hit: { at: number; tag: string; next: Mode } | null = null;
      for (const [tag, next] of OPENERS[this.mode]) {
        const at = buf.indexOf(tag);
        if (at >= 0 && (hit === null || at < hit.at)) hit = { at, tag, next };
      }
      if (hit === null) break;
      this.emit(out, buf.slice(0, hit.at));
      buf = buf.slice(hit.at + hit.tag.length);
      this.mode = hit.next;
    }
    const keep = partialSuffixLength(
      buf,
      OPENERS[this.mode].map(([tag]) => tag),
    );
    this.emit(out, buf.slice(0, buf.length - keep));
    this.held = buf.slice(buf.length - keep);
    return out;
  }

  /** Releases text held back at the end of the stream. */
  flush(): AssistantDelta[] {
    const out: AssistantDelta[] = [];
    this.emit(out, this.held);
    this.held = '';
    return out;
  }

  private emit(out: AssistantDelta[], text: string): void {
    if (text.length === 0 || this.mode === 'tool_call') return;
    const last = out.at(-1);
    if (last !== undefined && last.kind === this.mode) last.text += text;
    else out.push({ kind: this.mode, text });
  }
}
