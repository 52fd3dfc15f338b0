import { readFile } from 'node:fs/promises';
import { ToolManifestError } from './errors.js';
import { parseToolManifest, type ToolManifest } from './tool-manifest.js';

/** Reads and checks a manifest file; every failure (missing, unreadable, not JSON, a bad field) is a `ToolManifestError` naming it. */
export async function readToolManifest(file: string): Promise<ToolManifest> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ToolManifestError(file, '', `cannot be read: ${(err as Error).message}`);
  }
  return parseToolManifest(text, file);
}
