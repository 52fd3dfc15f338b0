import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildMix,
  type CurriculumInput,
  exportJsonl,
  MixDataset,
  MixerFormatError,
  readMegatronIndex,
  Shard,
  youtuCurriculum,
} from '../src/index.js';
import { curriculum, drain, encoder, flatTokens, streamOf, tempDir } from './helpers.js';

const input: CurriculumInput = {
  seed: 11,
  sources: [
    { name: 'commonsense', domain: 'commonsense', type: 'generator' as const, generator: 'commonsense' },
    { name: 'stem', domain: 'stem', type: 'generator' as const, generator: 'stem' },
    { name: 'agent', domain: 'agent', type: 'generator' as const, generator: 'agent' },
  ],
  stages: [
    {
      name: 'general',
      tokens: 30_000,
      seqLen: 128,
      lr: 'warmup' as const,
      weights: { commonsense: 3, stem: 1 },
    },
    { name: 'agentic', tokens: 20_000, seqLen: 256, lr: 'decay' as const, weights: { stem: 1, agent: 2 } },
  ],
};

function shardBytes(dir: string): Buffer[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.agshard'))
    .sort()
    .map((f) => readFileSync(join(dir, f)));
}

describe('buildMix and MixDataset', () => {
  it('writes shards whose sequences are exactly the stream, readable at random and in batches', async () => {
    const out = tempDir();
    const { index, report } = await buildMix(curriculum(input), { out, encoder, shardTokens: 4096 });
    const stream = await drain(streamOf(input));
    expect(index.complete).toBe(true);
    expect(index.sequences).toBe(stream.length);
    expect(index.shards.length).toBeGreaterThan(4);
    expect(index.shards.every((s) => s.sequences * s.seqLen <= 4096)).toBe(true);
    const ds = MixDataset.open(out);
    for (const i of [0, 5, 100, stream.length - 1]) {
      const seq = ds.get(i);
      expect(Array.from(seq.tokens)).toEqual(Array.from(stream[i].tokens));
      expect(Array.from(seq.lossMask)).toEqual(Array.from(stream[i].lossMask));
      expect(Array.from(seq.docStarts)).toEqual(Array.from(stream[i].docStarts));
      expect(seq.stageName).toBe(stream[i].stageName);
    }
    const batches = [...ds.batches(7)];
    expect(batches.every((b) => b.batchSize <= 7 && b.tokens.length === b.batchSize * b.seqLen)).toBe(true);
    expect(batches.flatMap((b) => Array.from(b.tokens))).toEqual(flatTokens(stream));
    // a batch never mixes stages (sequence lengths)
    expect(new Set(batches.map((b) => `${b.stage}:${b.seqLen}`)).size).toBe(2);
    // resuming the reader from a saved position continues with the same batches
    const resumed = [...ds.batches(7, batches[3].state)];
    expect(resumed.map((b) => b.firstSequence)).toEqual(batches.slice(4).map((b) => b.firstSequence));
    expect(report.totalTokens.delivered).toBe(index.tokens);
    expect(report.stages[1].sources.find((s) => s.name === 'agent')?.delivered).toBeGreaterThan(0);
    for (const f of ['report.json', 'report.md', 'mixture.svg', 'state.msgpack'])
      expect(existsSync(join(out, f))).toBe(true);
    expect(readFileSync(join(out, 'mixture.svg'), 'utf8')).toMatch(/^<svg[\s\S]*<polygon[\s\S]*<\/svg>\n$/);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('| agent | agent |');
  });

  it('resumes an interrupted build into byte-identical shards', async () => {
    const whole = tempDir();
    await buildMix(curriculum(input), { out: whole, encoder, shardTokens: 4096 });
    const parts = tempDir();
    for (const stop of [3, 70, 71, 150]) {
      const r = await buildMix(curriculum(input), {
        out: parts,
        encoder,
        shardTokens: 4096,
        stopAfterSequences: stop,
      });
      expect(r.index.complete).toBe(false);
    }
    // a half-written temp file and a shard written after the last commit are both harmless
    writeFileSync(join(parts, 'shard-000099.agshard.tmp-1'), 'junk');
    const done = await buildMix(curriculum(input), { out: parts, encoder, shardTokens: 4096 });
    expect(done.index.complete).toBe(true);
    expect(shardBytes(parts)).toEqual(shardBytes(whole));
    expect(JSON.parse(readFileSync(join(parts, 'index.json'), 'utf8'))).toEqual(
      JSON.parse(readFileSync(join(whole, 'index.json'), 'utf8')),
    );
    expect(done.report.stages).toEqual(JSON.parse(readFileSync(join(whole, 'report.json'), 'utf8')).stages);
  });

  it('exports Megatron MMIDIDX files, one item per document', async () => {
    const out = tempDir();
    await buildMix(curriculum(input), { out, encoder, exports: ['megatron', 'jsonl'] });
    const idx = readMegatronIndex(readFileSync(join(out, 'megatron', 'mix_text_document.idx')));
    const bin = readFileSync(join(out, 'megatron', 'mix_text_document.bin'));
    expect(idx.dtype).toBe(8);
    const stream = flatTokens(await drain(streamOf(input)));
    expect(idx.lengths.reduce((a, b) => a + b, 0)).toBe(stream.length);
    expect(bin.length).toBe(stream.length * 2);
    expect(Number(idx.pointers[1])).toBe(idx.lengths[0] * 2);
    expect(Array.from(idx.documentIndices.slice(0, 3), Number)).toEqual([0, 1, 2]);
    expect(idx.documentIndices.length).toBe(idx.lengths.length + 1);
    const tokens = Array.from(new Uint16Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.length)));
    expect(tokens).toEqual(stream);
    // every complete item ends with EOS
    let at = 0;
    for (let i = 0; i < idx.lengths.length - 1; i++) {
      at += idx.lengths[i];
      expect(tokens[at - 1]).toBe(encoder.eosId);
    }
    const lines = readFileSync(join(out, 'mix.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(MixDataset.open(out).length);
    const first = JSON.parse(lines[0]);
    expect(first.tokens).toHaveLength(128);
    expect(first.text).toBe(encoder.decode?.(first.tokens));
    expect(exportJsonl(MixDataset.open(out), join(out, 'again.jsonl')).sequences).toBe(lines.length);
  });

  it('refuses to resume a folder built with another seed, and reports corrupt shards', async () => {
    const out = tempDir();
    await buildMix(curriculum(input), { out, encoder, shardTokens: 1024, stopAfterSequences: 20 });
    await expect(buildMix(curriculum({ ...input, seed: 12 }), { out, encoder })).rejects.toThrow(
      MixerFormatError,
    );
    writeFileSync(join(out, 'broken.agshard'), 'AGLMSHRD');
    expect(() => new Shard(join(out, 'broken.agshard'))).toThrow(MixerFormatError);
    expect(() => MixDataset.open(tempDir())).toThrow(/no index\.json/);
  });

  it('builds the preset at a small scale with the report shape', async () => {
    const out = tempDir();
    const { report } = await buildMix(youtuCurriculum({ totalTokens: 2_000_000, seqLen: 128 }), {
      out,
      encoder,
    });
    const share = (stage: string, names: string[]) => {
      const st = report.stages.find((s) => s.name === stage);
      return (st?.sources ?? []).filter((s) => names.includes(s.name)).reduce((a, s) => a + s.share, 0);
    };
    expect(share('commonsense', ['commonsense'])).toBeGreaterThan(0.7);
    expect(share('stem', ['stem', 'code'])).toBeGreaterThan(0.55);
    expect(share('agentic', ['agent'])).toBeGreaterThan(0.55);
    expect(report.stages.map((s) => s.seqLen)).toEqual([128, 128, 256, 512, 512]);
  });
});
