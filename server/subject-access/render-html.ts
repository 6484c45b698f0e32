import type { SubjectAccessExport } from './export';

const escape = (value: unknown): string =>
  (typeof value === 'string' ? value : value === null || value === undefined ? '' : JSON.stringify(value)).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** A printable page (no scripts, no styles: it prints cleanly and runs nothing). Every value is escaped. */
export function renderExportHtml(data: SubjectAccessExport, request: { requestedOn: string; dueOn: string }): string {
  const child = data.child;
  const parents = Array.isArray(child.parents) ? (child.parents as { name: string; relationship: string; contact: string | null }[]) : [];
  const contacts = Array.isArray(child.specialistContacts) ? (child.specialistContacts as { service: string; contact: string | null }[]) : [];
  const row = (label: string, value: unknown) => `<tr><th scope="row">${escape(label)}</th><td>${escape(value)}</td></tr>`;
  return `<!doctype html>
<html lang="en-GB">
<head><meta charset="utf-8"><title>Subject access request — ${escape(child.name)}</title></head>
<body>
<h1>Information held about ${escape(child.name)}</h1>
<p>Request received ${escape(request.requestedOn)}; to be answered by ${escape(request.dueOn)}. Produced ${escape(data.generatedAt)}.</p>
<h2>Index entry</h2>
<table>
${row('Name', child.name)}${row('Date of birth', child.dateOfBirth)}${row('Gender', child.gender)}${row('Address', `${String(child.address)}, ${String(child.postcode)}`)}
${row('School or setting', child.schoolOrSetting)}${row('GP', child.gp)}${row('Health visitor', child.healthVisitor)}
${parents.map((p) => row(`Parent or carer (${p.relationship})`, `${p.name}${p.contact ? `, ${p.contact}` : ''}`)).join('')}
${contacts.map((c) => row('Specialist service', `${c.service}${c.contact ? `, ${c.contact}` : ''}`)).join('')}
</table>
<h2>What happened, in date order</h2>
<ol>
${data.events.map((e) => `<li><p><strong>${escape(e.at)}</strong> — ${escape(e.description)}</p>${Object.keys(e.detail).length ? `<pre>${escape(JSON.stringify(e.detail, null, 2))}</pre>` : ''}</li>`).join('\n')}
</ol>
<h2>Notes</h2>
<ul>${data.notes.map((n) => `<li>${escape(n)}</li>`).join('')}</ul>
</body>
</html>
`;
}
