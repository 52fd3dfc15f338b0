/**
 * Browser stand-in for Node's `module` built-in. fdir (reached through tinyglobby, which the tokenizer and mixer
 * use to expand corpus globs on disk) calls `createRequire(import.meta.url)` when it is imported; in the
 * browser nothing reads globs, so the require it returns only has to exist, never to work.
 */
export function createRequire(): (id: string) => never {
  return (id) => {
    throw new Error(`require(${JSON.stringify(id)}) is not available in the browser`);
  };
}

export default { createRequire };
