import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ratio, toReport, writeFileAtomic } from '../src/result.js';

describe('bench results', () => {
  it('orients ratio so that > 1 means ours is better', () => {
    expect(ratio({ ours: 20, peer: 10, better: 'higher' })).toBe(2);
    expect(ratio({ ours: 5, peer: 10, better: 'lower' })).toBe(2);
    expect(ratio({ ours: 5, peer: null, better: 'lower' })).toBeNull();
  });

  it('drops the orientation from the written rows and keeps the schema', () => {
    const report = toReport(
      [
        {
          case: 'matmul 1024',
          metric: 'throughput',
          unit: 'GFLOP/s',
          better: 'higher',
          ours: 3,
          peer: 4,
          peer_name: 'x',
        },
      ],
      { cpu: 'test' },
    );
    expect(report.results[0]).toEqual({
      case: 'matmul 1024',
      metric: 'throughput',
      unit: 'GFLOP/s',
      ours: 3,
      peer: 4,
      peer_name: 'x',
      ratio: 0.75,
    });
  });

  it('writes atomically, leaving no temp file behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-'));
    writeFileAtomic(join(dir, 'sub', 'r.json'), '{"a":1}');
    expect(readFileSync(join(dir, 'sub', 'r.json'), 'utf8')).toBe('{"a":1}');
    expect(readdirSync(join(dir, 'sub'))).toEqual(['r.json']);
  });
});
