// Node entry: the on-disk model cache (node:fs), for programs that list or delete what `loadModel(url)` fetched.
export { DirectoryModelStore, defaultCacheDir } from './remote/dir-store.js';
