/**
 * Every environment variable tollgate reads, gathered from the declarations of the config
 * sections (`sections/*.ts`, see `declare.ts`): `tollgate serve --help`, `.env.example`
 * and the variable tables of docs/configuration.md are generated from them
 * (`npm run config-docs`). A test fails when the committed files differ from what the
 * declarations generate, and when the config reads a variable no section declares.
 */
import type { Declaration, Section, VariableDoc } from './declare.js';
import { ACCOUNTS } from './sections/accounts.js';
import { BROWSERS } from './sections/browsers.js';
import { DATABASE } from './sections/database.js';
import { OAUTH } from './sections/oauth.js';
import { PASSWORD_POLICY_SECTION } from './sections/password-policy.js';
import { REDIS } from './sections/redis.js';
import { SECURITY } from './sections/security.js';
import { SERVER } from './sections/server.js';
import { TOKENS } from './sections/tokens.js';
import { WEBAUTHN } from './sections/webauthn.js';

export type { VariableDoc };

export interface VariableGroup {
  title: string;
  variables: readonly VariableDoc[];
}

/** The sections in the order help, `.env.example` and the docs list them. */
export const SECTIONS: readonly Section[] = [
  SERVER,
  REDIS,
  DATABASE,
  TOKENS,
  OAUTH,
  BROWSERS,
  WEBAUTHN,
  SECURITY,
  ACCOUNTS,
  PASSWORD_POLICY_SECTION,
];

/** A variable and, for a secret, its `_FILE` twin. */
function withFile(d: Declaration): VariableDoc[] {
  return d.file ? [d, d.file] : [d];
}

export const VARIABLE_GROUPS: readonly VariableGroup[] = SECTIONS.map((s) => ({
  title: s.title,
  variables: s.variables.flatMap(withFile),
}));

export const VARIABLES: readonly VariableDoc[] = VARIABLE_GROUPS.flatMap((g) => g.variables);

/** Text without markdown code spans, for the terminal and `.env.example`. */
function plain(text: string): string {
  return text.replace(/`/g, '');
}

/** The text `tollgate serve --help` appends: every variable with its default. */
export function variablesHelp(): string {
  const lines = ['', 'Environment variables (also read from .env and .env.<DEPLOYMENT_ENV>):'];
  const width = Math.max(...VARIABLES.map((v) => v.name.length));
  for (const group of VARIABLE_GROUPS) {
    lines.push('', `  ${group.title}`);
    for (const v of group.variables) {
      const def = v.default ? ` [default: ${plain(v.default)}]` : '';
      lines.push(`    ${v.name.padEnd(width)}  ${plain(v.meaning)}${def}`.trimEnd());
    }
  }
  lines.push('', 'Full reference: docs/configuration.md');
  return lines.join('\n');
}

/** `.env.example`: every variable, commented out, with its meaning and default. */
export function envExample(): string {
  const out = [
    '# tollgate configuration. Copy to .env (or .env.<DEPLOYMENT_ENV>) and uncomment what you need.',
    '# The real environment wins over these files. Full reference: docs/configuration.md',
    '# Generated from the declarations in src/config/sections/ (npm run config-docs): do not edit.',
  ];
  for (const group of VARIABLE_GROUPS) {
    out.push('', `# --- ${group.title}`);
    for (const v of group.variables) {
      const about = [plain(v.meaning), v.default ? `default: ${plain(v.default)}` : '']
        .filter(Boolean)
        .join('; ');
      if (about) out.push(`# ${about}`);
      out.push(`# ${v.name}=${v.example ?? ''}`);
    }
  }
  return out.join('\n') + '\n';
}

/** A table cell: no line breaks, `|` escaped. */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
}

/** The meaning and, in the docs, what follows it (punctuation joins without a space). */
function described(d: Declaration): string {
  if (!d.details) return d.meaning;
  return /^[;,:.]/.test(d.details) ? `${d.meaning}${d.details}` : `${d.meaning} ${d.details}`;
}

/**
 * The variable tables of docs/configuration.md, one per section, as markdown (before
 * formatting): a secret's row names its `_FILE` twin too.
 */
export function configurationTables(): string {
  const out: string[] = [];
  for (const section of SECTIONS) {
    out.push(`### ${section.title}`, '', '| variable | default | meaning |', '| --- | --- | --- |');
    for (const d of section.variables) {
      const name = d.file ? `\`${d.name}\` / \`${d.file.name}\`` : `\`${d.name}\``;
      out.push(`| ${name} | ${cell(d.default)} | ${cell(described(d))} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
