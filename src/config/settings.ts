/**
 * Typed settings: every directive as a plain property under its camelCase
 * name (`repl-backlog-size` -> `settings.replBacklogSize: number`,
 * `appendfsync` -> `'everysec' | 'always' | 'no'`, `client-output-buffer-limit`
 * -> `OutputLimits`), so code reads config without a string lookup.
 *
 * Why derived types and not a generated file: the directive tables in
 * directives.ts are declared `as const`, so their names, enum values and the
 * special types are already literal types; the mapped type below turns them
 * into the Settings type with no second copy of the schema to keep in step
 * (a generator would need a build step and a staleness test). Add a row to a
 * table and its typed property exists.
 *
 * At run time Config (schema.ts) builds the object once from its defaults
 * and assigns each stored value to its property (CONFIG SET, the config file,
 * setRaw: every store goes through one place), so a read is one property load.
 * The object is created with every property at once (Object.fromEntries), which
 * V8 keeps in fast (non-dictionary) mode; later stores only overwrite.
 */
import type { DirectiveTypes } from './directives';

/** `repl-backlog-size` -> `replBacklogSize`, `server_cpulist` -> `serverCpulist`. */
export type CamelCase<S extends string> = S extends `${infer H}-${infer T}`
  ? `${H}${Capitalize<CamelCase<T>>}`
  : S extends `${infer H}_${infer T}`
    ? `${H}${Capitalize<CamelCase<T>>}`
    : S;

/** Every directive's current value under its camelCase name. */
export type Settings = { [K in keyof DirectiveTypes as CamelCase<K & string>]: DirectiveTypes[K] };

/** A property name of Settings. */
export type SettingName = keyof Settings;

/** The directive name a setting comes from, e.g. `'repl-backlog-size'` for `'replBacklogSize'`. */
export type DirectiveName = keyof DirectiveTypes;

/** The settings property of a directive name (the run-time twin of CamelCase). */
export function settingName(directive: string): string {
  return directive.replace(/[-_]([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** A listener of a setting's changes made by CONFIG SET; throw Error(msg) to refuse the change. */
export type SettingHook<K extends SettingName> = (value: Settings[K], old: Settings[K]) => void;
