/** @module A problem found in a policy or release document, before it is located in the text. Types only. */

export type Path = readonly (string | number)[];

/** A problem found in a document, before it is located. */
export interface Issue {
  path: Path;
  message: string;
  /** Point at the key of the last path element rather than its value (unknown fields). */
  atKey?: boolean;
  /** For an unknown field with a close known name: the path of that field (it was probably meant). */
  meant?: Path;
}
