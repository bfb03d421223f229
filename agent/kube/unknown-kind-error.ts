/**
 * The error for a kind the API server does not serve (no CRD, a typo, a removed API version).
 */
import { SlipwayError } from "../../core/errors.ts";

/** The API server has no resource for `apiVersion` + `kind`, even after a fresh discovery. */
export class UnknownKindError extends SlipwayError {
  readonly apiVersion: string;
  readonly kind: string;

  constructor(apiVersion: string, kind: string, options?: { cause?: unknown }) {
    super(`${kind}.${apiVersion}`, `the API server does not know kind ${kind} in ${apiVersion} (is its CRD installed?)`, options);
    this.name = "UnknownKindError";
    this.apiVersion = apiVersion;
    this.kind = kind;
  }
}
