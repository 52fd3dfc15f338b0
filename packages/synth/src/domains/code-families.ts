import type { Rng } from '../rng.js';
import type { Difficulty } from '../types.js';

/**
 * A function-writing exercise: the reference solution (our own source, also used to compute the hidden
 * tests' expected values), a realistic buggy variant, and examples that expose the bug.
 */
export interface CodeFamily {
  name: string;
  params: string;
  does: string;
  difficulty: Difficulty;
  solution: string;
  buggy: string;
  bugNote: string;
  examples: unknown[][];
  randomArgs: (rng: Rng) => unknown[];
}

const ints = (rng: Rng, n: number, lo: number, hi: number) =>
  Array.from({ length: n }, () => rng.int(lo, hi));
const word = (rng: Rng) => rng.pick(['sun', 'moon', 'star', 'tree', 'rock', 'wave', 'leaf', 'sky']);
const words = (rng: Rng, n: number) => Array.from({ length: n }, () => word(rng)).join(' ');

export const CODE_FAMILIES: CodeFamily[] = [
  {
    name: 'sumOfEvens',
    params: 'nums',
    does: 'returns the sum of the even numbers in the array `nums` (0 when there are none)',
    difficulty: 1,
    solution:
      'function sumOfEvens(nums) {\n  let total = 0;\n  for (const n of nums) if (n % 2 === 0) total += n;\n  return total;\n}',
    buggy:
      'function sumOfEvens(nums) {\n  let total = 0;\n  for (const n of nums) if (n % 2 === 1) total += n;\n  return total;\n}',
    bugNote: 'the condition `n % 2 === 1` selects odd numbers; even numbers satisfy `n % 2 === 0`',
    examples: [[[1, 2, 3, 4]], [[5, 7]]],
    randomArgs: (rng) => [ints(rng, rng.int(0, 8), -20, 20)],
  },
  {
    name: 'countVowels',
    params: 's',
    does: 'returns how many vowels (a, e, i, o, u, in either case) the string `s` contains',
    difficulty: 1,
    solution:
      "function countVowels(s) {\n  let count = 0;\n  for (const ch of s.toLowerCase()) if ('aeiou'.includes(ch)) count++;\n  return count;\n}",
    buggy:
      "function countVowels(s) {\n  let count = 0;\n  for (const ch of s) if ('aeiou'.includes(ch)) count++;\n  return count;\n}",
    bugNote: 'upper-case vowels are not counted; the string must be lower-cased first',
    examples: [['Hello World'], ['AEIOU xyz']],
    randomArgs: (rng) => [rng.pick(['Apple pie', 'Orange', 'sky', 'QUEUE', 'Umbrella Inc', 'rhythm'])],
  },
  {
    name: 'maxOf',
    params: 'nums',
    does: 'returns the largest number of the non-empty array `nums`',
    difficulty: 1,
    solution:
      'function maxOf(nums) {\n  let best = nums[0];\n  for (const n of nums) if (n > best) best = n;\n  return best;\n}',
    buggy:
      'function maxOf(nums) {\n  let best = 0;\n  for (const n of nums) if (n > best) best = n;\n  return best;\n}',
    bugNote: 'starting from 0 gives 0 for an all-negative array; start from the first element',
    examples: [[[3, 9, 2]], [[-5, -2, -9]]],
    randomArgs: (rng) => [ints(rng, rng.int(1, 7), -50, 50)],
  },
  {
    name: 'reverseWords',
    params: 's',
    does: 'returns the words of `s` (separated by single spaces) in reverse order, joined by single spaces',
    difficulty: 2,
    solution: "function reverseWords(s) {\n  return s.split(' ').reverse().join(' ');\n}",
    buggy: "function reverseWords(s) {\n  return s.split('').reverse().join('');\n}",
    bugNote: 'splitting on the empty string reverses characters, not words; split on a space',
    examples: [['the quick fox'], ['a b']],
    randomArgs: (rng) => [words(rng, rng.int(1, 5))],
  },
  {
    name: 'runLengthEncode',
    params: 's',
    does: 'returns the run-length encoding of `s`: each run of a repeated character becomes the character followed by the run length, e.g. "aaab" → "a3b1"',
    difficulty: 2,
    solution:
      "function runLengthEncode(s) {\n  let out = '';\n  let i = 0;\n  while (i < s.length) {\n    let j = i;\n    while (j < s.length && s[j] === s[i]) j++;\n    out += s[i] + (j - i);\n    i = j;\n  }\n  return out;\n}",
    buggy:
      "function runLengthEncode(s) {\n  let out = '';\n  let run = 1;\n  for (let i = 1; i < s.length; i++) {\n    if (s[i] === s[i - 1]) run++;\n    else { out += s[i - 1] + run; run = 1; }\n  }\n  return out;\n}",
    bugNote: 'the last run is never written out after the loop ends',
    examples: [['aaab'], ['xyz']],
    randomArgs: (rng) => [
      Array.from({ length: rng.int(1, 4) }, () => rng.pick(['a', 'b', 'c']).repeat(rng.int(1, 4))).join(''),
    ],
  },
  {
    name: 'uniqueSorted',
    params: 'nums',
    does: 'returns the distinct numbers of `nums` sorted in ascending numeric order (without changing `nums`)',
    difficulty: 2,
    solution: 'function uniqueSorted(nums) {\n  return [...new Set(nums)].sort((a, b) => a - b);\n}',
    buggy: 'function uniqueSorted(nums) {\n  return [...new Set(nums)].sort();\n}',
    bugNote: 'the default sort compares numbers as strings (10 before 9); pass a numeric comparator',
    examples: [[[10, 9, 2, 9]], [[3, 1, 2]]],
    randomArgs: (rng) => [ints(rng, rng.int(0, 8), -5, 25)],
  },
  {
    name: 'maxSubarraySum',
    params: 'nums',
    does: 'returns the largest sum of a non-empty contiguous subarray of the non-empty array `nums`',
    difficulty: 3,
    solution:
      'function maxSubarraySum(nums) {\n  let best = nums[0];\n  let current = 0;\n  for (const n of nums) {\n    current = Math.max(n, current + n);\n    best = Math.max(best, current);\n  }\n  return best;\n}',
    buggy:
      'function maxSubarraySum(nums) {\n  let best = 0;\n  let current = 0;\n  for (const n of nums) {\n    current = Math.max(0, current + n);\n    best = Math.max(best, current);\n  }\n  return best;\n}',
    bugNote: 'clamping at 0 returns 0 for an all-negative array, but the subarray must be non-empty',
    examples: [[[-2, 1, -3, 4, -1, 2, 1, -5, 4]], [[-3, -1, -2]]],
    randomArgs: (rng) => [ints(rng, rng.int(1, 9), -10, 10)],
  },
  {
    name: 'isBalanced',
    params: 's',
    does: 'returns true when every bracket in `s` ("()", "[]", "{}") is closed in the right order, else false; other characters are ignored',
    difficulty: 3,
    solution:
      "function isBalanced(s) {\n  const pairs = { ')': '(', ']': '[', '}': '{' };\n  const stack = [];\n  for (const ch of s) {\n    if ('([{'.includes(ch)) stack.push(ch);\n    else if (ch in pairs && stack.pop() !== pairs[ch]) return false;\n  }\n  return stack.length === 0;\n}",
    buggy:
      "function isBalanced(s) {\n  const pairs = { ')': '(', ']': '[', '}': '{' };\n  const stack = [];\n  for (const ch of s) {\n    if ('([{'.includes(ch)) stack.push(ch);\n    else if (ch in pairs && stack.pop() !== pairs[ch]) return false;\n  }\n  return true;\n}",
    bugNote: 'brackets still open at the end are ignored; the stack must be empty at the end',
    examples: [['(a[b]{c})'], ['((x)']],
    randomArgs: (rng) => [
      Array.from({ length: rng.int(1, 8) }, () => rng.pick(['(', ')', '[', ']', '{', '}', 'x'])).join(''),
    ],
  },
  {
    name: 'binarySearch',
    params: 'sorted, target',
    does: 'returns the index of `target` in the ascending array `sorted`, or -1 when it is absent',
    difficulty: 3,
    solution:
      'function binarySearch(sorted, target) {\n  let lo = 0;\n  let hi = sorted.length - 1;\n  while (lo <= hi) {\n    const mid = (lo + hi) >> 1;\n    if (sorted[mid] === target) return mid;\n    if (sorted[mid] < target) lo = mid + 1;\n    else hi = mid - 1;\n  }\n  return -1;\n}',
    buggy:
      'function binarySearch(sorted, target) {\n  let lo = 0;\n  let hi = sorted.length - 1;\n  while (lo < hi) {\n    const mid = (lo + hi) >> 1;\n    if (sorted[mid] === target) return mid;\n    if (sorted[mid] < target) lo = mid + 1;\n    else hi = mid - 1;\n  }\n  return -1;\n}',
    bugNote:
      'with `lo < hi` the loop stops before checking the last remaining element; it must be `lo <= hi`',
    examples: [
      [[1, 3, 5, 7], 7],
      [[2, 4, 6], 5],
    ],
    randomArgs: (rng) => {
      const sorted = [...new Set(ints(rng, rng.int(1, 8), 0, 30))].sort((a, b) => a - b);
      return [sorted, rng.chance(0.7) ? rng.pick(sorted) : rng.int(0, 30)];
    },
  },
];
