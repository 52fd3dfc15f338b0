import { record } from '../autograd.js';
import type { Tensor } from '../tensor.js';
import { zeros } from './creation.js';
import { newTensor, requireDType, sameBackend, shapeError } from './util.js';

/**
 * Embedding lookup: table [rows, dim] (f32/f16/bf16), ids i32 [...] → f32 [..., dim]. The backward
 * scatter-adds into an f32 gradient of the table (repeated ids accumulate). Ids must be in [0, rows).
 */
export function gather(table: Tensor, ids: Tensor): Tensor {
  const ts = [table, ids];
  const backend = sameBackend('gather', ts);
  requireDType('gather', ts, table, ['f32', 'f16', 'bf16', 'q8', 'q4']);
  requireDType('gather', ts, ids, ['i32']);
  if (table.rank !== 2) throw shapeError('gather', ts, 'table must be [rows, dim]');
  const dim = table.shape[1];
  const y = newTensor(backend, [...ids.shape, dim], 'f32');
  backend.gather(table.storage, ids.storage, y.storage, ids.size, dim);
  record(y, [table], (dy) => {
    const dTable = zeros(table.shape, { backend });
    backend.scatterAdd(dy.storage, ids.storage, dTable.storage, ids.size, dim);
    return [dTable];
  });
  return y;
}
