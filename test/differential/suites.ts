/** The differential suites, by name: a case generator and a comparison against the oracle. */
import type fc from "fast-check";
import type { Oracle } from "../env/oracle.ts";
import { compareRegex, regexCaseArb } from "./regex-cases.ts";
import { compareKstatus, objectArb } from "./kstatus-cases.ts";
import { compareTemplate, templateCaseArb } from "./template-cases.ts";
import { comparePolicy, compareSemver, policyCaseArb, semverCaseArb } from "./semver-cases.ts";

/** One suite: generated cases and how to compare one (undefined when Slipway and Go agree). */
export interface DifferentialSuite {
  name: string;
  arbitrary: fc.Arbitrary<unknown>;
  compare: (oracle: Oracle, c: unknown) => Promise<string | undefined>;
}

/** Every suite, in the order the benchmark prints them. */
export const suites: DifferentialSuite[] = [
  { name: "semver", arbitrary: semverCaseArb, compare: (o, c) => compareSemver(o, c as Parameters<typeof compareSemver>[1]) },
  { name: "policy", arbitrary: policyCaseArb, compare: (o, c) => comparePolicy(o, c as Parameters<typeof comparePolicy>[1]) },
  { name: "template", arbitrary: templateCaseArb, compare: (o, c) => compareTemplate(o, c as Parameters<typeof compareTemplate>[1]) },
  { name: "kstatus", arbitrary: objectArb, compare: (o, c) => compareKstatus(o, c as Parameters<typeof compareKstatus>[1]) },
  { name: "regex", arbitrary: regexCaseArb, compare: (o, c) => compareRegex(o, c as Parameters<typeof compareRegex>[1]) },
];
