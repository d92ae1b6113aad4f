import { describe, expect, it } from 'vitest';
import { runsCode, visibleName } from '../../src/lib/names';

describe('visibleName', () => {
  it('shows bidirectional and zero-width characters, so a program cannot pass for a PDF', () => {
    expect(visibleName('invoice\u202Efdp.exe')).toBe('invoice⟦U+202E⟧fdp.exe');
    expect(visibleName('a\u200Bb\u2066c\u2069')).toBe('a⟦U+200B⟧b⟦U+2066⟧c⟦U+2069⟧');
    expect(visibleName('Über uns — 2026 (final).docx')).toBe('Über uns — 2026 (final).docx');
  });
});

describe('runsCode', () => {
  it('knows programs, scripts and shortcuts, whatever the case or trailing dots', () => {
    for (const name of ['setup.exe', 'INVOICE.PDF.EXE', 'run.sh', 'start.desktop', 'tool.AppImage', 'x.bat. ', 'invoice\u202Efdp.exe']) {
      expect(runsCode(name), name).toBe(true);
    }
    for (const name of ['report.pdf', 'budget.xlsx', 'notes', '.env', 'exe']) expect(runsCode(name), name).toBe(false);
  });
});
