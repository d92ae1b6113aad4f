/** Bucket contents the harness page can start with, chosen by `?scenario=` in its URL. */
import type { FakeBackend } from './fake-backend';

const KB = 1024;
const MB = 1024 * KB;

export type Scenario = 'office' | 'big' | 'empty' | 'previews';

export function seed(fake: FakeBackend, scenario: Scenario): void {
  fake.addConnection({ name: 'Office S3', bucket: 'office-docs' });
  fake.addConnection({ name: 'Branch office', bucket: 'branch', endpoint: 'https://branch.example.test' });
  fake.unreachable.add('Branch office');
  fake.addConnection({ name: 'Office NAS', bucket: 'nas', endpoint: 'http://nas.office.lan:9000', insecure: true, unencrypted: true });
  fake.put('Office S3', 'Welcome.pdf', 80 * KB);

  if (scenario === 'empty') return;

  if (scenario === 'big') {
    // 100,000 documents in one folder, plus one subfolder so folders-first ordering is exercised.
    const base = Date.UTC(2023, 0, 1);
    for (let i = 0; i < 100_000; i += 1) {
      fake.put('Local vault', `doc-${String(i).padStart(6, '0')}.pdf`, 1000 + i, base + i * 60_000);
    }
    fake.put('Local vault', 'Archive/old.pdf', 10 * KB);
    return;
  }

  const at = (day: number, hour = 10) => Date.UTC(2024, 2, day, hour, 15);
  fake.put('Local vault', 'report.pdf', 245 * KB, at(3));
  fake.put('Local vault', 'budget 2024.xlsx', 88 * KB, at(5));
  fake.put('Local vault', 'minutes.docx', 31 * KB, at(7));
  fake.put('Local vault', 'team photo.jpg', 2.4 * MB, at(9));
  fake.put('Local vault', 'notes.txt', 2 * KB, at(11));
  fake.put('Local vault', 'quarterly review.pptx', 5.1 * MB, at(12));
  fake.put('Local vault', 'old projects.zip', 48 * MB, at(1));
  fake.put('Local vault', 'customer reply.eml', 12 * KB, at(14));
  fake.put('Local vault', 'Invoices/2024/invoice-001.pdf', 120 * KB, at(2));
  fake.put('Local vault', 'Invoices/2024/invoice-002.pdf', 130 * KB, at(4));
  fake.put('Local vault', 'Invoices/2023/invoice-099.pdf', 110 * KB, at(6));
  fake.put('Local vault', 'Contracts/lease.pdf', 1.2 * MB, at(8));
  fake.put('Local vault', 'Contracts/supplier.docx', 64 * KB, at(10));
  fake.put('Local vault', 'HR/handbook.pdf', 3 * MB, at(13));
  if (scenario !== 'previews') return;
  // Real bytes for previews.
  const text = (s: string) => new TextEncoder().encode(s);
  fake.putContent('Local vault', 'Previews/agenda.txt', text('Agenda\n1. Budget\n2. Hiring\n'));
  fake.putContent('Local vault', 'Previews/figures.csv', text('Region,Sales\nNorth,120\n"South, coast",95\n'));
  fake.putContent('Local vault', 'Previews/readme.md', text('# Team notes\n\nSee **the plan**.\n\n<script>window.__pwned = true</script>\n'));
  fake.putContent('Local vault', 'Previews/one page.pdf', minimalPdf('Hello from Coffer'));
  fake.putContent('Local vault', 'Previews/logo.png', PNG_1X1);
  fake.put('Local vault', 'Previews/site plan.vsdx', 4 * KB);
}

/** A 1×1 red PNG. */
const PNG_1X1 = Uint8Array.from(
  atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=='),
  (c) => c.charCodeAt(0),
);

/** A one-page PDF showing `text`, with a correct cross-reference table. */
function minimalPdf(text: string): Uint8Array {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    '',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  const stream = `BT /F1 18 Tf 20 70 Td (${text}) Tj ET`;
  objects[3] = `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`;
  let pdf = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(pdf.length);
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) pdf += `${String(offset).padStart(10, '0')} 00000 n \n`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(pdf);
}
