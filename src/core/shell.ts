/** Quotes a string for POSIX sh (single quotes; embedded quotes closed and escaped). */
export function shellQuote(value: string): string {
  return `'${value.split('\'').join('\'\\\'\'')}'`;
}
