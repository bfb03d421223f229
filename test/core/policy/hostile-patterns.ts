/**
 * Patterns a backtracking regular-expression engine needs exponential time for, each with the
 * unit its hostile input repeats: the linear-time test and bench/regex-guard.ts both use them.
 */
export const hostilePatterns: readonly (readonly [pattern: string, unit: string])[] = [
  ["^(a+)+$", "a"],
  ["^(a{1,30}){1,30}$", "a"],
  ["(?i)^(A|a|aA)*$", "a"],
  ["(?i)^(\\w+\\s?)*$", "Ab"],
  ["^(.*a){12}$", "a"],
];
