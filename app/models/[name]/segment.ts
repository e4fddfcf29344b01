/** Next may hand over a segment still percent-encoded; a stray "%" in a real model name must not throw. */
export function decodedSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
