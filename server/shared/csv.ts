/**
 * RFC 4180 CSV. Cells that a spreadsheet would run as a formula (starting with = + - @, tab or
 * carriage return) are prefixed with an apostrophe, so an exported audit log cannot attack the
 * admin who opens it.
 */
export function toCsv(header: string[], rows: (string | number | null)[][]): string {
  const cell = (value: string | number | null): string => {
    let text = value === null ? '' : String(value);
    if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [header, ...rows].map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}
