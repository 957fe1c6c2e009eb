/** C0 controls, DEL and C1 controls: invisible in logs, and NUL is refused by the server. */
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/u;

/**
 * A UTF-16 surrogate without its pair. It has no UTF-8 form: the driver would
 * send U+FFFD instead, so the server would store a different string.
 */
export const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** "a string", "null", "an array", ... for messages about wrong input types. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
