export { MixerError } from './errors.js';
