/**
 * The files generated from the config declarations (src/config/sections/): `.env.example`
 * and the variable tables of docs/configuration.md, which sit between two markers inside
 * the hand-written page. Formatted as prettier formats the page, so `prettier --check`
 * and the drift test (test/unit/config-variables.test.ts) agree.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { configurationTables, envExample } from '../src/config/variables.js';

export const ENV_EXAMPLE = '.env.example';
export const CONFIGURATION_DOC = 'docs/configuration.md';
export const BEGIN_MARKER =
  '<!-- BEGIN GENERATED: environment variables, from src/config/sections/ (npm run config-docs) -->';
export const END_MARKER = '<!-- END GENERATED: environment variables -->';

/** docs/configuration.md as `current` with the generated tables put between the markers. */
export async function configurationDoc(current: string, root = '.'): Promise<string> {
  const begin = current.indexOf(BEGIN_MARKER);
  const end = current.indexOf(END_MARKER);
  if (begin === -1 || end < begin) {
    throw new Error(`${CONFIGURATION_DOC} lacks the markers ${BEGIN_MARKER} ... ${END_MARKER}`);
  }
  const text = [
    current.slice(0, begin + BEGIN_MARKER.length),
    '',
    configurationTables(),
    current.slice(end),
  ].join('\n');
  const path = resolve(root, CONFIGURATION_DOC);
  return format(text, { ...(await resolveConfig(path)), filepath: path });
}

/** Every generated file: its path (from the repository root) and what it must contain. */
export async function generatedFiles(root = '.'): Promise<Array<{ path: string; text: string }>> {
  const doc = readFileSync(resolve(root, CONFIGURATION_DOC), 'utf8');
  return [
    { path: ENV_EXAMPLE, text: envExample() },
    { path: CONFIGURATION_DOC, text: await configurationDoc(doc, root) },
  ];
}
