export { ModelError } from './errors.js';
