/** Bucket contents the harness page can start with, chosen by `?scenario=` in its URL. */
import type { FakeBackend } from './fake-backend';

const KB = 1024;
const MB = 1024 * KB;

export type Scenario = 'office' | 'big' | 'empty';

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
}
