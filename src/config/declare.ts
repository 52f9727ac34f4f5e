/**
 * The one declaration of an environment variable: its name, its default, what it means and
 * how its value is read. The section readers (`sections/`) read every variable through its
 * declaration, and `tollgate serve --help`, `.env.example` and docs/configuration.md are
 * generated from the same declarations (`variables.ts`), so a default is written once.
 *
 * A default is either a value (`default`), shown as written, or computed by the section
 * from other settings (`computed`: how to describe it); the section then passes it to `read`.
 */
import type { Reader } from './reader.js';
import type { HostPort, TrustProxy } from './schema.js';

/** What the generated help, `.env.example` and docs show of one variable. */
export interface VariableDoc {
  readonly name: string;
  /** The default as a user would write it (markdown code spans); '' when unset by default. */
  readonly default: string;
  /** What it does, in a line (code spans in backticks; help and `.env.example` drop them). */
  readonly meaning: string;
  /** Shown after the meaning in docs/configuration.md only. */
  readonly details?: string;
  /** A value to show in `.env.example` (every line there is commented out). */
  readonly example?: string;
}

/** A declared variable; a secret also declares `<NAME>_FILE`. */
export interface Declaration extends VariableDoc {
  /** `<NAME>_FILE` of a secret, which may hold the value instead. */
  readonly file?: VariableDoc;
  /** True when the variable is set to something other than blanks. */
  isSet(r: Reader): boolean;
  /** The trimmed value as set, undefined when unset. */
  raw(r: Reader): string | undefined;
}

/** A variable whose default is a value of its own. */
export interface Variable<T> extends Declaration {
  readonly defaultValue: T;
  read(r: Reader): T;
}

/** A variable whose default the section computes from other settings. */
export interface ComputedVariable<T> extends Declaration {
  read(r: Reader, fallback: T): T;
}

interface Spec {
  name: string;
  meaning: string;
  details?: string;
  example?: string;
}

type Default<T> = { default: T; computed?: never } | { computed: string; default?: never };

/** Reports a problem with the variable being parsed. */
export type Issue = (message: string) => void;

/** Code spans for the docs: `900`; an empty default stays empty. */
function code(text: string): string {
  return text === '' ? '' : `\`${text}\``;
}

function declare<T>(
  spec: Spec & Default<T>,
  show: (value: T) => string,
  read: (r: Reader, fallback: T) => T,
  extra: { file?: VariableDoc } = {},
): Variable<T> & ComputedVariable<T> {
  const { name, meaning, details, example } = spec;
  const own = spec.computed === undefined;
  return {
    name,
    meaning,
    ...(details === undefined ? {} : { details }),
    ...(example === undefined ? {} : { example }),
    ...extra,
    default: own ? code(show(spec.default)) : spec.computed,
    defaultValue: spec.default as T,
    isSet: (r) => r.isSet(name),
    raw: (r) => r.raw(name),
    read: (r: Reader, fallback?: T) => read(r, own ? spec.default : (fallback as T)),
  };
}

type IntSpec = Spec & { min: number; max: number };

/** A whole number from `min` to `max`. */
export function int(spec: IntSpec & { default: number }): Variable<number>;
export function int(spec: IntSpec & { computed: string }): ComputedVariable<number>;
export function int(spec: IntSpec & Default<number>): Variable<number> & ComputedVariable<number> {
  return declare<number>(spec, String, (r, fallback) => r.int(spec.name, fallback, spec.min, spec.max));
}

/** true/false (also 1/0, yes/no, on/off); `words: 'on/off'` shows the default as on or off. */
export function bool(spec: Spec & { default: boolean; words?: 'on/off' }): Variable<boolean>;
export function bool(spec: Spec & { computed: string }): ComputedVariable<boolean>;
export function bool(
  spec: Spec & Default<boolean> & { words?: 'on/off' },
): Variable<boolean> & ComputedVariable<boolean> {
  const show = (v: boolean) => (spec.words === 'on/off' ? (v ? 'on' : 'off') : String(v));
  return declare<boolean>(spec, show, (r, fallback) => r.bool(spec.name, fallback));
}

/** One of a few words. */
export function oneOf<const A extends readonly string[]>(
  spec: Spec & { allowed: A; default: A[number] },
): Variable<A[number]>;
export function oneOf<const A extends readonly string[]>(
  spec: Spec & { allowed: A; computed: string },
): ComputedVariable<A[number]>;
export function oneOf<const A extends readonly string[]>(
  spec: Spec & { allowed: A } & Default<A[number]>,
): Variable<A[number]> & ComputedVariable<A[number]> {
  const allowed = spec.allowed as readonly A[number][];
  return declare<A[number]>(spec, String, (r, fallback) => r.oneOf(spec.name, allowed, fallback));
}

/** Free text. */
export function text(spec: Spec & { default: string }): Variable<string>;
export function text(spec: Spec & { computed: string }): ComputedVariable<string>;
export function text(spec: Spec & Default<string>): Variable<string> & ComputedVariable<string> {
  return declare<string>(spec, String, (r, fallback) => r.string(spec.name, fallback));
}

/** Free text with no default; `unset` says what happens without it (docs only). */
export function optionalText(spec: Spec & { unset?: string }): Variable<string | undefined> {
  return declare<string | undefined>({ ...spec, computed: spec.unset ?? '' }, String, (r) =>
    r.optional(spec.name),
  );
}

/**
 * A secret, given inline (`NAME`) or in a file (`NAME_FILE`, resolved against the working
 * directory); never both. `what` names the file in errors ("cannot read the key file ...").
 */
export function secret(
  spec: Spec & { what: string; unset?: string; fileExample?: string },
): Variable<string | undefined> {
  const file: VariableDoc = {
    name: `${spec.name}_FILE`,
    default: '',
    meaning: `a file holding ${spec.name}`,
    ...(spec.fileExample === undefined ? {} : { example: spec.fileExample }),
  };
  return declare<string | undefined>(
    { ...spec, computed: spec.unset ?? '' },
    String,
    (r) => r.secret(spec.name, spec.what),
    { file },
  );
}

/** `host:port,host:port` (IPv6 hosts in brackets); none by default. */
export function hostPortList(spec: Spec): Variable<HostPort[]> {
  return declare<HostPort[]>(
    { ...spec, default: [] },
    () => '',
    (r) => r.hostPortList(spec.name),
  );
}

/** Which proxies decide the client address: false, a hop count, or addresses/CIDRs. */
export function trustProxy(spec: Spec): Variable<TrustProxy> {
  return declare<TrustProxy>({ ...spec, default: false }, String, (r) => r.trustProxy(spec.name));
}

type ParseSpec<T> = Spec & {
  /**
   * Reads a set value (trimmed, never blank); reports problems through `issue` and then
   * returns what is used instead (usually `fallback`), so every bad variable is reported.
   */
  parse: (value: string, issue: Issue, fallback: T) => T;
  /** How the docs show the default (`String` unless given). */
  show?: (value: T) => string;
};

/** A value with its own parser; unset, the default. */
export function parsed<T>(spec: ParseSpec<T> & { default: T }): Variable<T>;
export function parsed<T>(spec: ParseSpec<T> & { computed: string }): ComputedVariable<T>;
export function parsed<T>(spec: ParseSpec<T> & Default<T>): Variable<T> & ComputedVariable<T> {
  return declare<T>(spec, spec.show ?? String, (r, fallback) => {
    const value = r.raw(spec.name);
    return value === undefined
      ? fallback
      : spec.parse(value, (message) => r.issue(spec.name, message), fallback);
  });
}

/** The variables of one section of the configuration, in the order help and docs list them. */
export interface Section {
  readonly title: string;
  readonly variables: readonly Declaration[];
}
