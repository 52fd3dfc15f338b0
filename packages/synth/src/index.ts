export { SynthError } from './errors.js';
