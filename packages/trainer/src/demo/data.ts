import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtinGenerators, generateDocument, type MixerEncoder } from '@agentlm/mixer';
import {
  dedupKey,
  episodeToMessages,
  generateTask,
  readTrajectories,
  runEpisode,
  ScriptedPolicy,
  type Task,
  type ToolSpec,
  type Trajectory,
  youtuFormat,
} from '@agentlm/synth';
import { toolSpecs } from '../agent-eval.js';

/** The built-in text generators the demo draws its corpora from. */
export const TEXT_DOMAINS = ['commonsense', 'stem', 'code'] as const;

/** Plain text of document `i` of a built-in generator (chats rendered as text). */
export function generatorText(name: string, seed: number, i: number): string {
  const generator = builtinGenerators[name];
  if (!generator) return '';
  const doc = generateDocument(generator, name, seed, i);
  if ('text' in doc) return doc.text;
  if ('messages' in doc) return doc.messages.map((m) => m.content).join('\n');
  return '';
}

/**
 * The demo's system prompt: the same instruction as synth's SYSTEM_PROMPT in a third of the tokens, because
 * a 1M-parameter model trained for a few minutes learns more per step from short sequences.
 */
export const DEMO_SYSTEM_PROMPT = 'Think in <think></think>, call tools when they help, then answer.';

/**
 * The demo's system message. Trusted: its `<think></think>` are the control tokens the model is to use, so
 * they encode as those tokens (message content is otherwise text, see `encodeChat`).
 */
export function demoSystemMessage(): { role: 'system'; content: string; trusted: true } {
  return { role: 'system', content: DEMO_SYSTEM_PROMPT, trusted: true };
}

/** A JSON schema without its `description` fields (names, types, patterns and `required` stay). */
function withoutDescriptions(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutDescriptions);
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([k, v]) => !(k === 'description' && typeof v === 'string'))
      .map(([k, v]) => [k, withoutDescriptions(v)]),
  );
}

/**
 * A terse tool spec for the demo: the name and the argument schema without prose. The environment
 * validates calls against the same schema, so a task with compact tools is verified exactly as before;
 * only the prompt is shorter (the tokenizer renders specs as given).
 */
export function compactTool(tool: ToolSpec): ToolSpec {
  const { name, parameters } = tool.function;
  return {
    type: 'function',
    function: { name, parameters: withoutDescriptions(parameters) } as ToolSpec['function'],
  };
}

/** A task as the demo prompts it: compact tool specs. */
export function compactTask(task: Task): Task {
  return { ...task, tools: task.tools.map(compactTool) };
}

/**
 * Writes the verified trajectories of a synth run as chat JSONL the mixer reads (`format: chat`):
 * one `{messages, tools}` per line, with the demo's short system prompt and compact tool specs
 * (the same prompt the agent evaluation uses).
 */
export function writeMixTrajectories(synthDir: string, file: string): Trajectory[] {
  const trajectories = readTrajectories(synthDir, 'trajectories').map((t) => ({
    ...t,
    tools: t.tools.map(compactTool),
    messages: t.messages.map((m) => (m.role === 'system' ? demoSystemMessage() : m)),
  }));
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(
    file,
    trajectories.map((t) => JSON.stringify({ messages: t.messages, tools: t.tools })).join('\n') + '\n',
  );
  return trajectories;
}

/**
 * The tokenizer corpus: the generated commonsense, STEM and code text of pre-training plus `agentic`, rendered
 * trajectories of every domain (the chat and tool-call format). Not the mid-training set itself: trained on it,
 * a small vocabulary turns its few frequent words (the key-value store's keys and values) into whole tokens
 * that pre-training never shows, so mid-training would start from untrained embeddings of exactly the words
 * a tool call must copy.
 */
export function* tokenizerCorpus(
  seed: number,
  docsPerDomain: number,
  agentic: Trajectory[],
): Generator<string> {
  for (let i = 0; i < docsPerDomain; i++) for (const d of TEXT_DOMAINS) yield generatorText(d, seed, i);
  for (const t of agentic) yield youtuFormat.render(t.messages, t.tools);
}

/**
 * Held-out agent tasks: drawn with a seed the synthesizer never used, minus any whose prompt and
 * initial state equal a training task's, so the evaluation measures generalisation, not recall. They
 * come with compact tool specs, as the demo trains on; `kinds` keeps to the task kinds trained on.
 */
export function heldOutTasks(
  domains: Task['domain'][],
  perDomain: number,
  seed: number,
  training: Trajectory[],
  kinds?: readonly string[],
): Task[] {
  const seen = new Set(training.map((t) => dedupKey(t.task)));
  const out: Task[] = [];
  for (const domain of domains) {
    let found = 0;
    for (let i = 0; found < perDomain && i < perDomain * 200; i++) {
      const task = generateTask(domain, 1, seed, i);
      if ((kinds && !kinds.includes(task.kind)) || seen.has(dedupKey(task))) continue;
      seen.add(dedupKey(task));
      out.push(compactTask(task));
      found++;
    }
  }
  return out;
}

/** A loss-evaluation set: packed rows of `seqLen` tokens with a per-token loss mask. */
export interface HeldOutSet {
  domain: string;
  rows: { tokens: number[]; lossMask: number[] }[];
}

function pack(
  domain: string,
  docs: { ids: ArrayLike<number>; mask: ArrayLike<number> }[],
  eos: number,
  seqLen: number,
  maxRows: number,
): HeldOutSet {
  const ids: number[] = [];
  const mask: number[] = [];
  for (const d of docs) {
    for (let i = 0; i < d.ids.length; i++) {
      ids.push(d.ids[i] as number);
      mask.push(d.mask[i] as number);
    }
    ids.push(eos);
    mask.push(1);
  }
  const rows: HeldOutSet['rows'] = [];
  for (let s = 0; s + seqLen <= ids.length && rows.length < maxRows; s += seqLen) {
    rows.push({ tokens: ids.slice(s, s + seqLen), lossMask: mask.slice(s, s + seqLen) });
  }
  return { domain, rows };
}

/**
 * Held-out loss sets per domain: fresh generator documents (every token counts) and scripted
 * trajectories on held-out tasks (assistant tokens count), packed like the training data.
 */
export async function heldOutLossSets(
  encoder: MixerEncoder,
  seed: number,
  seqLen: number,
  rowsPerDomain: number,
  agentTasks: Task[],
): Promise<HeldOutSet[]> {
  const sets: HeldOutSet[] = [];
  for (const d of TEXT_DOMAINS) {
    const docs = Array.from({ length: rowsPerDomain * 4 }, (_, i) => {
      const ids = encoder.encode(generatorText(d, seed, i));
      return { ids, mask: new Uint8Array(ids.length).fill(1) };
    });
    sets.push(pack(d, docs, encoder.eosId, seqLen, rowsPerDomain));
  }
  const policy = new ScriptedPolicy({ seed, mistakeRate: 0 });
  const chats = [];
  for (const task of agentTasks) {
    const episode = await runEpisode(task, policy);
    const messages = episodeToMessages(episode).map((m) => (m.role === 'system' ? demoSystemMessage() : m));
    const encoded = encoder.encodeChat(messages, toolSpecs(task));
    chats.push({ ids: encoded.ids, mask: encoded.lossMask });
  }
  sets.push(pack('agent', chats, encoder.eosId, seqLen, rowsPerDomain));
  return sets.filter((s) => s.rows.length > 0);
}
