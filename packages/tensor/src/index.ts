export { TensorError } from './errors.js';
