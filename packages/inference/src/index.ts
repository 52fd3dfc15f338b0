export { InferenceError } from './errors.js';
