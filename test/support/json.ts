/** The body parsed as JSON, or undefined when it is not JSON (tests then assert on the text). */
export function tryJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
