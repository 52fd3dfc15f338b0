export { TokenizerError } from './errors.js';
