/** Tables for stdout, plain when colour is off so that piped output stays clean. */
import Table from "cli-table3";
import type { ChalkInstance } from "chalk";

export function renderTable(head: string[], rows: (string | number)[][], color: ChalkInstance): string {
  const table = new Table({
    head: head.map((h) => color.bold(h)),
    style: { head: [], border: [], compact: false },
  });
  for (const row of rows) table.push(row.map(String));
  return table.toString();
}
