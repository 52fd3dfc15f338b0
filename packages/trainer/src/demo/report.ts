import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { MixReport } from '@agentlm/mixer';
import type { AgentEvalResult } from '../agent-eval.js';
import type { MetricRecord } from '../metrics.js';
import { type PlotSeries, svgLinePlot } from '../plot.js';
import type { DemoResult } from './pipeline.js';

export interface ReportInputs {
  pretrainMetrics: MetricRecord[];
  midtrainMetrics: MetricRecord[];
  mixReports: { pretrain: MixReport; midtrain: MixReport };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const num = (x: number, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

function series(
  records: MetricRecord[],
  kind: MetricRecord['kind'],
  key: string,
  offset = 0,
): [number, number][] {
  return records
    .filter((r) => r.kind === kind && typeof r[key] === 'number')
    .map((r) => [r.step + offset, r[key] as number]);
}

function agentTable(before: AgentEvalResult, after: AgentEvalResult): string[] {
  const lines = [
    '| task kind | tasks | passed before | passed after | `<tool_call>` opened before | after | well-formed call before | after | valid calls before | after |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const kinds = [...new Set([...Object.keys(before.byKind), ...Object.keys(after.byKind)])];
  for (const d of kinds) {
    const b = before.byKind[d];
    const a = after.byKind[d];
    if (!a || !b) continue;
    const rate = (s: typeof a, n: number) => (s.toolTasks ? `${n}/${s.toolTasks}` : '–');
    lines.push(
      `| ${d} | ${a.tasks} | ${b.passed} | ${a.passed} | ${rate(b, b.toolTasksWithAttempt)} | ${rate(a, a.toolTasksWithAttempt)} | ${rate(b, b.toolTasksWithCall)} | ${rate(a, a.toolTasksWithCall)} | ${b.validCalls}/${b.calls} | ${a.validCalls}/${a.calls} |`,
    );
  }
  lines.push(
    `| **all** | ${Object.values(after.byDomain).reduce((n, s) => n + s.tasks, 0)} | **${pct(before.successRate)}** | **${pct(after.successRate)}** | ${pct(before.toolCallAttemptRate)} | ${pct(after.toolCallAttemptRate)} | ${pct(before.toolCallRate)} | ${pct(after.toolCallRate)} | ${pct(before.toolCallValidity)} | ${pct(after.toolCallValidity)} |`,
  );
  return lines;
}

function mixTable(name: string, r: MixReport): string[] {
  const lines = [
    `| ${name} stage | seq len | LR phase | tokens | sources (delivered share) |`,
    '| --- | ---: | --- | ---: | --- |',
  ];
  for (const s of r.stages) {
    const shares = s.sources
      .filter((x) => x.delivered > 0)
      .map((x) => `${x.name} ${(100 * x.share).toFixed(0)}%`);
    lines.push(`| ${s.name} | ${s.seqLen} | ${s.lr} | ${s.delivered} | ${shares.join(', ')} |`);
  }
  return lines;
}

/** Writes `report.md` and its SVG plots (`plots/`) into the demo folder. */
export function writeDemoReport(r: DemoResult, inputs: ReportInputs): void {
  const plots = join(r.out, 'plots');
  mkdirSync(plots, { recursive: true });
  const pre = inputs.pretrainMetrics;
  const mid = inputs.midtrainMetrics;
  const offset = r.pretrain.steps;
  const boundary = [{ x: offset, label: 'mid-training' }];
  writeFileSync(
    join(plots, 'loss.svg'),
    svgLinePlot(
      [
        { name: 'pre-training loss (all tokens)', points: series(pre, 'train', 'loss') },
        { name: 'mid-training loss (assistant tokens)', points: series(mid, 'train', 'loss', offset) },
      ],
      { title: 'Training loss', xLabel: 'optimizer step', yLabel: 'cross-entropy (nats)', markers: boundary },
    ),
  );
  writeFileSync(
    join(plots, 'lr.svg'),
    svgLinePlot(
      [
        {
          name: 'learning rate',
          points: [...series(pre, 'train', 'lr'), ...series(mid, 'train', 'lr', offset)],
        },
      ],
      {
        title: 'Learning rate (warmup-stable-decay from the curriculum stage hints)',
        xLabel: 'optimizer step',
        markers: boundary,
      },
    ),
  );
  const evalKeys = [
    ...new Set(
      [...pre, ...mid]
        .filter((m) => m.kind === 'eval')
        .flatMap((m) => Object.keys(m).filter((k) => k.startsWith('loss_'))),
    ),
  ];
  const evalSeries: PlotSeries[] = evalKeys.map((k) => ({
    name: `held-out ${k.slice(5)}`,
    points: [...series(pre, 'eval', k), ...series(mid, 'eval', k, offset)],
    dashed: true,
  }));
  writeFileSync(
    join(plots, 'eval.svg'),
    svgLinePlot(evalSeries, {
      title: 'Held-out loss per domain',
      xLabel: 'optimizer step',
      yLabel: 'loss (nats)',
      markers: boundary,
    }),
  );

  const cpu = cpus();
  const domains = Object.keys(r.heldOut.after);
  const lines = [
    '# agentlm demo report',
    '',
    `Run of \`agentlm demo\`${r.sizes.vocab < 1024 ? ' (reduced size)' : ''} on ${cpu.length} × ${cpu[0]?.model ?? 'CPU'}, Node ${process.version}, ${new Date().toISOString()}. Every number below was measured by this run.`,
    '',
    '## Agent tasks before and after mid-training',
    '',
    `${r.agent.tasks} held-out tool-use tasks of the kinds mid-training saw (${r.taskKinds.map((k) => `\`${k}\``).join(', ')}; difficulty 1, drawn with a seed the synthesizer never used, none identical to a training task), greedy decoding, tool calls executed by the task's simulated environment, answers checked by the task's verifier. The demo keeps to the kinds whose arguments and answers come from small closed vocabularies: a 1M-parameter model trained for minutes does not learn to copy arbitrary strings (dates, expressions, numbers) from its context.`,
    '',
    ...agentTable(r.agent.before, r.agent.after),
    '',
    '*`<tool_call>` opened*: tool tasks where the model started a tool call at all; *well-formed call*: tool tasks with a `<tool_call>` holding JSON with a name and an arguments object; *valid calls*: calls the environment accepted (known tool, arguments valid by its JSON schema) over calls emitted, malformed ones included.',
    '',
    '## Stages',
    '',
    '| stage | seconds |',
    '| --- | ---: |',
    ...r.stages.map((s) => `| ${s.name} | ${s.seconds.toFixed(1)} |`),
    `| **total** | **${r.stages.reduce((a, s) => a + s.seconds, 0).toFixed(1)}** |`,
    '',
    '## Model and training',
    '',
    `Model: \`nano\` preset (MLA attention + SwiGLU, tied embeddings), vocab ${r.sizes.vocab}, ${r.parameters.toLocaleString('en-US')} parameters.`,
    '',
    '| run | steps | tokens | first loss | final loss | tokens/s |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    `| pre-training | ${r.pretrain.steps} | ${r.pretrain.tokens} | ${num(r.pretrain.firstLoss)} | ${num(r.pretrain.finalLoss)} | ${Math.round(r.pretrain.tokensPerSecond)} |`,
    `| mid-training | ${r.midtrain.steps} | ${r.midtrain.tokens} | ${num(r.midtrain.firstLoss)} | ${num(r.midtrain.finalLoss)} | ${Math.round(r.midtrain.tokensPerSecond)} |`,
    '',
    '![training loss](plots/loss.svg)',
    '',
    '![learning rate](plots/lr.svg)',
    '',
    '## Held-out loss per domain',
    '',
    '| domain | loss before | loss after | perplexity before | perplexity after |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...domains.map((d) => {
      const b = r.heldOut.before[d];
      const a = r.heldOut.after[d];
      return `| ${d} | ${num(b?.loss ?? Number.NaN)} | ${num(a?.loss ?? Number.NaN)} | ${num(b?.perplexity ?? Number.NaN, 1)} | ${num(a?.perplexity ?? Number.NaN, 1)} |`;
    }),
    '',
    '`agent` counts assistant tokens of scripted trajectories on the held-out tasks; the text domains count every token.',
    '',
    '![held-out loss](plots/eval.svg)',
    '',
    '## Data',
    '',
    ...mixTable('pre-training', inputs.mixReports.pretrain),
    '',
    ...mixTable('mid-training', inputs.mixReports.midtrain),
    '',
    '## The closing chat turn',
    '',
    '```text',
    ...r.chat,
    '```',
    '',
    '## Sample transcripts after mid-training',
    '',
    ...r.agent.after.transcripts
      .slice(0, 3)
      .flatMap((t) => [
        `**${t.id}** (${t.passed ? 'passed' : 'failed'})`,
        '',
        '```text',
        ...t.turns,
        '```',
        '',
      ]),
    '## Files',
    '',
    '- `model/`: the HF checkpoint (config.json, model.safetensors, tokenizer.json, tokenizer_config.json) and',
    '  `tools.json`, the tools it trained with and a sample key-value store (`agentlm chat --model model` offers them)',
    '- `tokenizer/`, `synth/` (trajectories + report), `mix/pretrain` (shards, Megatron .bin/.idx), `mix/midtrain`',
    '- `pretrain/`, `midtrain/`: metrics.jsonl and the last resumable checkpoint of each run',
    '',
  ];
  writeFileSync(r.report, lines.join('\n'));
}
