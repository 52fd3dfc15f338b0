import { readFile } from 'node:fs/promises';
import {
  AGENT_SPECIAL_TOKENS,
  CorpusError,
  PRE_TOKENIZER_PRESETS,
  type PreTokenizerPreset,
  readCorpus,
  Tokenizer,
  TokenizerOptionError,
  trainTokenizer,
} from '@agentlm/tokenizer';
import type { Command } from 'commander';

const out = (line: string) => process.stdout.write(`${line}\n`);

function positiveInt(option: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new TokenizerOptionError(option, `must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

async function readInput(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new CorpusError(
      file,
      `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
}

/** Ids from a JSON array or whitespace/comma separated integers. */
function parseIds(text: string, where: string): number[] {
  const trimmed = text.trim();
  const parts = trimmed.startsWith('[')
    ? (JSON.parse(trimmed) as unknown[]).map(String)
    : trimmed.split(/[\s,]+/).filter(Boolean);
  return parts.map((p) => {
    const n = Number(p);
    if (!Number.isInteger(n))
      throw new TokenizerOptionError(where, `must hold integer token ids, got ${JSON.stringify(p)}`);
    return n;
  });
}

/** Registers the `agentlm tokenizer` commands. */
export function registerTokenizer(program: Command): void {
  const group = program
    .command('tokenizer')
    .description('train, inspect and run byte-level BPE tokenizers (HF tokenizer.json)');

  group
    .command('train')
    .description(
      'train a byte-level BPE tokenizer on text/JSONL files and write tokenizer.json + tokenizer_config.json',
    )
    .requiredOption('--corpus <paths...>', 'corpus files or globs (*.jsonl files read --jsonl-field)')
    .requiredOption('--vocab-size <n>', 'total vocabulary size (bytes + merges + special tokens)')
    .requiredOption('--out <dir>', 'output directory')
    .option('--preset <name>', `pre-tokenizer preset: ${PRE_TOKENIZER_PRESETS.join(', ')}`, 'stem')
    .option('--jsonl-field <field>', 'text field of JSONL records (dotted path)', 'text')
    .option('--special-tokens <list>', 'comma-separated special tokens (default: the agent chat tokens)')
    .option('--min-frequency <n>', 'minimum pair count to merge', '2')
    .option('--max-token-length <n>', 'longest token in bytes')
    .action(async (opts: Record<string, string | string[] | undefined>) => {
      const preset = opts.preset as PreTokenizerPreset;
      if (!PRE_TOKENIZER_PRESETS.includes(preset))
        throw new TokenizerOptionError(
          '--preset',
          `must be one of ${PRE_TOKENIZER_PRESETS.join(', ')}, got ${JSON.stringify(preset)}`,
        );
      const specialTokens =
        typeof opts.specialTokens === 'string'
          ? opts.specialTokens.split(',').filter(Boolean)
          : AGENT_SPECIAL_TOKENS;
      const started = performance.now();
      const tok = await trainTokenizer({
        corpus: { files: opts.corpus as string[], jsonlField: opts.jsonlField as string },
        vocabSize: positiveInt('--vocab-size', opts.vocabSize as string),
        preset,
        specialTokens,
        minFrequency: positiveInt('--min-frequency', opts.minFrequency as string),
        maxTokenLength:
          opts.maxTokenLength === undefined
            ? undefined
            : positiveInt('--max-token-length', opts.maxTokenLength as string),
        onProgress: (line) => process.stderr.write(`${line}\n`),
      });
      await tok.save(opts.out as string);
      out(
        `wrote ${opts.out} (vocabulary ${tok.vocabSize}, preset ${preset}) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    });

  group
    .command('encode')
    .description('encode text to token ids')
    .requiredOption('--tokenizer <path>', 'tokenizer directory or tokenizer.json')
    .option('--text <text>', 'text to encode')
    .option('--file <file>', 'file whose text to encode')
    .option('--special', 'apply the post-processor (e.g. prepend BOS)')
    .option('--json', 'print the ids as one JSON array')
    .action(
      async (opts: {
        tokenizer: string;
        text?: string;
        file?: string;
        special?: boolean;
        json?: boolean;
      }) => {
        if ((opts.text === undefined) === (opts.file === undefined))
          throw new TokenizerOptionError('--text/--file', 'give exactly one of them');
        const text = opts.text ?? (await readInput(opts.file as string));
        const tok = await Tokenizer.fromFile(opts.tokenizer);
        const ids = tok.encode(text, { addSpecialTokens: opts.special === true });
        out(opts.json ? JSON.stringify(ids) : ids.join(' '));
      },
    );

  group
    .command('decode')
    .description('decode token ids to text')
    .requiredOption('--tokenizer <path>', 'tokenizer directory or tokenizer.json')
    .argument('[ids...]', 'token ids (or use --ids / --file)')
    .option('--ids <ids>', 'ids as a JSON array or separated by spaces/commas')
    .option('--file <file>', 'file holding the ids')
    .option('--skip-special', 'drop special tokens')
    .action(
      async (
        args: string[],
        opts: { tokenizer: string; ids?: string; file?: string; skipSpecial?: boolean },
      ) => {
        const sources = [args.length > 0, opts.ids !== undefined, opts.file !== undefined].filter(
          Boolean,
        ).length;
        if (sources !== 1)
          throw new TokenizerOptionError('ids', 'give them once: as arguments, with --ids or with --file');
        const ids =
          opts.file !== undefined
            ? parseIds(await readInput(opts.file), opts.file)
            : parseIds(opts.ids ?? args.join(' '), '--ids');
        const tok = await Tokenizer.fromFile(opts.tokenizer);
        process.stdout.write(tok.decode(ids, { skipSpecialTokens: opts.skipSpecial === true }));
        process.stdout.write('\n');
      },
    );

  group
    .command('stats')
    .description('bytes per token of each input file and vocabulary coverage')
    .requiredOption('--tokenizer <path>', 'tokenizer directory or tokenizer.json')
    .argument('<files...>', 'text files or globs to measure')
    .option('--json', 'print the statistics as JSON')
    .action(async (files: string[], opts: { tokenizer: string; json?: boolean }) => {
      const tok = await Tokenizer.fromFile(opts.tokenizer);
      const used = new Uint8Array(tok.vocabSize);
      const rows: { file: string; bytes: number; tokens: number; bytesPerToken: number }[] = [];
      const utf8 = new TextEncoder();
      for (const file of files) {
        let bytes = 0;
        let tokens = 0;
        for await (const chunk of readCorpus({ files: [file] })) {
          const ids = tok.encode(chunk, { parseSpecialTokens: false });
          bytes += utf8.encode(chunk).length;
          tokens += ids.length;
          for (const id of ids) used[id] = 1;
        }
        rows.push({ file, bytes, tokens, bytesPerToken: tokens === 0 ? 0 : bytes / tokens });
      }
      const usedCount = used.reduce((a, b) => a + b, 0);
      const coverage = {
        vocabSize: tok.vocabSize,
        usedTokens: usedCount,
        fraction: usedCount / tok.vocabSize,
      };
      if (opts.json) {
        out(JSON.stringify({ files: rows, coverage }, null, 2));
        return;
      }
      out(
        `${'file'.padEnd(40)} ${'bytes'.padStart(12)} ${'tokens'.padStart(12)} ${'bytes/token'.padStart(12)}`,
      );
      for (const r of rows)
        out(
          `${r.file.padEnd(40)} ${String(r.bytes).padStart(12)} ${String(r.tokens).padStart(12)} ${r.bytesPerToken.toFixed(3).padStart(12)}`,
        );
      out(
        `vocabulary coverage: ${usedCount} of ${tok.vocabSize} tokens used (${(coverage.fraction * 100).toFixed(1)}%)`,
      );
    });
}
