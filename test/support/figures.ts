/** Prints a fault test's measured figures on their own line, so CI logs show them outside jest's noise. */
export function report(test: string, figures: Record<string, string | number>): void {
  const text = Object.entries(figures)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  process.stdout.write(`figures: ${test}: ${text}\n`);
}
